#!/usr/bin/env python3
"""Checkout benchmark (issue 9): a flash sale end to end, from POST /api/v1/orders to Completed.

For each gateway latency (default 0 ms and 200 ms), in one run:
  1. nginx (1 worker) serving a static JSON file: the reference, `wrk -t1 -c64 -d<seconds>s`.
  2. a fresh server and data dir; one event with 10,000 seats in one category; 4,000 minted
     buyer tokens; `wrk -t1 -c64` POSTing orders of 1-4 seats paid with the success card
     (bench/checkout.lua) until the inventory reports no seat left, then stopped (SIGINT);
  3. every saga is waited for; then every order is read back (GET /api/v1/orders as an Admin):
     completed orders/s = Completed orders / (last Completed - first order's creation), and
     p50/p99 of Completed - created per order, from orders.db (the commit of the POST to the
     commit of the saga's last step; wrk's own POST latency is reported beside it);
  4. checks on the data: zero oversell (sold <= 10,000, the inventory invariant), every sold seat
     belongs to exactly one Completed order (the Confirmed reservations in inventory.db are
     exactly the reservations of the Completed orders, none shared, their seats add up to sold).
Results go to stdout and to bench/results/checkout-latest.md.

usage: checkout.py BINARY [--seconds N] [--latencies 0,200]
"""
import argparse, json, os, re, shutil, signal, sqlite3, subprocess, sys, tempfile, time, urllib.request

from bench_common import HERE, SECRET, create_event, free_port, http, mint, parse_wrk, start_nginx as serve_with_nginx, wait_ready, wrk
SEATS = 10_000
CARD_OK = "4242424242424242"


def start_nginx(work, document):
    root = os.path.join(work, "www")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "static.json"), "w") as f:
        f.write(document)
    nginx, base = serve_with_nginx(work, root)
    return nginx, f"{base}/static.json"


def percentile(values, pct):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1))))]


def count_orders(base, admin, event_id, status=None):
    query = f"{base}/api/v1/orders?eventId={event_id}&size=1" + (f"&status={status}" if status else "")
    code, body = http("GET", query, token=admin)
    assert code == 200, (code, body)
    return json.loads(body)["totalItems"]


def all_orders(base, admin, event_id):
    out, page = [], 1
    while True:
        code, body = http("GET", f"{base}/api/v1/orders?eventId={event_id}&size=100&page={page}", token=admin)
        assert code == 200, (code, body)
        doc = json.loads(body)
        out += doc["items"]
        if not doc["items"] or page >= doc["totalPages"]:
            return out
        page += 1


