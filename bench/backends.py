"""Where a benchmark's server keeps its data and sends its messages, behind one interface:

  sqlite             one SQLite file per module in a fresh data directory, the in-process bus
                     (what `boxoffice serve --data-dir DIR` does out of the box);
  postgresql-amqp    a private PostgreSQL cluster (scripts/postgres-cluster.sh) holding one fresh
                     database per run, and a private RabbitMQ node (scripts/rabbitmq-node.sh, the
                     topology of config/rabbitmq/definitions.json) with one fresh virtual host per
                     run: the scale-out deployment of docs/deployment.md, as scripts/test-scaleout.sh
                     sets it up for the test suite;
  postgresql         PostgreSQL with the in-process bus, and
  sqlite-amqp        SQLite through the broker: one half each, to tell which of the two costs what
                     (like test-scaleout.sh's BX_SKIP_AMQP / BX_SKIP_POSTGRES).

A service (`services(name)`) lives across the runs of one benchmark (PostgreSQL and RabbitMQ take
~15 s to start); a `Store` is one run's data on it: `migrate`, `seed_events`, `server_env` (the
BOXOFFICE_* settings of every instance), `query` (read-only SQL for the checks) and `drop`.
"""
import base64, csv, io, json, os, re, shutil, socket, subprocess, tempfile, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# name: (PostgreSQL, RabbitMQ)
BACKENDS = {"sqlite": (False, False), "postgresql-amqp": (True, True), "postgresql": (True, False),
            "sqlite-amqp": (False, True)}
LABELS = {"sqlite": "SQLite, in-process bus", "postgresql-amqp": "PostgreSQL, RabbitMQ (AMQP 1.0)",
          "postgresql": "PostgreSQL, in-process bus", "sqlite-amqp": "SQLite, RabbitMQ (AMQP 1.0)"}
MODULES = ("identity", "inventory", "events", "payments", "orders", "notifications", "audit", "tickets")
# The columns bench/events_seed.py fills, in its order (the same on both backends).
EVENT_COLUMNS = ("id, name, description, category, starts_at, ends_at, timezone, venue_name, venue_address, "
                 "venue_city, venue_country, max_capacity, price_categories, organizer_id, status, is_active, "
                 "created_at, updated_at, version")


def services(name):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: one of {', '.join(BACKENDS)}")
    return Services(name)


