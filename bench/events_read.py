#!/usr/bin/env python3
"""Catalogue reads against nginx, in one run (docs/performance.md, "Events").

    bench/events_read.py [--seconds 10] [--events 10000] [--binary LABEL=PATH[,KEY=VALUE...] ...]

Seeds a data dir with N Published events (bench/events_seed.py), then, for each binary in turn
(e.g. before=/path/to/old/boxoffice after=build/boxoffice, on the same data; KEY=VALUE pairs are
extra environment, e.g. "no-cache=build/boxoffice,BOXOFFICE_EVENTS_DOCUMENT_CACHE_ENTRIES=0"),
starts the server with the rate limits lifted and logs at warn, and runs `wrk -t1 -c64 --latency` against
  GET /api/v1/events/{id}   (one event, the same id every time)
  GET /api/v1/events        (page 1, 20 items, default sort)
  GET /api/v1/events/{id}   for every one of the N ids in turn (events_ids.lua), after a 3 s
                            warm-up run that is not reported
nginx (one worker, access log off) serves two static files with exactly these bodies; every server
run is measured between two nginx runs of the same body, and its ratio is to their mean.
"""
import argparse, os, shutil, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import HERE, free_port, http, start_nginx, wait_ready, wrk  # noqa: E402


def start(binary, data, port, log, extra_env=None):
    env = dict(os.environ, **(extra_env or {}))
    env.update(BOXOFFICE_LOG_LEVEL="warn",
               BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST="10000000",
               BOXOFFICE_EVENTS_COMPLETION_SWEEP_SECONDS="0")
    # Started in the data dir's parent: a config/boxoffice.json in the caller's directory (the source
    # tree's, with keys an older binary does not know) must not be picked up.
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                              stdout=log, stderr=subprocess.STDOUT, env=env, cwd=os.path.dirname(data))
    try:
        wait_ready(f"http://127.0.0.1:{port}", server)
    except RuntimeError:
        server.kill()
        raise
    return server


def row(label, result, before, after):
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    reference = (before["rps"] + after["rps"]) / 2
    return (f"| {label} | {result['rps']:,.0f} | {result['p50']:.2f} ms | {result['p99']:.2f} ms | "
            f"{before['rps']:,.0f} / {after['rps']:,.0f} | {result['rps'] / reference:.2f} | {statuses} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--binary", action="append", default=[],
                        help="LABEL=PATH; several are measured one after the other on the same data")
    options = parser.parse_args()
    binaries = [b.split("=", 1) for b in options.binary] or [["server", os.path.join(HERE, "..", "build", "boxoffice")]]
    runs = []  # (label, absolute path, extra environment)
    for label, spec in binaries:
        path, *pairs = spec.split(",")
        runs.append((label, os.path.abspath(path), dict(pair.split("=", 1) for pair in pairs)))
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/nginx"):
            sys.exit(f"{tool} is missing: run scripts/install-deps.sh")

    work = tempfile.mkdtemp(prefix="boxoffice-events-bench-")
    data = os.path.join(work, "data")
    subprocess.run([runs[0][1], "migrate", "--data-dir", data], check=True, capture_output=True, cwd=work)
    subprocess.run([sys.executable, os.path.join(HERE, "events_seed.py"), os.path.join(data, "events.db"),
                    str(options.events)], check=True, capture_output=True)
    db = sqlite3.connect(os.path.join(data, "events.db"))
    event_id = db.execute("SELECT id FROM events ORDER BY starts_at LIMIT 1 OFFSET 100").fetchone()[0]
    ids_file = os.path.join(work, "ids.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(row[0] for row in db.execute("SELECT id FROM events ORDER BY random()")) + "\n")
    db.close()

    s = options.seconds
    results, nginx = [], None
    try:
        # The bodies nginx serves: exactly what the first server answers.
        port = free_port()
        with open(os.path.join(work, "server-probe.log"), "w") as log:
            server = start(runs[0][1], data, port, log)
            _, event_body = http("GET", f"http://127.0.0.1:{port}/api/v1/events/{event_id}")
            _, list_body = http("GET", f"http://127.0.0.1:{port}/api/v1/events")
            server.terminate()
            server.wait()
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "event.json"), "w") as f:
            f.write(event_body)
        with open(os.path.join(root, "list.json"), "w") as f:
            f.write(list_body)
        nginx, nginx_base = start_nginx(work, root)

        # Each server run sits between two nginx runs of the same body, so the yardstick is taken
        # from the same minute of a shared machine whose load drifts.
        def measured(name, url, reference_file, script="get.lua", args=()):
            before = wrk(f"{nginx_base}/{reference_file}", s, "get.lua")
            result = wrk(url, s, script, args)
            after = wrk(f"{nginx_base}/{reference_file}", s, "get.lua")
            results.append((name, result, before, after))

        for label, binary, extra_env in runs:
            port = free_port()
            with open(os.path.join(work, f"server-{label}.log"), "w") as log:
                server = start(binary, data, port, log, extra_env)
                base = f"http://127.0.0.1:{port}"
                http("GET", f"{base}/api/v1/events/{event_id}")  # warm up
                http("GET", f"{base}/api/v1/events")
                measured(f"{label}: GET /api/v1/events/{{id}}", f"{base}/api/v1/events/{event_id}", "event.json")
                measured(f"{label}: GET /api/v1/events", f"{base}/api/v1/events", "list.json")
                wrk(base, 3, "events_ids.lua", (ids_file,))  # warm-up: every id read once or more
                measured(f"{label}: GET /api/v1/events/{{id}}, all ids in turn", base, "event.json",
                         "events_ids.lua", (ids_file,))
                server.terminate()
                server.wait()
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()

    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"{options.events} events; event body {len(event_body.encode())} B, list body {len(list_body.encode())} B; "
          f"wrk -t1 -c64 -d{s}s; load average at the end {' '.join(load)}")
    print("| request | req/s | p50 | p99 | nginx, same body: before / after | vs nginx | statuses |")
    print("|---|---|---|---|---|---|---|")
    for name, result, before, after in results:
        print(row(name, result, before, after))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
