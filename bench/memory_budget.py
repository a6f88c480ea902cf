#!/usr/bin/env python3
"""Memory budget benchmark: the server's resident memory with a realistic catalogue and idle
live-availability watchers, against a budget (150 MiB by default).

What it does, with the real binary and a fresh data dir:
  1. starts the server (rate limits and connection caps lifted through BOXOFFICE_* environment
     variables only; the file-descriptor limit raised to the hard limit, inherited by the server)
     and reads its RSS when it is ready and empty;
  2. seeds 10,000 Published events of 100 seats each (1,000,000 seats) through the public API
     (POST /api/v1/events, then /publish, as an Organizer), over keep-alive connections from a
     thread pool, and waits until GET /api/v1/inventory/{id} answers Published for every one:
     the events module stores them and inventory builds its state from EventPublished;
  3. reads every event once (GET /api/v1/events/{id}: each rendered document is then kept in
     memory by the events module) — the catalogue's worst case;
  4. opens 10,000 idle WebSocket watchers on GET /api/v1/inventory/{id}/status (a hand-written
     RFC 6455 client on non-blocking sockets and `selectors`): 1 % of them on one "hot" event,
     the rest one per event; a watcher counts once it has the 101 and its first frame (the
     availability document). Watchers send nothing but pongs to the server's keep-alive pings;
  5. reserves 2 seats of the hot event as a User and waits until its watchers got the pushed
     document (reservedTickets == 2).
VmRSS, VmHWM (peak), RssAnon and RssFile of the server (/proc/PID/status) are read after each
stage. The run fails (exit 1) if the peak (VmHWM) exceeds the budget, fewer than 99 % of the
watchers connected, or a watcher of the reserved event missed the push. The Markdown table goes
to stdout and is appended to bench/results/memory.md (git-ignored).

usage: memory_budget.py BINARY [--events N] [--seats N] [--watchers N] [--budget-mib N] [--threads N]
"""
import argparse, base64, errno, hashlib, json, os, re, resource, selectors, shutil, signal, socket
import subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException

from bench_common import HERE, SECRET, free_port, http, mint, wait_ready

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MIB = 1024 * 1024


# --- the server process ----------------------------------------------------------------------

def raise_fd_limit():
    """Soft RLIMIT_NOFILE up to the hard limit; the server, our child, inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def server_env(watchers):
    cap = str(watchers + 1000)  # the watchers plus the seeding connections and some slack
    lifted = "10000000"
    return dict(os.environ, BOXOFFICE_AUTH_JWT_SECRET=SECRET, BOXOFFICE_LOG_LEVEL="warn",
                BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND=lifted, BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST=lifted,
                BOXOFFICE_RATE_LIMIT_USER_PER_SECOND=lifted, BOXOFFICE_RATE_LIMIT_USER_BURST=lifted,
                BOXOFFICE_SERVER_MAX_CONNECTIONS=cap, BOXOFFICE_SERVER_MAX_CONNECTIONS_PER_CLIENT=cap)


def memory_of(pid):
    """VmRSS, VmHWM, RssAnon, RssFile in bytes, from /proc/PID/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                number = int(value.split()[0])
                fields[name] = number if name == "Threads" else number * 1024
    return fields


def metric(base, name):
    status, body = http("GET", base + "/metrics")
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([\d.e+]+)$", body, re.M) if status == 200 else None
    return int(float(m.group(1))) if m else None


# --- seeding through the API -----------------------------------------------------------------

