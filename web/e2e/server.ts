// A boxoffice server for one test: the real binary (BX_BINARY) on an ephemeral port, with a
// temporary data dir and the demo data, stopped (SIGTERM) and removed afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Server {
  url: string;
  logs: () => string;
  stop: () => Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const binary = process.env.BX_BINARY ?? "../build/boxoffice";
  const dataDir = mkdtempSync(join(tmpdir(), "boxoffice-e2e-"));
  const child: ChildProcess = spawn(
    binary,
    ["serve", "--demo", "--data-dir", dataDir, "--listen", "127.0.0.1:0"],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", BOXOFFICE_LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split("\n")) {
        if (!line.includes('"listening"')) continue;
        try {
          const parsed = JSON.parse(line) as { message?: string; port?: number };
          if (parsed.message === "listening" && parsed.port) {
            clearTimeout(timer);
            resolve(parsed.port);
          }
        } catch {
          // a partial line; the rest comes with the next chunk
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  // Ready means the bus runs and the demo data is in.
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
