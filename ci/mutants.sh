#!/usr/bin/env bash
# Mutation testing of the security-critical code (issue 12): cargo-mutants changes one thing at a
# time in these files (`&&` to `||`, a function body to a default, ...) and runs the package's
# tests; a change no test notices is a missed mutant, and fails this script.
#
#   bash ci/mutants.sh                 every file in FILES below
#   bash ci/mutants.sh crates/x/src/y.rs ...   only those files
#
# It runs in place (no copy of the tree, so target/ stays warm): do not edit the files while it
# runs; each one is restored after its mutants. Results: target/mutants/mutants.out/.
# Equivalent mutants are excluded in .cargo/mutants.toml, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

# The files whose every mutant must be caught. A file's package is the directory under crates/.
FILES=(
  # The helper: who receives an AWS key id, what it signs, what it reads from git.
  crates/git-credential-codecommit/src/sign.rs
  crates/git-credential-codecommit/src/endpoint.rs
  crates/git-credential-codecommit/src/protocol.rs
  # The mock: the judge every scenario relies on.
  crates/codecommit-mock/src/sigv4.rs
  crates/codecommit-mock/src/auth.rs
  crates/codecommit-mock/src/host.rs
  crates/codecommit-mock/src/proxy.rs
)
# Files whose mutants the package's unit tests (`--lib`) must kill: the replay's integration tests
# replay every scenario with real git (minutes a mutant), and its judge is unit-tested.
LIB_FILES=(
  # The replay's expectations: which one applies, and whether what happened matches it.
  crates/codecommit-replay/src/expect.rs
)
version=27.1.0

if [ $# -gt 0 ]; then
  FILES=("$@")
  LIB_FILES=()
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

# mutate OUT TEST_ARG FILE...: every mutant of the files, tested with the package's tests (and
# TEST_ARG, when not empty, passed to cargo test); fails on any missed or timed-out mutant.
mutate() {
  local out=$1 test_arg=$2
  shift 2
  local files=("$@") test_args=()
  [ -z "$test_arg" ] || test_args=(--cargo-test-arg="$test_arg")
  args=()
  packages=()
  for file in "${files[@]}"; do
    if [ ! -f "$file" ]; then
      echo "ci/mutants.sh: $file does not exist (moved? update FILES in ci/mutants.sh)" >&2
      return 1
    fi
    # A run killed outright (SIGKILL, power) can leave a mutant in the tree; never test on top of it.
    if grep -q 'changed by cargo-mutants' "$file"; then
      echo "ci/mutants.sh: $file still holds a mutant from an interrupted run; restore it with \`git checkout -- $file\`" >&2
      return 1
    fi
    package=${file#crates/}
    package=${package%%/*}
    case " ${packages[*]} " in
      *" $package "*) ;;
      *) packages+=("$package") ;;
    esac
    args+=(--file "$file")
  done
  for package in "${packages[@]}"; do
    args+=(--package "$package")
  done

  # cargo-mutants passes a run that found no mutant at all (a mistyped or emptied file): each file
  # must yield at least one.
  list=$(cargo mutants --list "${args[@]}" "${test_args[@]}")
  for file in "${files[@]}"; do
    if ! grep -q "^$file:" <<<"$list"; then
      echo "ci/mutants.sh: cargo-mutants finds no mutant in $file" >&2
      return 1
    fi
  done
  echo "ci/mutants.sh: $(wc -l <<<"$list") mutants in ${#files[@]} files (${packages[*]})"

  # One invocation for every package: one unmutated baseline build and test, one report. Each
  # mutant is tested with its own package's tests. Exit codes: 2 missed, 3 timed out (a mutant that
  # hangs the tests, or a machine too loaded for the automatic timeout; either way nobody saw the
  # mutant fail, so it fails here too), 4 the tests fail without any mutant.
  status=0
  cargo mutants --in-place --no-shuffle --output "$out" "${args[@]}" "${test_args[@]}" || status=$?
  if [ "$status" -ne 0 ]; then
    for outcome in missed timeout; do
      if [ -s "$out/mutants.out/$outcome.txt" ]; then
        echo "ci/mutants.sh: $outcome:" >&2
        sed 's/^/  /' "$out/mutants.out/$outcome.txt" >&2
      fi
    done
    echo "ci/mutants.sh: cargo-mutants exited with $status; kill each mutant above with a test, or exclude a truly equivalent one in .cargo/mutants.toml with its reason" >&2
    return "$status"
  fi
}

mutate target/mutants "" "${FILES[@]}"
if [ ${#LIB_FILES[@]} -gt 0 ]; then
  mutate target/mutants-lib --lib "${LIB_FILES[@]}"
fi