class KeepAlive(threading.local):
    """One keep-alive HTTP connection per pool thread."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def request(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):  # a keep-alive connection the server closed is opened again once
            if self.connection is None:
                self.connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.request(method, path, data, headers)
                response = self.connection.getresponse()
                return response.status, response.read().decode()
            except (OSError, HTTPException):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise


def event_body(index, seats):
    starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400 + index * 3600))
    ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400 + index * 3600 + 3 * 3600))
    return {"name": f"Memory bench event {index}", "description": "Memory budget benchmark event",
            "category": "concert", "startsAt": starts, "endsAt": ends, "timezone": "Europe/Berlin",
            "venue": {"name": "Bench Arena", "address": "1 Load St", "city": "Berlin", "country": "DE"},
            "maxCapacity": seats,
            "priceCategories": [{"categoryId": "general", "name": "General",
                                 "price": {"amount": 4500, "currency": "EUR"}, "totalSeats": seats}]}


def create_and_publish(client, organizer, index, seats):
    status, body = client.request("POST", "/api/v1/events", event_body(index, seats), organizer)
    if status != 201:
        raise RuntimeError(f"create event {index}: {status} {body[:300]}")
    event_id = json.loads(body)["id"]
    status, body = client.request("POST", f"/api/v1/events/{event_id}/publish", {}, organizer)
    if status != 200:
        raise RuntimeError(f"publish {event_id}: {status} {body[:300]}")
    return event_id


def in_inventory(client, event_id):
    status, body = client.request("GET", f"/api/v1/inventory/{event_id}")
    return status == 200 and json.loads(body).get("status") == "Published"


def seed(pool, client, organizer, events, seats):
    return list(pool.map(lambda i: create_and_publish(client, organizer, i, seats), range(events)))


def wait_for_inventory(pool, client, event_ids, seconds=300):
    """Polls until inventory answers Published for every event (it learns them from messages)."""
    missing = list(event_ids)
    deadline = time.time() + seconds
    while missing and time.time() < deadline:
        ready = list(pool.map(lambda e: in_inventory(client, e), missing))
        missing = [e for e, ok in zip(missing, ready) if not ok]
        if missing:
            time.sleep(0.2)
    return len(event_ids) - len(missing)


def published_in_catalogue(client):
    status, body = client.request("GET", "/api/v1/events?size=1")
    return json.loads(body)["totalItems"] if status == 200 else None


# --- WebSocket watchers ----------------------------------------------------------------------

class Watcher:
    """One idle client of /api/v1/inventory/{id}/status over WebSocket."""

    def __init__(self, event_id):
        self.event_id = event_id
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock = None
        self.state = "connecting"  # -> handshake -> open | failed
        self.buffer = bytearray()
        self.documents = []  # text frames received (availability documents)
        self.error = None

    def request(self):
        return (f"GET /api/v1/inventory/{self.event_id}/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n\r\n").encode()

    def fail(self, reason):
        self.state, self.error = "failed", reason

    def on_handshake(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[:end + 4]
        accept = base64.b64encode(hashlib.sha1(self.key.encode() + WS_GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101"):
            return self.fail(head.split("\r\n", 1)[0])
        if f"sec-websocket-accept: {accept}".lower() not in head.lower():
            return self.fail("bad Sec-WebSocket-Accept")
        self.state = "open"

    def on_frames(self):
        """Takes every whole frame off the buffer: text frames are kept, pings answered."""
        while True:
            frame = parse_frame(self.buffer)
            if frame is None:
                return
            opcode, payload, size = frame
            del self.buffer[:size]
            if opcode == 0x1:
                self.documents.append(payload.decode())
            elif opcode == 0x9:  # the server's keep-alive ping: a browser would answer it too
                try:
                    self.sock.sendall(client_frame(0xA, payload))
                except OSError as e:
                    return self.fail(str(e))
            elif opcode == 0x8:
                return self.fail("closed by the server")

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            return self.fail(str(e))
        if not data:
            return self.fail("connection closed")
        self.buffer += data
        if self.state == "handshake":
            self.on_handshake()
        if self.state == "open":
            self.on_frames()


def parse_frame(buffer):
    """(opcode, payload, frame size) of the first whole frame in buffer, or None."""
    if len(buffer) < 2:
        return None
    opcode, masked, length, at = buffer[0] & 0x0F, buffer[1] & 0x80, buffer[1] & 0x7F, 2
    if length == 126:
        if len(buffer) < 4:
            return None
        length, at = int.from_bytes(buffer[2:4], "big"), 4
    elif length == 127:
        if len(buffer) < 10:
            return None
        length, at = int.from_bytes(buffer[2:10], "big"), 10
    mask = buffer[at:at + 4] if masked else None
    at += 4 if masked else 0
    if len(buffer) < at + length:
        return None
    payload = bytes(buffer[at:at + length])
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload, at + length


def client_frame(opcode, payload):
    """A masked frame (clients must mask), FIN set; control frames only, so under 126 bytes."""
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Watchers:
    """Opens watchers a few hundred at a time on one selector, then keeps them (idle)."""

    def __init__(self, port):
        self.address = ("127.0.0.1", port)
        self.selector = selectors.DefaultSelector()
        self.all = []

    def start(self, watcher):
        watcher.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        watcher.sock.setblocking(False)
        error = watcher.sock.connect_ex(self.address)
        if error not in (0, errno.EINPROGRESS):
            watcher.sock.close()
            return watcher.fail(os.strerror(error))
        self.selector.register(watcher.sock, selectors.EVENT_WRITE, watcher)

    def on_writable(self, watcher):
        error = watcher.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            return watcher.fail(os.strerror(error))
        try:
            watcher.sock.sendall(watcher.request())  # ~200 bytes: fits an empty send buffer
        except OSError as e:
            return watcher.fail(str(e))
        watcher.state = "handshake"
        self.selector.modify(watcher.sock, selectors.EVENT_READ, watcher)

    def pump(self, timeout):
        for key, events in self.selector.select(timeout):
            watcher = key.data
            if watcher.state == "connecting" and events & selectors.EVENT_WRITE:
                self.on_writable(watcher)
            elif events & selectors.EVENT_READ:
                watcher.on_readable()
            if watcher.state == "failed":
                self.selector.unregister(watcher.sock)
                watcher.sock.close()

    def open(self, event_ids, in_flight=256, seconds=180):
        """Opens one watcher per entry of event_ids; returns when each is connected or failed."""
        pending = [Watcher(e) for e in event_ids]
        self.all.extend(pending)
        pending.reverse()
        deadline = time.time() + seconds
        waiting = lambda w: w.state != "failed" and not w.documents
        starting = []
        while time.time() < deadline:
            starting = [w for w in starting if waiting(w)]
            while pending and len(starting) < in_flight:
                watcher = pending.pop()
                self.start(watcher)
                starting.append(watcher)
            if not starting and not pending:
                break
            self.pump(0.5)
        for w in starting + pending:
            w.fail(w.error or f"timed out ({w.state})")

    def connected(self):
        return [w for w in self.all if w.state == "open" and w.documents]

    def wait_for_push(self, watchers, reserved, seconds=30):
        """Pumps every socket until each of `watchers` has a document with `reserved` seats held."""
        pushed = lambda w: any(json.loads(d).get("reservedTickets") == reserved for d in w.documents[1:])
        deadline = time.time() + seconds
        while time.time() < deadline and not all(pushed(w) for w in watchers if w.state == "open"):
            self.pump(0.2)
        return sum(1 for w in watchers if pushed(w))

    def close(self):
        for w in self.all:
            if w.sock is not None:
                w.sock.close()
        self.selector.close()


def watched_events(event_ids, watchers, hot_share=0.01):
    """1 % of the watchers on the first (hot) event, the rest round-robin over the others."""
    hot = max(1, int(watchers * hot_share))
    rest = event_ids[1:] or event_ids
    return [event_ids[0]] * hot + [rest[i % len(rest)] for i in range(watchers - hot)], hot


# --- the run ---------------------------------------------------------------------------------

def measure(options, work):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([options.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
                               os.path.join(work, "data")], stdout=log, stderr=subprocess.STDOUT,
                              env=server_env(options.watchers))
    watchers = Watchers(port)
    result = {"stages": []}
    stage = lambda name: result["stages"].append((name, memory_of(server.pid)))
    try:
        wait_ready(base, server)
        stage("started (empty)")

        organizer, buyer = mint(1, "Organizer")[0], mint(1, "User")[0]
        client = KeepAlive(port)
        pool = ThreadPoolExecutor(options.threads)
        try:
            started = time.time()
            event_ids = seed(pool, client, organizer, options.events, options.seats)
            result["seed_requests_s"] = time.time() - started
            result["in_inventory"] = wait_for_inventory(pool, client, event_ids)
            result["seed_s"] = time.time() - started
        finally:
            pool.shutdown(cancel_futures=True)  # interrupted: drop the queued requests
        result["in_catalogue"] = published_in_catalogue(client)
        stage(f"seeded ({options.events:,} events, {options.events * options.seats:,} seats)")

        # Every event page read once (a crawler, or a busy on-sale): the events module keeps each
        # Published event's rendered document in memory (events.documentCacheEntries), so this is
        # the catalogue's worst case for memory.
        pool = ThreadPoolExecutor(options.threads)
        try:
            statuses = list(pool.map(lambda e: client.request("GET", f"/api/v1/events/{e}")[0], event_ids))
        finally:
            pool.shutdown(cancel_futures=True)
        result["read_ok"] = statuses.count(200)
        stage(f"every event read once ({result['read_ok']:,} × 200)")

        targets, hot = watched_events(event_ids, options.watchers)
        started = time.time()
        watchers.open(targets)
        result["watch_s"] = time.time() - started
        result["connected"] = len(watchers.connected())
        result["failures"] = {}
        for w in watchers.all:
            if w.state == "failed":
                result["failures"][w.error] = result["failures"].get(w.error, 0) + 1
        result["server_watchers"] = metric(base, "inventory_live_watchers")
        result["server_connections"] = metric(base, "http_open_connections")
        stage(f"{result['connected']:,} watchers open")

        status, body = http("POST", f"{base}/api/v1/inventory/{event_ids[0]}/reserve",
                            {"categoryId": "general", "ticketCount": 2}, buyer)
        if status != 201:
            raise RuntimeError(f"reserve: {status} {body[:300]}")
        hot_watchers = watchers.all[:hot]
        result["hot"] = hot
        result["pushed"] = watchers.wait_for_push(hot_watchers, 2)
        result["others_pushed"] = sum(1 for w in watchers.all[hot:] if len(w.documents) > 1)
        stage("after one push")
        result["still_open"] = len(watchers.connected())
    finally:
        watchers.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    return result


def mib(n):
    return f"{n / MIB:,.1f}"


def report(options, result):
    stages = result["stages"]
    lines = ["| stage | VmRSS MiB | VmHWM (peak) MiB | RssAnon MiB | RssFile MiB | threads |",
             "|---|---|---|---|---|---|"]
    for name, m in stages:
        lines.append(f"| {name} | {mib(m['VmRSS'])} | {mib(m['VmHWM'])} | {mib(m['RssAnon'])} | "
                     f"{mib(m['RssFile'])} | {m['Threads']} |")
    empty, seeded, read, watching, pushed = (m for _, m in stages)
    peak = max(m["VmHWM"] for _, m in stages)
    connected_ok = result["connected"] >= 0.99 * options.watchers
    within = peak <= options.budget_mib * MIB
    per_event = (seeded["RssAnon"] - empty["RssAnon"]) / options.events
    per_document = (read["RssAnon"] - seeded["RssAnon"]) / max(1, result["read_ok"])
    per_watcher = (watching["RssAnon"] - read["RssAnon"]) / max(1, result["connected"])
    lines += [
        "",
        f"- seeding: {options.events:,} events x {options.seats} seats ({options.events * options.seats:,} seats) "
        f"created and published in {result['seed_requests_s']:.1f} s ({options.threads} keep-alive connections); "
        f"all in inventory after {result['seed_s']:.1f} s ({result['in_inventory']:,} answer Published; "
        f"the catalogue lists {result['in_catalogue']:,} Published)",
        f"- watchers: {result['connected']:,} of {options.watchers:,} got the 101 and their first document in "
        f"{result['watch_s']:.1f} s (server: inventory_live_watchers {result['server_watchers']}, "
        f"http_open_connections {result['server_connections']}); failures: {result['failures'] or 'none'}",
        f"- push: {result['pushed']} of the {result['hot']} watchers of the reserved event got the new document; "
        f"{result['others_pushed']} watchers of other events got a frame (expected 0); "
        f"{result['still_open']:,} still open after it",
        f"- per event (RssAnon, seeded - empty): {per_event / 1024:,.1f} KiB; per cached event document "
        f"(RssAnon, read - seeded): {per_document / 1024:,.1f} KiB; per watcher (RssAnon, watchers - read): "
        f"{per_watcher / 1024:,.1f} KiB",
        f"- budget {options.budget_mib} MiB against the peak (VmHWM) {mib(peak)} MiB: "
        f"{'PASS' if within else 'FAIL (over budget)'}; watchers connected >= 99 %: "
        f"{'PASS' if connected_ok else 'FAIL'}",
    ]
    all_read = result["read_ok"] == options.events
    return "\n".join(lines) + "\n", within and connected_ok and all_read and result["pushed"] == result["hot"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seats", type=int, default=100, help="seats per event")
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--budget-mib", type=int, default=150)
    parser.add_argument("--threads", type=int, default=8, help="seeding connections")
    options = parser.parse_args()
    options.binary = os.path.abspath(options.binary)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop the server
    limit = raise_fd_limit()
    if limit < options.watchers + 1000:
        sys.exit(f"RLIMIT_NOFILE hard limit {limit} is too low for {options.watchers} watchers")

    work = tempfile.mkdtemp(prefix="boxoffice-membench-")
    try:
        result = measure(options, work)
    except BaseException:
        print(f"server log tail ({work}/server.log):", file=sys.stderr)
        with open(os.path.join(work, "server.log"), errors="replace") as f:
            sys.stderr.write("".join(f.readlines()[-20:]))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table, ok = report(options, result)
    heading = (f"## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
               f"{os.path.basename(options.binary)}\n\n")
    print(heading + table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "memory.md"), "a") as f:
        f.write(heading + table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
