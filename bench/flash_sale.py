#!/usr/bin/env python3
"""Flash-sale benchmark: boxoffice against nginx serving a static file, measured in one run.

Scenarios (each `wrk -t1 -c64 -d<seconds>s --latency`, the same load shape for every server):
  1. nginx serving a static JSON file as large as the availability document  (the reference)
  2. GET /health
  3. GET /api/v1/inventory/{id}  - availability, served from memory
  4. GET /api/v1/events/{id}     - one event of a catalogue of 10,000 Published events
  5. GET /api/v1/events?page=1&size=20 - the catalogue's first page
  6. POST /api/v1/inventory/{id}/reserve on an event too large to sell out - durable holds/s
  7. flash sale: one event, 10,000 seats, buyers reserving 1-4 seats until sold out while
     readers poll availability; then the database is checked: no seat held twice, the
     invariant available + reserved + sold == total holds, and every 201 is a stored hold.
Every read is compared with nginx serving the same bytes (the body the server answered, saved as
a static file), measured in the same run; holds are compared with (1). Results go to stdout and
to bench/results/latest.md.

usage: flash_sale.py BINARY [--seconds N]
"""
import argparse, json, os, re, shutil, signal, sqlite3, subprocess, sys, tempfile, time, urllib.request

from bench_common import HERE, SECRET, create_event, free_port, http, mint, wait_ready, wrk


