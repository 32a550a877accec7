#!/usr/bin/env bash
# The replay table in docs/replay.md, between <!-- replay-table --> and <!-- /replay-table -->,
# is generated: `codecommit-replay report` over the host's report (target/replay.json, from the
# replay step of .ci/run) and the container reports (target/tmp/replay/*.json, from
# `cargo test -p codecommit-matrix`). This checks the committed copy against what this run
# produced, or with --write, replaces it.
#
#   bash ci/replay-table.sh            exit 1 when the committed table differs (the diff is shown)
#   bash ci/replay-table.sh --write    regenerate it in docs/replay.md
set -euo pipefail
cd "$(dirname "$0")/.."
doc=docs/replay.md
host=target/replay.json
shopt -s nullglob
containers=(target/tmp/replay/*.json)
if [ ! -f "$host" ] || [ ${#containers[@]} -lt 5 ]; then
  echo "ci/replay-table.sh: need $host (cargo run -p codecommit-replay -- replay --format json --output $host) and the five container reports in target/tmp/replay/ (cargo test -p codecommit-matrix with Docker); found ${#containers[@]}" >&2
  exit 2
fi
inputs=(--input "$host")
for report in "${containers[@]}"; do inputs+=(--input "$report"); done
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
cargo run --locked --quiet -p codecommit-replay -- report "${inputs[@]}" --format markdown >"$generated"

# The committed table: the lines strictly between the two markers.
committed=$(sed -n '/^<!-- replay-table -->$/,/^<!-- \/replay-table -->$/p' "$doc" | sed '1d;$d')
if [ -z "$committed" ]; then
  echo "ci/replay-table.sh: $doc has no <!-- replay-table --> ... <!-- /replay-table --> block" >&2
  exit 2
fi
if [ "${1:-}" = --write ]; then
  awk -v file="$generated" '
    /^<!-- replay-table -->$/ { print; while ((getline line < file) > 0) print line; skip = 1; next }
    /^<!-- \/replay-table -->$/ { skip = 0 }
    !skip { print }
  ' "$doc" >"$doc.new"
  mv "$doc.new" "$doc"
  echo "ci/replay-table.sh: $doc regenerated from $host and ${#containers[@]} container reports" >&2
  exit 0
fi
if ! diff -u <(printf '%s\n' "$committed") "$generated" >&2; then
  echo "ci/replay-table.sh: the replay table in $doc is not what this run produced (diff above: - committed, + generated); regenerate it with bash ci/replay-table.sh --write and commit it" >&2
  exit 1
fi
echo "ci/replay-table.sh: $doc's replay table is what this run produced" >&2
