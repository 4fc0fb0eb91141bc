#!/usr/bin/env bash
# docs_constants.sh SRC_ROOT — docs/constants.md is the table common/constants.tsv holds now:
# regenerated into a scratch file and compared; a stale page fails with the command to refresh it.
set -u
. "$(dirname "$0")/../lib/tap.sh"
root=$1
t=$(mktemp) || tap_bail "mktemp"
trap 'rm -f "$t"' EXIT
python3 "$root/common/gen_constants.py" --markdown "$root/common/constants.tsv" "$t" || tap_bail "gen_constants.py failed"
if diff -u "$root/docs/constants.md" "$t" >&2; then
  ok "docs/constants.md: $(grep -c '^| `LAB_' "$t") constants, current"
else
  nok "docs/constants.md is stale: python3 common/gen_constants.py --markdown common/constants.tsv docs/constants.md"
fi
tap_done
