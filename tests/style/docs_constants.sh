#!/usr/bin/env bash
# docs_constants.sh SRC_ROOT — docs/constants.md is the table common/constants.tsv holds now:
# regenerated into a scratch file and compared; a stale page fails with the command to refresh it.
set -u
root=$1
t=$(mktemp) || exit 1
trap 'rm -f "$t"' EXIT
python3 "$root/common/gen_constants.py" --markdown "$root/common/constants.tsv" "$t" || exit 1
if ! diff -u "$root/docs/constants.md" "$t" >&2; then
  echo "docs/constants.md is stale: python3 common/gen_constants.py --markdown common/constants.tsv docs/constants.md" >&2
  exit 1
fi
echo "docs/constants.md: $(grep -c '^| `LAB_' "$t") constants, current"
