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

Backends (bench/backends.py): `sqlite` (the default: one SQLite file per module, in-process bus)
and `postgresql-amqp` (a private PostgreSQL cluster and RabbitMQ node, started once for the whole
run, a fresh database and virtual host for every measurement); `postgresql` and `sqlite-amqp`
have one half each, to tell which of the two costs what. `--instances 2` starts two
servers on the same database and broker (postgresql-amqp only; each with its own
cluster.advertiseUrl) and spreads the load, buyers round-robin, over both. Given more than one
configuration, the script measures them in turn, `--repeat` times (A B C A B C ...: the machine's
drift hits each alike), and reports each figure as a ratio to the first configuration in the
same round: median and range over the rounds. Results then go to bench/results/backends-latest.md.

usage: flash_sale.py BINARY [--seconds N] [--flash-seconds N] [--backend sqlite|postgresql-amqp ...]
                            [--instances 1|2 ...] [--repeat N]
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

import backends
import events_seed
from bench_common import HERE, SECRET, create_event, free_port, http, mint, start_nginx, wait_ready, wrk, wrk_spread

FLASH_SEATS = 10_000
# Statuses a reserve may answer without anything being wrong: a hold, or no seats left.
RESERVE_OK = {201, 409}


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


def server_env(store, port, advertise):
    env = dict(os.environ, BOXOFFICE_AUTH_JWT_SECRET=SECRET,
               BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST="10000000",
               BOXOFFICE_RATE_LIMIT_USER_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_USER_BURST="10000000",
               BOXOFFICE_INVENTORY_MAX_TICKETS_PER_USER="1000", **store.server_env())
    if advertise:
        env["BOXOFFICE_CLUSTER_ADVERTISE_URL"] = f"http://127.0.0.1:{port}"
    return env


def knows_advertise_url(binary):
    """Whether the binary has cluster.advertiseUrl (a second instance on one database needs it)."""
    out = subprocess.run([binary, "config"], capture_output=True, text=True).stdout
    return "advertiseUrl" in out


def split_buyers(work, buyers, count):
    """Buyers dealt round-robin into `count` token files, one per server instance."""
    files = []
    for i in range(count):
        path = os.path.join(work, f"buyers-{i}.txt")
        with open(path, "w") as f:
            f.write("\n".join(buyers[i::count]) + "\n")
        files.append(path)
    return files


def wait_for_inventory(bases, event_id):
    """An event created through the first instance, until every instance serves its availability."""
    for base in bases:
        for _ in range(400):
            status, body = http("GET", f"{base}/api/v1/inventory/{event_id}")
            if status == 200 and json.loads(body)["status"] == "Published":
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{base} never served the inventory of {event_id}")


