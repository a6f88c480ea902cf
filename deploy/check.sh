#!/usr/bin/env bash
# Checks deploy/ without containers (none on the build machine): compose.yaml parses, every
# service it depends on, secret, network and mounted file exists, every BOXOFFICE_* variable is a
# documented config key (docs/configuration.md); nginx/boxoffice.conf passes `nginx -t` in a
# temp prefix (upstream host names replaced by 127.0.0.1, since they resolve only in compose).
#
#   deploy/check.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

python3 - <<'PY'
import re, sys, yaml, os
doc = yaml.safe_load(open("deploy/compose.yaml"))
known = set(re.findall(r"`(BOXOFFICE_[A-Z0-9_]+)`", open("docs/configuration.md").read()))
services = doc["services"]
problems = []
for name, svc in services.items():
    for dep in svc.get("depends_on") or {}:
        if dep not in services: problems.append(f"{name}: depends on unknown service {dep}")
    for secret in svc.get("secrets", []):
        if secret not in doc.get("secrets", {}): problems.append(f"{name}: unknown secret {secret}")
    for net in svc.get("networks", []):
        if net not in doc.get("networks", {}): problems.append(f"{name}: unknown network {net}")
    for key in svc.get("environment", {}):
        if key.startswith("BOXOFFICE_") and key not in known:
            problems.append(f"{name}: {key} is not a config key (the binary would refuse to start)")
    for volume in svc.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith(".") and not os.path.exists(os.path.join("deploy", source)):
            problems.append(f"{name}: mounts missing {source}")
for problem in problems: print("deploy/check.sh:", problem, file=sys.stderr)
if problems: sys.exit(1)
print(f"compose.yaml: {len(services)} services, references and config keys check out")
PY

prefix=$(mktemp -d /tmp/boxoffice-nginx-check.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
sed -e 's/server boxoffice-[0-9]*:8080/server 127.0.0.1:8080/' -e 's/listen 80;/listen 127.0.0.1:18080;/' \
  deploy/nginx/boxoffice.conf >"$prefix/boxoffice.conf"
cat >"$prefix/nginx.conf" <<CONF
error_log $prefix/error.log;
pid $prefix/nginx.pid;
events {}
http {
  access_log off;
  client_body_temp_path $prefix; proxy_temp_path $prefix; fastcgi_temp_path $prefix;
  uwsgi_temp_path $prefix; scgi_temp_path $prefix;
  include $prefix/boxoffice.conf;
}
CONF
nginx -t -q -p "$prefix" -c "$prefix/nginx.conf"
echo "nginx/boxoffice.conf: nginx -t passes"