def run_checkout(binary, latency_ms, work, buyers_file, organizer, admin):
    """One server, one sale. Returns the figures and the checks."""
    data = os.path.join(work, f"data-{latency_ms}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BOXOFFICE_AUTH_JWT_SECRET=SECRET, BOXOFFICE_LOG_LEVEL="warn",
               BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST="10000000",
               BOXOFFICE_RATE_LIMIT_USER_PER_SECOND="10000000", BOXOFFICE_RATE_LIMIT_USER_BURST="10000000",
               BOXOFFICE_INVENTORY_MAX_TICKETS_PER_USER="1000")
    for gateway in ("STRIPE", "PAYPAL", "BANK"):
        env[f"BOXOFFICE_PAYMENTS_{gateway}_LATENCY_MS"] = str(latency_ms)
    # Load, not fraud: thousands of orders with one test card in seconds look like velocity abuse.
    env["BOXOFFICE_PAYMENTS_FRAUD_THRESHOLD"] = "100"
    env["BOXOFFICE_ORDERS_PLACE_PER_MINUTE"] = "1000000"
    env["BOXOFFICE_ORDERS_PLACE_BURST"] = "1000000"
    server_log = open(os.path.join(work, f"server-{latency_ms}.log"), "w")
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                              stdout=server_log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_ready(base, server)
        event_id, _ = create_event(base, organizer, f"Checkout at {latency_ms} ms", SEATS)

        # Buyers order until the inventory has no seat left to hold; then wrk is stopped.
        command = ["wrk", "-t1", "-c64", "-d300s", "--latency", "-s", os.path.join(HERE, "checkout.lua"), base,
                   "--", buyers_file, event_id, "general", CARD_OK]
        started = time.time()
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sold_out_at = None
        while load.poll() is None:
            code, body = http("GET", f"{base}/api/v1/inventory/{event_id}")
            if code == 200 and json.loads(body)["availableTickets"] == 0:
                sold_out_at = time.time()
                load.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
        out, _ = load.communicate(timeout=60)
        posting = parse_wrk(out)

        # Every saga ends (the gateway may still be working on the last payments).
        deadline = time.time() + 600
        while time.time() < deadline:
            unfinished = sum(count_orders(base, admin, event_id, s) for s in ("Pending", "Reserved", "Paid"))
            if unfinished == 0:
                break
            time.sleep(0.5)
        ended_at = time.time()
        orders = all_orders(base, admin, event_id)
        code, body = http("GET", f"{base}/api/v1/inventory/{event_id}")
        availability = json.loads(body)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    statuses = {}
    for o in orders:
        statuses[o["status"]] = statuses.get(o["status"], 0) + 1

    # The data after a clean stop is the truth. Times come from orders.db (Unix ms): an order's
    # created_at is the POST's commit, its Completed history entry the saga's last step.
    odb = sqlite3.connect(os.path.join(data, "orders.db"))
    rows = odb.execute(
        "SELECT o.id, o.status, o.created_at, (SELECT MIN(h.at) FROM order_status_history h "
        "WHERE h.order_id = o.id AND h.status = 'Completed') FROM orders o WHERE o.event_id = ?",
        (event_id,)).fetchall()
    first_post = min(r[2] for r in rows) if rows else 0
    done_times = [r[3] for r in rows if r[1] == "Completed" and r[3] is not None]
    latencies = [r[3] - r[2] for r in rows if r[1] == "Completed" and r[3] is not None]
    span = (max(done_times) - first_post) / 1000.0 if done_times else float("nan")
    completed = sum(1 for r in rows if r[1] == "Completed")
    owners = {}
    for reservation, order_id in odb.execute(
            "SELECT h.reservation_id, h.order_id FROM order_holds h JOIN orders o ON o.id = h.order_id "
            "WHERE o.event_id = ? AND o.status = 'Completed' AND h.status = 'Sold'", (event_id,)):
        owners.setdefault(reservation, []).append(order_id)
    completed_seats = odb.execute(
        "SELECT COALESCE(SUM(i.ticket_count), 0) FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.event_id = ? AND o.status = 'Completed'", (event_id,)).fetchone()[0]

    db = sqlite3.connect(os.path.join(data, "inventory.db"))
    total, available, reserved, sold = db.execute(
        "SELECT total, available, reserved, sold FROM categories WHERE event_id = ?", (event_id,)).fetchone()
    confirmed = dict(db.execute("SELECT reservation_id, ticket_count FROM reservations "
                                "WHERE event_id = ? AND status = 'Confirmed'", (event_id,)).fetchall())
    checks = {
        "zero oversell (sold <= 10,000, available + reserved + sold == total)":
            sold <= SEATS and available + reserved + sold == total and available >= 0,
        "sold out": available == 0 and reserved == 0,
        "every sold seat belongs to exactly one Completed order (Confirmed reservations == the Completed "
        "orders' sold holds, none shared, seats add up)":
            set(confirmed) == set(owners) and all(len(v) == 1 for v in owners.values())
            and sum(confirmed.values()) == sold == completed_seats,
        "every saga ended": not any(o["status"] in ("Pending", "Reserved", "Paid") for o in orders),
        "the API's orders are the stored ones": len(orders) == len(rows),
        "API availability agrees with the file": availability["soldTickets"] == sold,
    }
    return {
        "latency_ms": latency_ms,
        "orders": len(orders),
        "statuses": statuses,
        "completed": completed,
        "sold": sold,
        "completed_per_s": completed / span if span == span and span > 0 else 0.0,
        "span_s": span,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "post_rps": posting["rps"],
        "post_p50_ms": posting["p50"],
        "post_p99_ms": posting["p99"],
        "post_statuses": posting["statuses"],
        "sold_out_s": (sold_out_at - started) if sold_out_at else float("nan"),
        "drain_s": ended_at - (sold_out_at or started),
        "checks": checks,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=int, default=10, help="duration of the nginx reference")
    parser.add_argument("--latencies", default="0,200", help="gateway latencies in ms, comma-separated")
    options = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/nginx"):
            sys.exit(f"{tool} is missing: run scripts/install-deps.sh")

    work = tempfile.mkdtemp(prefix="boxoffice-checkout-bench-")
    organizer = mint(1, "Organizer")[0]
    admin = mint(1, "Admin")[0]
    buyers_file = os.path.join(work, "buyers.txt")
    with open(buyers_file, "w") as f:
        f.write("\n".join(mint(4000, "User")) + "\n")
    # The reference: a static file as large as an order document (~1 KB).
    nginx, static_url = start_nginx(work, json.dumps({"padding": "x" * 1000}))
    try:
        reference = wrk(static_url, options.seconds, "get.lua")
        runs = [run_checkout(options.binary, int(ms), work, buyers_file, organizer, admin)
                for ms in options.latencies.split(",")]
        reference_after = wrk(static_url, options.seconds, "get.lua")
    finally:
        nginx.terminate()
        nginx.wait()

    lines = [f"nginx static 1 KB JSON (reference): {reference['rps']:.0f} req/s before, "
             f"{reference_after['rps']:.0f} after (p50 {reference['p50']:.2f} ms, p99 {reference['p99']:.2f} ms)", "",
             "| gateway latency | completed orders/s | ratio to nginx | p50 POST→Completed | p99 POST→Completed "
             "| POST 202/s (wrk) | POST p50 / p99 | orders (statuses) | sold |",
             "|---|---|---|---|---|---|---|---|---|"]
    checks_ok = True
    for r in runs:
        lines.append(f"| {r['latency_ms']} ms | {r['completed_per_s']:.0f} ({r['completed']} in {r['span_s']:.2f} s) "
                     f"| {r['completed_per_s'] / reference['rps']:.3f} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms "
                     f"| {r['post_rps']:.0f} | {r['post_p50_ms']:.1f} / {r['post_p99_ms']:.1f} ms "
                     f"| {r['orders']} ({json.dumps(r['statuses'])}) | {r['sold']} |")
    lines.append("")
    for r in runs:
        lines.append(f"Checks at {r['latency_ms']} ms (sold out {r['sold_out_s']:.2f} s after the first POST, "
                     f"every saga ended {r['drain_s']:.2f} s later; POST statuses {json.dumps(r['post_statuses'])}):")
        for name, ok in r["checks"].items():
            lines.append(f"- {'PASS' if ok else 'FAIL'} {name}")
            checks_ok = checks_ok and ok
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "checkout-latest.md"), "w") as f:
        f.write(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, wrk -t1 -c64, {os.cpu_count()} cores\n\n")
        f.write(report)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if checks_ok else 1


if __name__ == "__main__":
    sys.exit(main())