def run_once(binary, services, instances, seconds, flash_seconds):
    """One measurement of every scenario on `services` with `instances` servers; returns
    (results by scenario, nginx references by scenario, checks, flash-sale figures)."""
    work = tempfile.mkdtemp(prefix="boxoffice-bench-")
    store = services.new_store(work)
    servers, nginx = [], None
    try:
        store.migrate(binary)
        # A catalogue of 10,000 Published events, written straight into the events store before the
        # start (bench/events_seed.py): the event page and the list are read from a realistic catalogue.
        store.seed_events(events_seed.rows(10_000))
        # Only with more than one instance: one instance is the deployment without the key.
        advertise = instances > 1
        bases = []
        for i in range(instances):
            port = free_port()
            os.makedirs(store.data_dir(i), exist_ok=True)
            log = open(os.path.join(work, f"server-{i}.log"), "w")
            servers.append(subprocess.Popen(
                [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", store.data_dir(i)],
                stdout=log, stderr=subprocess.STDOUT, env=server_env(store, port, advertise)))
            bases.append(f"http://127.0.0.1:{port}")
        for base, server in zip(bases, servers):
            try:
                wait_ready(base, server, seconds=60)
            except RuntimeError as e:
                with open(os.path.join(work, f"server-{bases.index(base)}.log")) as f:
                    raise RuntimeError(f"{e}:\n{f.read()[-2000:]}") from None
        base = bases[0]
        organizer = mint(1, "Organizer")[0]
        buyers = split_buyers(work, mint(4000, "User"), instances)

        big_event, document = create_event(base, organizer, "Sustained load", 1_000_000)
        flash_event, _ = create_event(base, organizer, "Flash sale", FLASH_SEATS)
        wait_for_inventory(bases, big_event)
        wait_for_inventory(bases, flash_event)

        # The reference: nginx, one worker, a static file the size of the availability document.
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "availability.json"), "w") as f:
            f.write(document)
        list_path = "/api/v1/events?page=1&size=20"
        status, list_body = http("GET", base + list_path)
        assert status == 200, (status, list_body)
        event_path = "/api/v1/events/" + json.loads(list_body)["items"][0]["id"]
        status, event_body = http("GET", base + event_path)
        assert status == 200, (status, event_body)
        for name, body in (("event.json", event_body), ("list.json", list_body)):
            with open(os.path.join(root, name), "w") as f:
                f.write(body)
        nginx, nginx_base = start_nginx(work, root)

        def everywhere(path):
            return [b + path for b in bases]

        s = seconds
        results, references = {}, {}
        results["nginx static JSON"] = wrk(nginx_base + "/availability.json", s, "get.lua")
        results["GET /health"] = wrk_spread(everywhere("/health"), s, "get.lua")
        results["GET availability"] = wrk_spread(everywhere(f"/api/v1/inventory/{big_event}"), s, "get.lua")
        references["GET one event"] = wrk(nginx_base + "/event.json", s, "get.lua")
        results["GET one event"] = wrk_spread(everywhere(event_path), s, "get.lua")
        references["GET event list, first page"] = wrk(nginx_base + "/list.json", s, "get.lua")
        results["GET event list, first page"] = wrk_spread(everywhere(list_path), s, "get.lua")
        results["POST reserve (durable)"] = wrk_spread(bases, s, "reserve.lua",
                                                       [(f, big_event, "general") for f in buyers])

        # The flash sale: buyers and pollers at once, until the 10,000 seats are gone.
        readers = [subprocess.Popen(["wrk", "-t1", f"-c{16 // instances}", f"-d{flash_seconds}s", url],
                                    stdout=subprocess.DEVNULL)
                   for url in everywhere(f"/api/v1/inventory/{flash_event}")]
        results["flash sale reserve"] = wrk_spread(bases, flash_seconds, "reserve.lua",
                                                   [(f, flash_event, "general") for f in buyers])
        for reader in readers:
            reader.wait()
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=60)
        if nginx:
            nginx.terminate()
            nginx.wait()

    try:
        checks, flash = check_flash_sale(store, flash_event, results["flash sale reserve"])
    finally:
        store.drop()
        shutil.rmtree(work, ignore_errors=True)
    checks["every read answered 200"] = all(
        set(r["statuses"]) <= {200} and not r["socket_errors"] for name, r in results.items() if "GET" in name)
    return results, references, checks, flash


def check_flash_sale(store, event_id, flash, connections=64):
    """The database after a clean stop is the truth: no oversell, every acknowledged hold stored."""
    assert all(c in "0123456789abcdef-" for c in event_id), event_id  # pasted into SQL below
    total, available, reserved, sold = (int(v) for v in store.query(
        "inventory", f"SELECT total, available, reserved, sold FROM categories WHERE event_id = '{event_id}'")[0])
    held_seats, holds, first_ms, last_ms = store.query(
        "inventory", "SELECT COALESCE(SUM(ticket_count), 0), COUNT(*), MIN(reserved_at_ms), MAX(reserved_at_ms) "
                     f"FROM reservations WHERE event_id = '{event_id}' AND status IN ('Reserved', 'Confirmed')")[0]
    held_seats, holds = int(held_seats), int(holds)
    granted = flash["statuses"].get(201, 0)
    sellout_seconds = max((int(last_ms) - int(first_ms)) / 1000.0, 0.001) if holds else 0
    checks = {
        "invariant available+reserved+sold == total": available + reserved + sold == total,
        f"no oversell (held seats <= {FLASH_SEATS:,}, sold+reserved <= total)":
            held_seats <= FLASH_SEATS and reserved + sold <= total,
        "sold out": available == 0,
        # Holds whose 201 wrk never saw: those in flight at its deadline (at most one per
        # connection) and those it stopped waiting for (its 2 s timeout, counted as socket errors).
        f"every 201 is a stored hold (at most {connections} + wrk's socket errors more)":
            granted <= holds <= granted + connections + flash["socket_errors"],
    }
    return checks, {"holds": holds, "granted": granted, "socket_errors": flash["socket_errors"],
                    "sellout_seconds": sellout_seconds,
                    "holds_per_second": holds / sellout_seconds if sellout_seconds else 0}


