#!/usr/bin/env bash
# The composite action's one step (ci/action/action.yml): its inputs, from INPUT_* variables, as
# the arguments of ci/replay-images.sh.
set -euo pipefail
args=(--contract "$INPUT_CONTRACT" --out "$INPUT_OUTPUT")
if [ -n "$INPUT_HELPER" ]; then
  args+=(--helper "$INPUT_HELPER")
elif [ -n "$INPUT_HELPER_COMMAND" ]; then
  args+=(--helper-command "$INPUT_HELPER_COMMAND")
else
  echo "::error::give the action a helper (a file) or a helper-command" >&2
  exit 2
fi
[ -z "$INPUT_SETUP" ] || args+=(--setup "$INPUT_SETUP")
[ -z "$INPUT_HELPER_DIR" ] || args+=(--helper-dir "$INPUT_HELPER_DIR")
exec bash "$GITHUB_ACTION_PATH/../replay-images.sh" "${args[@]}"
