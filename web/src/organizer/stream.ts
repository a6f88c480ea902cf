// A push channel that needs the bearer token: Server-Sent Events read through fetch (EventSource
// cannot send an Authorization header). Used for the check-in statistics
// (GET /api/v1/events/{id}/checkin-stats with Accept: text/event-stream): every message is the
// whole document, so after a lost connection the next one brings everything back.
import { useEffect, useState } from "preact/hooks";
import { bearer, refresh } from "../api/session";

const retryMs = [1000, 2000, 5000, 10000];

export function useAuthorizedStream<T>(url: string): { doc: T | null; connected: boolean; error: number | null } {
  const [doc, setDoc] = useState<T | null>(null);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<number | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let attempt = 0;
    let refreshed = false; // one new token per refusal: a 401 right after a refresh is final
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          const headers: Record<string, string> = { Accept: "text/event-stream" };
          const token = bearer();
          if (token) headers.Authorization = `Bearer ${token}`;
          const response = await fetch(url, { headers, signal: abort.signal, cache: "no-store" });
          if (response.status === 401 && !refreshed && (await refresh())) {
            refreshed = true;
            continue;
          }
          if ([401, 403, 404].includes(response.status)) {
            // Not this caller's event (or no session): retrying cannot change that.
            setError(response.status);
            return;
          }
          // Anything else (a restart's 502/503, a 429) is passing: wait and connect again below.
          if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
          setConnected(true);
          attempt = 0;
          refreshed = false;
          await readEvents(response.body, (data) => {
            try {
              setDoc(JSON.parse(data) as T);
            } catch {
              // a malformed document is skipped; the next one replaces it
            }
          });
        } catch {
          if (abort.signal.aborted) return;
        }
        setConnected(false);
        await new Promise((r) => setTimeout(r, retryMs[Math.min(attempt++, retryMs.length - 1)]));
      }
    };
    void run();
    return () => abort.abort();
  }, [url]);
  return { doc, connected, error };
}

// The "data:" lines of each event (separated by a blank line), joined as the SSE spec says.
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""));
      if (data.length) onData(data.join("\n"));
    }
  }
}
