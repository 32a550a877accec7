#!/usr/bin/env bash
# ci/check-peers.sh PYTHON [AWS...]: fails unless the virtual environment of PYTHON holds exactly
# the releases ci/peers.txt pins, and AWS (the aws the tests run; default `PYTHON -m awscli`, which
# works where aws is a .cmd file) is the pinned AWS CLI. The contracts
# pin error text measured on those releases: another release fails them for no fault of the helper.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$1
shift
aws=("$@")
[ ${#aws[@]} -gt 0 ] || aws=("$python" -m awscli)
installed=$("$python" -m pip freeze)
status=0
while IFS= read -r pin; do
  pin=${pin%%#*}
  pin=${pin//[[:space:]]/}
  [ -n "$pin" ] || continue
  if ! grep -qixF -- "$pin" <<<"$installed"; then
    echo "ci/check-peers.sh: ci/peers.txt pins $pin; installed: $(grep -i "^${pin%%==*}==" <<<"$installed" || echo nothing)" >&2
    status=1
  fi
done <ci/peers.txt
aws_pin=$(sed -n 's/^awscli==\([^[:space:]#]*\).*/\1/p' ci/peers.txt)
aws_version=$("${aws[@]}" --version 2>&1)
case $aws_version in
  "aws-cli/$aws_pin "*) ;;
  *)
    echo "ci/check-peers.sh: ${aws[*]} is \"$aws_version\", not aws-cli/$aws_pin (ci/peers.txt)" >&2
    status=1
    ;;
esac
exit "$status"