def _env_lines(text):
    """KEY=VALUE lines as the two service scripts print them (a value may be in single quotes)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Z_]+", key):
            values[key] = value[1:-1] if value.startswith("'") and value.endswith("'") else value
    return values


def _ports_free(first, count):
    for port in range(first, first + count):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def psql(connection, sql, stdin=None):
    """psql with ON_ERROR_STOP; rows unaligned, fields split by \\x1f. Raises with psql's message."""
    done = subprocess.run(["psql", connection, "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1",
                           "-c", sql], input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed ({sql[:80]}...): {done.stderr.strip()}")
    return [tuple(line.split("\x1f")) for line in done.stdout.splitlines() if line]


class Services:
    """The cluster and the node a backend needs, started once for every run of a benchmark."""

    def __init__(self, name):
        self.name = name
        self.postgres, self.broker = BACKENDS[name]
        self.pg_dir = None
        self.rabbit_env = None
        self.runs = 0

    def start(self):
        if self.postgres:
            if not shutil.which("psql"):
                raise RuntimeError("psql is missing: run scripts/install-deps.sh")
            self.pg_dir = tempfile.mkdtemp(prefix="boxoffice-bench-pg-")
            started = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster.sh"), "start", self.pg_dir],
                                     check=True, capture_output=True, text=True)
            self.pg = _env_lines(started.stdout)
        if self.broker:
            # A node of our own, on the first block of four free ports from 28672 (AMQP, management,
            # Erlang distribution, epmd), so it never meets the test suite's node or someone else's.
            port = 28672
            while not _ports_free(port, 4):
                port += 4
            self.rabbit_env = dict(os.environ, BX_RABBITMQ_DIR=tempfile.mkdtemp(prefix="boxoffice-bench-rabbitmq-"),
                                   BX_RABBITMQ_PORT=str(port))
            script = os.path.join(ROOT, "scripts", "rabbitmq-node.sh")
            subprocess.run([script, "start"], check=True, env=self.rabbit_env, stdout=subprocess.DEVNULL)
            self.amqp = _env_lines(subprocess.run([script, "env"], check=True, env=self.rabbit_env,
                                                  capture_output=True, text=True).stdout)

    def stop(self):
        if self.rabbit_env:
            subprocess.run([os.path.join(ROOT, "scripts", "rabbitmq-node.sh"), "stop"], env=self.rabbit_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.rabbit_env = None
        if self.pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster.sh"), "stop", self.pg_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg_dir = None

    def management(self, method, target, body=None):
        """One call of the node's management API as its administrator (rabbitmq-node.sh's user)."""
        with open(os.path.join(self.amqp["BX_AMQP_SECRETS_DIR"], "admin")) as f:
            password = f.read().strip()
        request = urllib.request.Request(f"http://127.0.0.1:{self.amqp['BX_AMQP_MANAGEMENT_PORT']}{target}",
                                         data=json.dumps(body).encode() if body is not None else None,
                                         method=method)
        request.add_header("Authorization", "Basic " + base64.b64encode(
            f"boxoffice-test-admin:{password}".encode()).decode())
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    def new_store(self, work):
        self.runs += 1
        return Store(self, f"bench{self.runs}", work)


class Store:
    """One run's data: a data directory on SQLite, else database `name` (roles `name_<module>`);
    on the broker, virtual host `name`."""

    def __init__(self, services, name, work):
        self.services, self.name, self.work = services, name, work
        if services.postgres:
            self.admin = services.pg["BX_PG_ADMIN_URL"]
            psql(self.admin, f"CREATE DATABASE {name}")
        if services.broker:
            # The node's topology (exchange, one queue per subscription) in a fresh virtual host, so
            # no message of an earlier run reaches this one's inboxes.
            with open(services.amqp["BX_AMQP_DEFINITIONS"]) as f:
                node = json.load(f)
            moved = {"vhosts": [{"name": name}]}
            for kind in ("permissions", "topic_permissions", "exchanges", "queues", "bindings", "policies"):
                moved[kind] = [dict(item, vhost=name) for item in node.get(kind, [])]
            services.management("POST", "/api/definitions", moved)

    def connection(self, user=None):
        return f"{self.admin} dbname={self.name}" + (f" user={user}" if user else "")

    def migrate(self, binary):
        env = dict(os.environ, **self.server_env())
        if self.services.postgres:
            env["BOXOFFICE_STORAGE_POSTGRESQL_ADMIN_URL"] = self.connection()  # migrate only, never serve
        subprocess.run([binary, "migrate", "--data-dir", self.data_dir(0)], check=True, env=env,
                       stdout=subprocess.DEVNULL)

    def seed_events(self, rows):
        if not self.services.postgres:
            import sqlite3
            db = sqlite3.connect(os.path.join(self.data_dir(0), "events.db"))
            db.executemany(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 19)})", rows)
            db.commit()
            db.close()
            return
        # As the events module's own role (what the server itself writes with), through COPY.
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        psql(self.connection(f"{self.name}_events"),
             f"COPY events.events ({EVENT_COLUMNS}) FROM STDIN WITH (FORMAT csv)", stdin=text.getvalue())

    def data_dir(self, instance):
        if not self.services.postgres:
            return os.path.join(self.work, "data")  # one instance only: serve locks its data directory
        # Unused on PostgreSQL for the modules' data; still one per instance (serve's lock file).
        return os.path.join(self.work, f"data-{instance}")

    def server_env(self):
        env = {}
        if self.services.postgres:
            env.update({"BOXOFFICE_STORAGE_BACKEND": "postgresql",
                        "BOXOFFICE_STORAGE_POSTGRESQL_URL": self.connection(),
                        "BOXOFFICE_STORAGE_POSTGRESQL_ROLE_PREFIX": f"{self.name}_"})
        if self.services.broker:
            amqp = self.services.amqp
            env.update({"BOXOFFICE_BUS_TRANSPORT": "amqp",
                        "BOXOFFICE_BUS_AMQP_URL": amqp["BX_AMQP_URL"],
                        "BOXOFFICE_BUS_AMQP_VIRTUAL_HOST": f"vhost:{self.name}",
                        "BOXOFFICE_BUS_AMQP_PASSWORD_FILE": os.path.join(amqp["BX_AMQP_SECRETS_DIR"], "{module}"),
                        # The node listens on 127.0.0.1 only.
                        "BOXOFFICE_BUS_AMQP_ALLOW_PLAIN_WITHOUT_TLS": "true"})
        return env

    def query(self, module, sql):
        if self.services.postgres:
            return psql(self.connection(), f"SET search_path TO {module}; {sql}")
        import sqlite3
        db = sqlite3.connect(os.path.join(self.data_dir(0), f"{module}.db"))
        try:
            return [tuple(row) for row in db.execute(sql).fetchall()]
        finally:
            db.close()

    def drop(self):
        if self.services.postgres:
            psql(self.admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            psql(self.admin, "DROP ROLE IF EXISTS " + ", ".join(f"{self.name}_{m}" for m in MODULES))
        if self.services.broker:
            self.services.management("DELETE", f"/api/vhosts/{self.name}")
