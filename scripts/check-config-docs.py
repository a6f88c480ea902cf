#!/usr/bin/env python3
"""Checks that config/boxoffice.json and docs/configuration.md match the binary's schema.

Every key the binary declares must have a row in docs/configuration.md and, unless secret, an
entry holding its default in config/boxoffice.json; neither may name a key the binary does not
know (the binary would refuse to start with such a file). Run by scripts/test.sh:

    scripts/check-config-docs.py build/boxoffice
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# Masked by `boxoffice config` and kept out of the file (they come from the environment).
SECRET_KEYS = {"auth.jwtSecret", "payments.cardFingerprintKey", "payments.webhookSecrets.stripe",
               "payments.webhookSecrets.paypal", "payments.webhookSecrets.bank", "notifications.smtp.password",
               "notifications.unsubscribeKey", "tickets.keyEncryptionKey", "bus.amqp.password"}


def flatten(obj, prefix=""):
    out = {}
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = Path(sys.argv[1]).resolve()
    root = Path(__file__).resolve().parent.parent
    # Run where no config/boxoffice.json exists, with no BOXOFFICE_* variables: pure defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOXOFFICE_")}
    with tempfile.TemporaryDirectory() as cwd:
        run = subprocess.run([str(binary), "config"], cwd=cwd, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"check-config-docs: `{binary} config` failed: {run.stderr.strip()}", file=sys.stderr)
        return 1
    defaults = json.loads(run.stdout)
    problems = []

    documented = set(re.findall(r"^\| `([A-Za-z0-9.]+)` \|", (root / "docs/configuration.md").read_text(), re.M))
    for key in sorted(defaults.keys() - documented):
        problems.append(f"docs/configuration.md has no row for {key}")
    for key in sorted(documented - defaults.keys()):
        problems.append(f"docs/configuration.md documents {key}, which the binary does not know")

    in_file = flatten(json.loads((root / "config/boxoffice.json").read_text()))
    for key in sorted(in_file.keys() - defaults.keys()):
        problems.append(f"config/boxoffice.json sets {key}, which the binary does not know")
    for key in sorted(defaults.keys() - in_file.keys() - SECRET_KEYS):
        problems.append(f"config/boxoffice.json lacks {key} (default {json.dumps(defaults[key])})")
    for key in sorted(in_file.keys() & defaults.keys()):
        if in_file[key] != defaults[key]:
            problems.append(f"config/boxoffice.json sets {key} to {json.dumps(in_file[key])}, "
                            f"but the default is {json.dumps(defaults[key])}")

    for line in problems:
        print(f"check-config-docs: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"check-config-docs: {len(defaults)} keys; docs/configuration.md and config/boxoffice.json agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
