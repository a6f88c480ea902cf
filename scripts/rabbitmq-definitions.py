#!/usr/bin/env python3
"""The RabbitMQ topology of boxoffice's message bus, made from what the binary subscribes to.

  rabbitmq-definitions.py generate BINARY > config/rabbitmq/definitions.json
  rabbitmq-definitions.py check BINARY DEFINITIONS      exit 1 if DEFINITIONS is not what generate makes
  rabbitmq-definitions.py with-test-passwords DEFINITIONS SECRETS_DIR > node-definitions.json

The topology (the binary never declares any; bus.amqp.sendAddress and receiveAddress defaults):
  - exchange "boxoffice" (topic, durable): a message of topic T is sent to /exchange/boxoffice/T,
    routing key T (topic names have no dots or wildcards, so a binding matches its topic only);
  - one durable queue "T.S" per subscription (topic T, subscriber S), bound with key T; S receives
    from /amq/queue/T.S;
  - "boxoffice.unroutable": the exchange's alternate exchange (fanout) and its queue, so a message
    of a topic nobody subscribes to is kept, not dropped; nothing consumes that queue, so a policy
    ("boxoffice-unroutable-limit") caps it at UNROUTABLE_MAX_LENGTH messages, dropping the oldest
    first (overflow drop-head): a publisher stuck on an unsubscribed topic cannot fill the broker's
    disk, and the newest (most useful for diagnosis) stay. A policy, not queue arguments, so the
    limit can be changed on a running broker without deleting the queue;
  - one user per module, "boxoffice-M": may write to the exchange with the routing keys of the
    topics M sends (topic_permissions, from the binary's "publishers") and read its own queues only. The
    shipped file sets no password (password_hash ""): set one per user on the broker
    (rabbitmqctl change_password) and give the module the same in bus.amqp.passwordFile.

with-test-passwords gives every user a random password (written to SECRETS_DIR/<module>) and adds
an administrator (SECRETS_DIR/admin) for the tests' per-server virtual hosts.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile

EXCHANGE = "boxoffice"
UNROUTABLE = "boxoffice.unroutable"
UNROUTABLE_MAX_LENGTH = 10000
VHOST = "/"


def topology(binary):
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
        env["BOXOFFICE_LOG_LEVEL"] = "error"
        out = subprocess.run([binary, "bus", "topology", "--data-dir", data_dir], env=env, check=True,
                             capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def definitions(topo):
    modules = sorted(topo["modules"])
    subs = sorted(topo["subscriptions"], key=lambda s: (s["topic"], s["subscriber"]))
    durable = {"durable": True, "auto_delete": False}
    queues = [{"name": f'{s["topic"]}.{s["subscriber"]}', "vhost": VHOST, **durable, "arguments": {}} for s in subs]
    queues.append({"name": UNROUTABLE, "vhost": VHOST, **durable, "arguments": {}})
    bindings = [{"source": EXCHANGE, "vhost": VHOST, "destination": f'{s["topic"]}.{s["subscriber"]}',
                 "destination_type": "queue", "routing_key": s["topic"], "arguments": {}} for s in subs]
    bindings.append({"source": UNROUTABLE, "vhost": VHOST, "destination": UNROUTABLE, "destination_type": "queue",
                     "routing_key": "", "arguments": {}})
    users = [{"name": f"boxoffice-{m}", "password_hash": "", "hashing_algorithm": "rabbit_password_hashing_sha256",
              "tags": []} for m in modules]
    permissions = [{"user": f"boxoffice-{m}", "vhost": VHOST, "configure": "^$", "write": f"^{EXCHANGE}$",
                    "read": f"^[a-z-]+\\.{m}$"} for m in modules]
    # Write access to the exchange alone would let any module's user send any topic (forge an
    # EventCancelled as the notifications module, say). On a topic exchange RabbitMQ checks the
    # routing key against the user's topic permission: each module may send its own topics only.
    publishers = topo["publishers"]
    topic_permissions = []
    for m in modules:
        own = sorted(t for t, senders in publishers.items() if m in senders)
        write = "^(" + "|".join(re.escape(t) for t in own) + ")$" if own else "^$"
        topic_permissions.append({"user": f"boxoffice-{m}", "vhost": VHOST, "exchange": EXCHANGE, "write": write,
                                  "read": ".*"})
    return {
        "rabbit_version": "3.10.8",
        "users": users,
        "vhosts": [{"name": VHOST}],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        "exchanges": [
            {"name": EXCHANGE, "vhost": VHOST, "type": "topic", **durable, "internal": False,
             "arguments": {"alternate-exchange": UNROUTABLE}},
            {"name": UNROUTABLE, "vhost": VHOST, "type": "fanout", **durable, "internal": False, "arguments": {}},
        ],
        "queues": queues,
        "bindings": bindings,
        "policies": [
            {"vhost": VHOST, "name": "boxoffice-unroutable-limit", "pattern": "^" + re.escape(UNROUTABLE) + "$",
             "apply-to": "queues", "priority": 0,
             "definition": {"max-length": UNROUTABLE_MAX_LENGTH, "overflow": "drop-head"}},
        ],
    }


def render(defs):
    return json.dumps(defs, indent=2) + "\n"


def password_hash(password):
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def with_test_passwords(path, secrets_dir):
    with open(path) as f:
        defs = json.load(f)
    os.makedirs(secrets_dir, mode=0o700, exist_ok=True)
    admin = {"name": "boxoffice-test-admin", "password_hash": "", "hashing_algorithm": "rabbit_password_hashing_sha256",
             "tags": ["administrator"]}
    defs["users"].append(admin)
    defs["permissions"].append({"user": admin["name"], "vhost": VHOST, "configure": ".*", "write": ".*", "read": ".*"})
    for user in defs["users"]:
        name = user["name"].removeprefix("boxoffice-").removeprefix("test-")
        password = secrets.token_urlsafe(18)
        user["password_hash"] = password_hash(password)
        fd = os.open(os.path.join(secrets_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
    return defs


def main(argv):
    if len(argv) == 3 and argv[1] == "generate":
        sys.stdout.write(render(definitions(topology(argv[2]))))
        return 0
    if len(argv) == 4 and argv[1] == "check":
        want = render(definitions(topology(argv[2])))
        with open(argv[3]) as f:
            have = f.read()
        if have != want:
            print(f"{argv[3]} does not match the subscriptions {argv[2]} registers; regenerate it:\n"
                  f"  scripts/rabbitmq-definitions.py generate {argv[2]} > {argv[3]}", file=sys.stderr)
            return 1
        print(f"{argv[3]} matches the binary's subscriptions")
        return 0
    if len(argv) == 4 and argv[1] == "with-test-passwords":
        sys.stdout.write(render(with_test_passwords(argv[2], argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
