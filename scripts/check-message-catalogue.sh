#!/usr/bin/env bash
# Checks that docs/messages.md is what the code generates (tools/message_catalogue.cpp) and that
# every module with a messages.hpp or a subscriptions.hpp is in it. Run by scripts/test.sh:
#
#   scripts/check-message-catalogue.sh build/message_catalogue
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 <path to the message_catalogue binary>" >&2
  exit 2
fi
tool=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
regenerate="cmake --build build --target message_catalogue && build/message_catalogue > docs/messages.md"

generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
"$tool" >"$generated"

status=0
for contract in "$root"/include/boxoffice/*/messages.hpp; do
  module=$(basename "$(dirname "$contract")")
  if ! grep -q "^Modules:.*\`$module\`" "$generated"; then
    echo "check-message-catalogue: include/boxoffice/$module/messages.hpp is not in the catalogue:" \
      "add its Messaging to Contracts in tools/message_catalogue.cpp" >&2
    status=1
  fi
done
# A subscriber missing from SubscriptionLists would silently vanish from the catalogue.
for list in "$root"/modules/*/subscriptions.hpp; do
  [[ -e "$list" ]] || continue
  module=$(basename "$(dirname "$list")")
  if ! grep -q "$module::Subscriptions" "$root/tools/message_catalogue.cpp"; then
    echo "check-message-catalogue: modules/$module/subscriptions.hpp is not in the catalogue:" \
      "add $module::Subscriptions to SubscriptionLists in tools/message_catalogue.cpp" >&2
    status=1
  fi
done
if ! diff -u "$root/docs/messages.md" "$generated"; then
  echo "check-message-catalogue: docs/messages.md differs from the code (diff above); regenerate it:" >&2
  echo "  $regenerate" >&2
  status=1
fi
exit $status
