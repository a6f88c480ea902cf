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
    return result


def wrk(url, seconds, script=None, args=(), connections=64):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", os.path.join(HERE, script)]
    command.append(url)
    if args:
        command += ["--"] + list(args)
    return parse_wrk(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


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
