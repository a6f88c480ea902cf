"""Helpers shared by the load benchmarks (flash_sale.py, checkout.py): a free port, a small
HTTP client, minted tokens, wrk runs and their parsing, a published benchmark event, and the nginx
every ratio is measured against."""
import json, os, re, subprocess, sys, time, urllib.error, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The JWT secret both benchmarks start the server with, so mint_tokens.py can sign buyers' tokens.
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_ready(base, server, seconds=30):
    """Until GET /ready answers 200; raises if the server exits or is not ready in `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} (see its log)")
        try:
            if http("GET", base + "/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready")


def mint(count, role):
    out = subprocess.run([sys.executable, os.path.join(HERE, "mint_tokens.py"), SECRET, str(count), role],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def parse_wrk(out):
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "statuses": {}}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M)
        scale = {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
        result[f"p{pct}"] = float(m.group(1)) * scale
    for status, count in re.findall(r"^status (\d+) (\d+)", out, re.M):
        result["statuses"][int(status)] = int(count)
    # Requests that got no answer at all (refused, reset, timed out): errors beside the statuses.
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    # get.lua and reserve.lua print their latency quantiles (microseconds), for wrk_spread.
    result["quantiles"] = [(float(p), int(us) / 1000) for p, us in re.findall(r"^quantile ([\d.]+) (\d+)", out, re.M)]
    return result


def wrk_command(url, seconds, script=None, args=(), connections=64):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", os.path.join(HERE, script)]
    command.append(url)
    if args:
        command += ["--"] + list(args)
    return command


def wrk(url, seconds, script=None, args=(), connections=64):
    command = wrk_command(url, seconds, script, args, connections)
    return parse_wrk(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def wrk_spread(urls, seconds, script, args_per_url=None, connections=64):
    """The load of one `wrk` spread over several server instances: one wrk process per URL, all at
    once, the connections split evenly; `args_per_url[i]` are the script arguments of URL i (its
    share of the buyers). One URL is exactly `wrk`. Returns wrk's figures for the whole: req/s and
    statuses summed, p50/p99 from the merged latency distribution (each process's quantiles
    weighted by its request count, to within 0.1 %)."""
    args_per_url = args_per_url or [()] * len(urls)
    if len(urls) == 1:
        return wrk(urls[0], seconds, script, args_per_url[0], connections)
    share = max(connections // len(urls), 1)
    processes = [subprocess.Popen(wrk_command(url, seconds, script, args, share), stdout=subprocess.PIPE, text=True)
                 for url, args in zip(urls, args_per_url)]
    parts = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"wrk exited with {process.returncode}")
        parts.append(parse_wrk(out))
    merged = {"rps": sum(p["rps"] for p in parts), "statuses": {},
              "socket_errors": sum(p["socket_errors"] for p in parts),
              "requests": sum(p["requests"] for p in parts), "quantiles": []}
    for part in parts:
        for status, count in part["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + count
    points = sorted((ms, part["requests"]) for part in parts for _, ms in part["quantiles"])
    total = sum(weight for _, weight in points)
    if not total:  # a script that prints no quantiles: the median part's p50, the worst p99
        merged["p50"] = sorted(p["p50"] for p in parts)[len(parts) // 2]
        merged["p99"] = max(p["p99"] for p in parts)
        return merged
    for pct in (50, 99):
        running = 0
        for ms, weight in points:
            running += weight
            if running >= total * pct / 100:
                merged[f"p{pct}"] = ms
                break
    return merged


def create_event(base, token, name, seats):
    starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
    ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400 + 3 * 3600))
    status, body = http("POST", base + "/api/v1/events", {
        "name": name, "description": "Benchmark event", "category": "concert",
        "startsAt": starts, "endsAt": ends, "timezone": "Europe/Berlin",
        "venue": {"name": "Bench Arena", "address": "1 Load St", "city": "Berlin", "country": "DE"},
        "maxCapacity": seats,
        "priceCategories": [{"categoryId": "general", "name": "General", "price": {"amount": 4500, "currency": "EUR"},
                             "totalSeats": seats}]}, token)
    assert status == 201, (status, body)
    event_id = json.loads(body)["id"]
    status, body = http("POST", f"{base}/api/v1/events/{event_id}/publish", {}, token)
    assert status == 200, (status, body)
    for _ in range(200):  # the inventory is built from the EventPublished message
        status, body = http("GET", f"{base}/api/v1/inventory/{event_id}")
        if status == 200 and json.loads(body)["status"] == "Published":
            return event_id, body
        time.sleep(0.05)
    raise RuntimeError("inventory never appeared for " + event_id)


def start_nginx(work, root):
    """nginx with one worker and no access log serving the files in `root` (the reference of every
    ratio); its config, pid and temp files go in `work`. Returns (process, base URL)."""
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/json;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    nginx = subprocess.Popen(["nginx", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return nginx, f"http://127.0.0.1:{port}"