def errors(result, ok):
    """Answers that are neither `ok` statuses nor answered at all."""
    return sum(n for status, n in result["statuses"].items() if status not in ok) + result["socket_errors"]


def single_report(results, references, checks, flash, fsyncs, seconds):
    """The table of one configuration against nginx (the `make bench` report)."""
    reference = results["nginx static JSON"]["rps"]
    big_reserves = results["POST reserve (durable)"]["statuses"].get(201, 0) / seconds
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
    f = results["flash sale reserve"]
    lines.append(f"| flash sale: {FLASH_SEATS:,} seats | {f['rps']:.0f} | {flash['holds_per_second']:.0f} (sold out in "
                 f"{flash['sellout_seconds']:.2f} s, {flash['holds']} holds) | {f['p50']:.2f} | {f['p99']:.2f} | "
                 f"{reference:.0f} | {flash['holds_per_second'] / reference:.2f} |")
    lines.append(f"| (disk) fdatasync of 4 KiB, same run | {fsyncs:.0f}/s | | {1000 / fsyncs:.2f} | | | |")
    report = "\n".join(lines) + "\n\nChecks:\n" + "\n".join(
        f"- {'PASS' if ok else 'FAIL'} {name}" for name, ok in checks.items())
    report += f"\n\nflash sale statuses: {json.dumps(f['statuses'])}; sustained statuses: " \
              f"{json.dumps(results['POST reserve (durable)']['statuses'])}\n"
    return report


def figures(results, flash, seconds):
    """The figures compared between configurations, by name (higher is better unless `ms`)."""
    sustained, sale = results["POST reserve (durable)"], results["flash sale reserve"]
    out = {"nginx static JSON, req/s": results["nginx static JSON"]["rps"]}
    for name in ("GET availability", "GET one event", "GET event list, first page"):
        out[f"{name}, req/s"] = results[name]["rps"]
        out[f"{name}, p99 ms"] = results[name]["p99"]
    out.update({
        "durable holds/s (1,000,000-seat event)": sustained["statuses"].get(201, 0) / seconds,
        "durable holds, p50 ms": sustained["p50"],
        "durable holds, p99 ms": sustained["p99"],
        "durable holds, errors": errors(sustained, {201}),
        f"flash sale: holds/s over the sell-out": flash["holds_per_second"],
        "flash sale: sell-out seconds": flash["sellout_seconds"],
        "flash sale, p50 ms": sale["p50"],
        "flash sale, p99 ms": sale["p99"],
        "flash sale, errors (not 201/409)": errors(sale, RESERVE_OK),
    })
    return out


def spread(values, fmt):
    values = sorted(values)
    median = statistics.median(values)
    return f"{fmt(median)} [{fmt(values[0])}–{fmt(values[-1])}]" if len(values) > 1 else fmt(median)


