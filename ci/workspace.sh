#!/usr/bin/env bash
# GitHub Actions, every platform: the workspace's tests, then the replay with its JSON and JUnit
# reports in target/ (uploaded as artifacts by .github/workflows/ci.yml). Runs under bash on
# Linux, macOS and Windows (Git Bash). The peers the tests compare against (the AWS CLI,
# git-remote-codecommit) go into a virtual environment in target/ci.
set -euo pipefail
cd "$(dirname "$0")/.."

python=python3
command -v "$python" >/dev/null || python=python
venv=target/ci/venv
"$python" -m venv "$venv"
# A Windows venv keeps its programs in Scripts\, with .exe and .cmd names.
bin=$venv/bin
[ -d "$venv/Scripts" ] && bin=$venv/Scripts
# The releases the contracts were measured on.
"$bin/python" -m pip install --quiet -r ci/peers.txt
for tool in aws git-remote-codecommit; do
  for candidate in "$bin/$tool" "$bin/$tool.exe" "$bin/$tool.cmd"; do
    if [ -f "$candidate" ]; then
      case $tool in
        aws) export CODECOMMIT_TEST_AWS="$PWD/$candidate" ;;
        git-remote-codecommit) export CODECOMMIT_TEST_GRC="$PWD/$candidate" ;;
      esac
      break
    fi
  done
done

bash ci/check-peers.sh "$bin/python"
git --version
cargo test --workspace --locked
cargo run --locked --release -p codecommit-replay -- replay --format json --output target/replay.json
cargo run --locked --release -p codecommit-replay -- replay --format junit --output target/replay.xml