def fdatasync_rate(directory, seconds=2.0):
    """Durable writes are bounded by the disk: measure it in the same run, like nginx."""
    path = os.path.join(directory, "fsync.probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    count, started = 0, time.time()
    while time.time() - started < seconds:
        os.write(fd, b"x" * 4096)
        os.fdatasync(fd)
        count += 1
    os.close(fd)
    os.remove(path)
    return count / (time.time() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/nginx"):
            sys.exit(f"{tool} is missing: run scripts/install-deps.sh")

    work = tempfile.mkdtemp(prefix="boxoffice-bench-")
    fsyncs = fdatasync_rate(work)
    # A catalogue of 10,000 Published events, written straight into events.db before the start
    # (bench/events_seed.py): the event page and the list are read from a realistic catalogue.
    data = os.path.join(work, "data")
    subprocess.run([options.binary, "migrate", "--data-dir", data], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, os.path.join(HERE, "events_seed.py"), os.path.join(data, "events.db"), "10000"],
                   check=True, stdout=subprocess.DEVNULL)
    port, nginx_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BOXOFFICE_AUTH_JWT_SECRET=SECRET,
               BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST="10000000",
               BOXOFFICE_RATE_LIMIT_USER_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_USER_BURST="10000000",
               BOXOFFICE_INVENTORY_MAX_TICKETS_PER_USER="1000")
    server_log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([options.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                              stdout=server_log, stderr=subprocess.STDOUT, env=env)
    nginx = None
    try:
        wait_ready(base, server)
        organizer = mint(1, "Organizer")[0]
        buyers_file = os.path.join(work, "buyers.txt")
        with open(buyers_file, "w") as f:
            f.write("\n".join(mint(4000, "User")) + "\n")

        big_event, document = create_event(base, organizer, "Sustained load", 1_000_000)
        flash_event, _ = create_event(base, organizer, "Flash sale", 10_000)

        # The reference: nginx, one worker, a static file the size of the availability document.
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "availability.json"), "w") as f:
            f.write(document)
        list_url = base + "/api/v1/events?page=1&size=20"
        status, list_body = http("GET", list_url)
        assert status == 200, (status, list_body)
        seeded_event = json.loads(list_body)["items"][0]["id"]
        event_url = f"{base}/api/v1/events/{seeded_event}"
        status, event_body = http("GET", event_url)
        assert status == 200, (status, event_body)
        for name, body in (("event.json", event_body), ("list.json", list_body)):
            with open(os.path.join(root, name), "w") as f:
                f.write(body)
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log {work}/nginx-access.log; default_type application/json;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{nginx_port}; root {root}; }} }}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

        s = options.seconds
        results = {}
        references = {}  # per scenario: nginx serving the same bytes, when not the availability file
        results["nginx static JSON"] = wrk(f"http://127.0.0.1:{nginx_port}/availability.json", s, "get.lua")
        results["GET /health"] = wrk(base + "/health", s, "get.lua")
        results["GET availability"] = wrk(f"{base}/api/v1/inventory/{big_event}", s, "get.lua")
        nginx_base = f"http://127.0.0.1:{nginx_port}"
        references["GET one event"] = wrk(nginx_base + "/event.json", s, "get.lua")
        results["GET one event"] = wrk(event_url, s, "get.lua")
        references["GET event list, first page"] = wrk(nginx_base + "/list.json", s, "get.lua")
        results["GET event list, first page"] = wrk(list_url, s, "get.lua")
        results["POST reserve (durable)"] = wrk(base, s, "reserve.lua", (buyers_file, big_event, "general"))

        # The flash sale: buyers and pollers at once, until the 10,000 seats are gone.
        readers = subprocess.Popen(["wrk", "-t1", "-c16", f"-d{s}s", f"{base}/api/v1/inventory/{flash_event}"],
                                   stdout=subprocess.DEVNULL)
        flash = wrk(base, s, "reserve.lua", (buyers_file, flash_event, "general"))
        readers.wait()
        results["flash sale reserve"] = flash
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if nginx:
            nginx.terminate()
            nginx.wait()

    # The database after a clean stop is the truth: check it.
    db = sqlite3.connect(os.path.join(work, "data", "inventory.db"))
    total, available, reserved, sold = db.execute(
        "SELECT total, available, reserved, sold FROM categories WHERE event_id = ?", (flash_event,)).fetchone()
    held = db.execute("SELECT COALESCE(SUM(ticket_count), 0), COUNT(*), MIN(reserved_at_ms), MAX(reserved_at_ms) "
                      "FROM reservations WHERE event_id = ? AND status IN ('Reserved', 'Confirmed')",
                      (flash_event,)).fetchone()
    granted = flash["statuses"].get(201, 0)
    sellout_seconds = max((held[3] - held[2]) / 1000.0, 0.001) if held[1] else 0
    checks = {
        "invariant available+reserved+sold == total": available + reserved + sold == total,
        "no oversell (held seats <= 10,000)": held[0] <= 10_000 and reserved + sold <= total,
        "sold out": available == 0,
        "every 201 is a stored hold": granted == held[1],
    }

    reference = results["nginx static JSON"]["rps"]
    big_reserves = results["POST reserve (durable)"]["statuses"].get(201, 0) / s
    lines = ["| scenario | req/s | 201/s (durable holds) | p50 ms | p99 ms | nginx req/s, same bytes | ratio to nginx |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if name == "flash sale reserve":
            continue
        rate = r["rps"] if "reserve" not in name else big_reserves
        holds = f"{big_reserves:.0f}" if "reserve" in name else ""
        yardstick = references[name]["rps"] if name in references else reference
        lines.append(f"| {name} | {r['rps']:.0f} | {holds} | {r['p50']:.2f} | {r['p99']:.2f} | {yardstick:.0f} | "
                     f"{rate / yardstick:.2f} |")
    flash_rate = held[1] / sellout_seconds if sellout_seconds else 0
    lines.append(f"| flash sale: 10,000 seats | {flash['rps']:.0f} | {flash_rate:.0f} (sold out in {sellout_seconds:.2f} s, "
                 f"{held[1]} holds) | {flash['p50']:.2f} | {flash['p99']:.2f} | {reference:.0f} | "
                 f"{flash_rate / reference:.2f} |")
    lines.append(f"| (disk) fdatasync of 4 KiB, same run | {fsyncs:.0f}/s | | {1000 / fsyncs:.2f} | | | |")
    statuses_ok = all(set(r["statuses"]) <= {200} for name, r in results.items() if "GET" in name)
    checks["every read answered 200"] = statuses_ok
    report = "\n".join(lines) + "\n\nChecks:\n" + "\n".join(f"- {'PASS' if ok else 'FAIL'} {name}" for name, ok in checks.items())
    report += f"\n\nflash sale statuses: {json.dumps(flash['statuses'])}; sustained statuses: " \
              f"{json.dumps(results['POST reserve (durable)']['statuses'])}\n"
    print(report)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.md"), "w") as f:
        f.write(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t1 -c64 -d{s}s, {os.cpu_count()} cores\n\n")
        f.write(report)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