def comparison_report(configs, rounds, seconds):
    """Per figure: each configuration's median [min–max] over the rounds, and its ratio to the
    first configuration measured in the same round (median [min–max] of the per-round ratios)."""
    names = list(rounds[0][0]["figures"])
    label = [f"{backends.LABELS[b]}, {n} instance{'s' if n > 1 else ''}" for b, n in configs]
    head = "| figure | " + " | ".join(label) + " | " + " | ".join(f"ratio {i + 1}/1" for i in range(1, len(configs)))
    lines = [head + " |", "|" + "---|" * (1 + len(configs) + len(configs) - 1)]
    for name in names:
        number = (lambda v: f"{v:,.0f}") if "errors" in name or "/s" in name else (lambda v: f"{v:.2f}")
        cells = [spread([r[i]["figures"][name] for r in rounds], number) for i in range(len(configs))]
        ratios = []
        for i in range(1, len(configs)):
            pairs = [r[i]["figures"][name] / r[0]["figures"][name] for r in rounds if r[0]["figures"][name]]
            ratios.append(spread(pairs, lambda v: f"{v:.2f}") if pairs else "–")
        lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
    lines.append("")
    lines.append("Checks (every round):")
    for i, config in enumerate(configs):
        for check in rounds[0][i]["checks"]:
            passed = sum(r[i]["checks"][check] for r in rounds)
            lines.append(f"- {label[i]}: {'PASS' if passed == len(rounds) else 'FAIL'} {check} "
                         f"({passed}/{len(rounds)})")
    lines.append("")
    for i in range(len(configs)):
        lines.append(f"{label[i]}, flash sale per round (statuses seen by wrk; holds stored): " + "; ".join(
            f"{json.dumps(r[i]['flash_statuses'])}, {r[i]['flash']['holds']} stored, "
            f"{r[i]['flash']['socket_errors']} socket errors" for r in rounds))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backend", action="append", choices=backends.BACKENDS,
                        help="repeatable; default sqlite. On SQLite one instance only (serve locks its data directory)")
    parser.add_argument("--instances", action="append", type=int, choices=(1, 2),
                        help="server instances on postgresql-amqp (cluster.advertiseUrl needs both); repeatable (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over every configuration")
    parser.add_argument("--flash-seconds", type=int, help="how long buyers keep trying in the flash sale "
                        "(default --seconds; at ~700 holds/s PostgreSQL needs ~6 s to sell 10,000 seats)")
    options = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/nginx"):
            sys.exit(f"{tool} is missing: run scripts/install-deps.sh")
    configs = []
    for backend in options.backend or ["sqlite"]:
        for n in (sorted(set(options.instances or [1])) if backend == "postgresql-amqp" else [1]):
            configs.append((backend, n))
    if any(n > 1 for _, n in configs) and not knows_advertise_url(options.binary):
        sys.exit("two instances need cluster.advertiseUrl, which this binary does not have: a second instance "
                 "would stop at start (another boxoffice instance is serving this PostgreSQL database)")

    work = tempfile.mkdtemp(prefix="boxoffice-bench-disk-")
    fsyncs = fdatasync_rate(work)
    shutil.rmtree(work, ignore_errors=True)
    started = {}
    rounds = []
    s = options.seconds
    try:
        for name in dict.fromkeys(b for b, _ in configs):
            started[name] = backends.services(name)
            started[name].start()
        for round_number in range(options.repeat):
            measured = []
            for backend, n in configs:
                if len(configs) > 1 or options.repeat > 1:
                    print(f"round {round_number + 1}/{options.repeat}: {backends.LABELS[backend]}, {n} instance(s)",
                          file=sys.stderr, flush=True)
                results, references, checks, flash = run_once(options.binary, started[backend], n, s,
                                                              options.flash_seconds or s)
                measured.append({"results": results, "references": references, "checks": checks, "flash": flash,
                                 "figures": figures(results, flash, s),
                                 "flash_statuses": results["flash sale reserve"]["statuses"]})
                if len(configs) > 1 or options.repeat > 1:  # as it goes: a run cut short still says something
                    print("  " + json.dumps({"figures": measured[-1]["figures"], "checks": checks}), file=sys.stderr,
                          flush=True)
            rounds.append(measured)
    finally:
        for service in started.values():
            service.stop()

    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    stamp = f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t1 -c64 -d{s}s, {os.cpu_count()} cores"
    if len(configs) == 1 and options.repeat == 1:
        only = rounds[0][0]
        report = single_report(only["results"], only["references"], only["checks"], only["flash"], fsyncs, s)
        target = "latest.md"
    else:
        report = comparison_report(configs, rounds, s) + f"\n(disk) fdatasync of 4 KiB: {fsyncs:.0f}/s\n"
        target = "backends-latest.md"
    print(report)
    with open(os.path.join(HERE, "results", target), "w") as f:
        f.write(f"{stamp}, {options.repeat} round(s)\n\n{report}")
    return 0 if all(all(m["checks"].values()) for r in rounds for m in r) else 1


if __name__ == "__main__":
    sys.exit(main())
