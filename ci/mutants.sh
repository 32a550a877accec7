#!/usr/bin/env bash
# Mutation testing of the security-critical code (issue 12): cargo-mutants changes one thing at a
# time in these files (`&&` to `||`, a function body to a default, ...) and runs the package's
# tests; a change no test notices is a missed mutant, and fails this script.
#
#   bash ci/mutants.sh                 every file in FILES below
#   bash ci/mutants.sh crates/x/src/y.rs ...   only those files
#
# It runs in place (no copy of the tree, so target/ stays warm): do not edit the files while it
# runs; each one is restored after its mutants. Results: target/mutants/{helper,mock,replay}/mutants.out/.
# Equivalent mutants are excluded in .cargo/mutants.toml, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

# The files whose every mutant must be caught. A file's package is the directory under crates/.
HELPER_FILES=(
  # The helper: who receives an AWS key id, what it signs, what it reads from git.
  crates/git-credential-codecommit/src/sign.rs
  crates/git-credential-codecommit/src/endpoint.rs
  crates/git-credential-codecommit/src/protocol.rs
)
MOCK_FILES=(
  # The mock: the judge every scenario relies on.
  crates/codecommit-mock/src/sigv4.rs
  crates/codecommit-mock/src/auth.rs
  crates/codecommit-mock/src/host.rs
  crates/codecommit-mock/src/proxy.rs
)
# Each mutant is first tested without the package's slow tests: those that run a peer (the AWS CLI
# or the Python git-remote-codecommit, half a second a start) or build another package's binary.
# libtest runs a binary's tests to the end even after one failed, so a mutant that a fast test
# kills would otherwise wait for them (13 s of the helper's 17 s a mutant; 55 min for these files
# in CI). The few a fast test misses are then tested again with every test (`--iterate`), so a
# mutant only counts as missed when the whole suite misses it.
HELPER_SLOW=(-- --skip aws_cli:: --skip grc::)
MOCK_SLOW=(-- --skip auth::aws_cli_helper --skip auth::git_remote_codecommit --skip auth::workspace_)
# Files whose mutants the package's unit tests (`--lib`) must kill: the replay's integration tests
# replay every scenario with real git (minutes a mutant), and its judge is unit-tested.
LIB_FILES=(
  # The replay's expectations: which one applies, and whether what happened matches it.
  crates/codecommit-replay/src/expect.rs
)
version=27.1.0

if [ $# -gt 0 ]; then
  HELPER_FILES=()
  MOCK_FILES=()
  LIB_FILES=()
  for file in "$@"; do
    case $file in
      crates/git-credential-codecommit/*) HELPER_FILES+=("$file") ;;
      crates/codecommit-mock/*) MOCK_FILES+=("$file") ;;
      crates/codecommit-replay/*) LIB_FILES+=("$file") ;;
      *)
        echo "ci/mutants.sh: $file is in no package this script mutates" >&2
        exit 1
        ;;
    esac
  done
fi

if ! cargo mutants --version 2>/dev/null | grep -qx "cargo-mutants $version"; then
  cargo install --locked cargo-mutants --version "$version"
fi

# Proptest saves the inputs that failed under a mutant beside the tests (proptest-regressions/);
# they are not regressions of the real code, so the directories this run creates go.
regressions() { find crates -type d -name proptest-regressions | sort; }
before=$(regressions)
forget_new_regressions() {
  comm -13 <(printf '%s\n' "$before") <(regressions) | while read -r dir; do
    rm -rf -- "$dir"
  done
}
trap forget_new_regressions EXIT

# mutate OUT QUICK FULL FILE...: every mutant of the files (all in one package), tested first with
# the package's tests narrowed by QUICK, then, for those it missed or timed out, with FULL; FULL
# "none" means QUICK is the whole verdict. QUICK and FULL are cargo test arguments (`--lib`,
# `-- --skip NAME`), split on spaces. Fails on any mutant the last pass missed or timed out.
mutate() {
  local out=$1 quick=$2 full=$3
  shift 3
  local files=("$@") args=() package
  for file in "${files[@]}"; do
    if [ ! -f "$file" ]; then
      echo "ci/mutants.sh: $file does not exist (moved? update the file lists in ci/mutants.sh)" >&2
      return 1
    fi
    # A run killed outright (SIGKILL, power) can leave a mutant in the tree; never test on top of it.
    if grep -q 'changed by cargo-mutants' "$file"; then
      echo "ci/mutants.sh: $file still holds a mutant from an interrupted run; restore it with \`git checkout -- $file\`" >&2
      return 1
    fi
    package=${file#crates/}
    package=${package%%/*}
    args+=(--file "$file")
  done
  args+=(--package "$package")

  # cargo-mutants passes a run that found no mutant at all (a mistyped or emptied file): each file
  # must yield at least one.
  list=$(cargo mutants --list "${args[@]}")
  for file in "${files[@]}"; do
    if ! grep -q "^$file:" <<<"$list"; then
      echo "ci/mutants.sh: cargo-mutants finds no mutant in $file" >&2
      return 1
    fi
  done
  echo "ci/mutants.sh: $(wc -l <<<"$list") mutants in ${#files[@]} files of $package; first pass: cargo test $quick"

  # Exit codes: 2 missed, 3 timed out (a mutant that hangs the tests, or a machine too loaded for
  # the automatic timeout; either way nobody saw the mutant fail), 4 the tests fail without any
  # mutant. `--iterate` reads the caught and unviable mutants of the previous pass from OUT.
  local status=0 pass=quick
  rm -rf "$out"
  mkdir -p "$out"
  # shellcheck disable=SC2086 # QUICK and FULL are lists of words
  cargo mutants --in-place --no-shuffle --output "$out" "${args[@]}" -- $quick || status=$?
  if [ "$status" -ne 0 ] && [ "$full" != none ] && { [ "$status" -eq 2 ] || [ "$status" -eq 3 ]; }; then
    echo "ci/mutants.sh: $(cat "$out"/mutants.out/{missed,timeout}.txt 2>/dev/null | wc -l) mutants left by the first pass; again with cargo test $full"
    status=0
    pass=full
    # shellcheck disable=SC2086
    cargo mutants --in-place --no-shuffle --iterate --output "$out" "${args[@]}" -- $full || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    for outcome in missed timeout; do
      if [ -s "$out/mutants.out/$outcome.txt" ]; then
        echo "ci/mutants.sh: $outcome ($pass pass):" >&2
        sed 's/^/  /' "$out/mutants.out/$outcome.txt" >&2
      fi
    done
    echo "ci/mutants.sh: cargo-mutants exited with $status; kill each mutant above with a test, or exclude a truly equivalent one in .cargo/mutants.toml with its reason" >&2
    return "$status"
  fi
}

if [ ${#HELPER_FILES[@]} -gt 0 ]; then
  mutate target/mutants/helper "${HELPER_SLOW[*]}" "" "${HELPER_FILES[@]}"
fi
if [ ${#MOCK_FILES[@]} -gt 0 ]; then
  mutate target/mutants/mock "${MOCK_SLOW[*]}" "" "${MOCK_FILES[@]}"
fi
if [ ${#LIB_FILES[@]} -gt 0 ]; then
  mutate target/mutants/replay --lib none "${LIB_FILES[@]}"
fi
