#!/usr/bin/env bash
# Mutation testing of the security-critical code (issue 12): cargo-mutants changes one thing at a
# time in these files (`&&` to `||`, a function body to a default, ...) and runs the package's
# tests; a change no test notices is a missed mutant, and fails this script.
#
#   bash ci/mutants.sh                 every file in FILES below (the hosted workflow's run)
#   bash ci/mutants.sh crates/x/src/y.rs ...   only those files
#   bash ci/mutants.sh --changed       only what changed since the last full pass (.ci/run)
#   bash ci/mutants.sh --record        after a passing full run on a clean tree: record it
#
# ci/mutants-pass.toml records the last full pass: the commit at which every mutant of the files
# was caught. --changed compares HEAD and the working tree with that commit, group by group
# (helper, mock, replay-lib), and runs a group in full when the record no longer applies to it or
# its tests changed, only the mutants of the changed lines (--in-diff) when only its files' code
# changed, and nothing when neither did. It skips cargo-mutants' baseline: its caller has just
# run `cargo test --workspace` (ci/test.sh). docs/testing.md#mutation-testing says more.
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
# The record of the last full pass, and what a run leaves for --record: target/mutants/pass.toml,
# the record of this run when it was a passing full run on a clean tree, and last-run.txt, which
# run it was (so that --record can say why there is nothing to record).
RECORD=ci/mutants-pass.toml
PASS=target/mutants/pass.toml
LAST_RUN=target/mutants/last-run.txt
RECORD_HEADER="\
# The last full pass of ci/mutants.sh: at \`commit\`, every mutant cargo-mutants made of each group's
# files was caught by a test or did not build (unviable); none was missed or timed out.
# \`bash ci/mutants.sh --changed\` (.ci/run) compares the tree with \`commit\` and tests only what
# changed since; \`bash ci/mutants.sh --record\` rewrites this file after a full pass on a clean
# tree. docs/testing.md#mutation-testing says how."
# --changed skips cargo-mutants' baseline (the unmutated tests, which ci/test.sh has just run), and
# with it the timeout cargo-mutants derives from the baseline (5 times its duration, at least 20 s),
# so each group has its own. Measured on the 2-core machine with a load average of 4 to 6
# (2026-12-07, with the peers of ci/test.sh, after a build): the helper's whole suite 29 s of
# `cargo test` (21 s without its slow tests), the mock's 66 s (16 s), the replay's `--lib` 3 s. A
# mutant that makes a test wait for its own deadline (the mock's proxy tests read with a 20 s
# timeout) must still end as caught, not timed out, on a machine busier than that: about 5 times the
# whole suite, as cargo-mutants' own multiplier, and a minute for the replay's few seconds. Only a
# mutant that hangs waits this long.
HELPER_TIMEOUT=150
MOCK_TIMEOUT=330
LIB_TIMEOUT=60

mode=full
case ${1:-} in
  '') ;;
  --changed | --record)
    mode=${1#--}
    if [ $# -gt 1 ]; then
      echo "ci/mutants.sh: $1 takes no files; to test some files only, give them without $1" >&2
      exit 1
    fi
    ;;
  -*)
    echo "ci/mutants.sh: unknown option $1; use --changed, --record, files, or nothing (every file)" >&2
    exit 1
    ;;
  *)
    mode=files
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
    ;;
esac

# Uncommitted changes, untracked files included (a new tests/*.rs is a test); ignored files are not.
dirty() { [ -n "$(git status --porcelain --untracked-files=all)" ]; }

# --record: the full pass this clone just made becomes the record, for HEAD. It runs nothing.
if [ "$mode" = record ]; then
  if dirty; then
    echo "ci/mutants.sh: --record needs a clean tree: commit or stash what \`git status\` shows, run \`bash ci/mutants.sh\`, then --record" >&2
    exit 1
  fi
  if [ ! -f "$PASS" ]; then
    echo "ci/mutants.sh: nothing to record: the last run was $(cat "$LAST_RUN" 2>/dev/null || echo none), not a passing full run on a clean tree; run \`bash ci/mutants.sh\` (no arguments) first" >&2
    exit 1
  fi
  passed=$(sed -n 's/^commit = "\([0-9a-f]*\)"$/\1/p' "$PASS")
  if [ "$passed" != "$(git rev-parse HEAD)" ]; then
    echo "ci/mutants.sh: the full pass in $PASS was at ${passed:0:8}, HEAD is $(git rev-parse --short=8 HEAD); run \`bash ci/mutants.sh\` again" >&2
    exit 1
  fi
  cp "$PASS" "$RECORD"
  echo "ci/mutants.sh: recorded the full pass at ${passed:0:8} in $RECORD; commit it"
  exit 0
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

lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# mutate OUT QUICK FULL FILE...: every mutant of the files (all in one package), tested first with
# the package's tests narrowed by QUICK, then, for those it missed or timed out, with FULL; FULL
# "none" means QUICK is the whole verdict. QUICK and FULL are cargo test arguments (`--lib`,
# `-- --skip NAME`), split on spaces. Fails on any mutant the last pass missed or timed out.
# EXTRA (cargo-mutants arguments: `--baseline=skip --timeout N`) and IN_DIFF (a diff file: only
# the mutants of its changed lines) apply to both passes; OUT/counts.toml gets the outcome's counts.
EXTRA=()
IN_DIFF=
mutate() {
  local out=$1 quick=$2 full=$3
  shift 3
  local files=("$@") args=("${EXTRA[@]}") package list
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
  if [ -n "$IN_DIFF" ]; then
    args+=(--in-diff "$IN_DIFF")
  fi

  if ! list=$(cargo mutants --list "${args[@]}"); then
    echo "ci/mutants.sh: cargo-mutants could not list the mutants of $package (its error is above)" >&2
    return 1
  fi
  if [ -n "$IN_DIFF" ]; then
    if [ -z "$list" ]; then
      rm -rf "$out"
      echo "ci/mutants.sh: no mutant in the changed lines of $package (comments, blank lines, code cargo-mutants does not mutate): nothing to test"
      return 0
    fi
  else
    # cargo-mutants passes a run that found no mutant at all (a mistyped or emptied file): each
    # file must yield at least one.
    for file in "${files[@]}"; do
      if ! grep -q "^$file:" <<<"$list"; then
        echo "ci/mutants.sh: cargo-mutants finds no mutant in $file" >&2
        return 1
      fi
    done
  fi
  echo "ci/mutants.sh: $(wc -l <<<"$list") mutants in ${IN_DIFF:+the changed lines of }${#files[@]} files of $package; first pass: cargo test $quick"

  # Exit codes: 2 missed, 3 timed out (a mutant that hangs the tests, or a machine too loaded for
  # the timeout; either way nobody saw the mutant fail), 4 the tests fail without any mutant.
  # `--iterate` reads the caught and unviable mutants of the previous pass from OUT.
  local status=0 pass=quick caught unviable
  rm -rf "$out"
  mkdir -p "$out"
  # shellcheck disable=SC2086 # QUICK and FULL are lists of words
  cargo mutants --in-place --no-shuffle --output "$out" "${args[@]}" -- $quick || status=$?
  caught=$(lines "$out/mutants.out/caught.txt")
  unviable=$(lines "$out/mutants.out/unviable.txt")
  if [ "$status" -ne 0 ] && [ "$full" != none ] && { [ "$status" -eq 2 ] || [ "$status" -eq 3 ]; }; then
    echo "ci/mutants.sh: $(cat "$out"/mutants.out/{missed,timeout}.txt 2>/dev/null | wc -l) mutants left by the first pass; again with cargo test $full"
    status=0
    pass=full
    # shellcheck disable=SC2086
    cargo mutants --in-place --no-shuffle --iterate --output "$out" "${args[@]}" -- $full || status=$?
    caught=$((caught + $(lines "$out/mutants.out/caught.txt")))
    unviable=$((unviable + $(lines "$out/mutants.out/unviable.txt")))
  fi
  case $status in
    0 | 2 | 3) ;;
    4)
      echo "ci/mutants.sh: the tests of $package fail without any mutant (cargo-mutants' baseline, above); fix them first" >&2
      return "$status"
      ;;
    *)
      echo "ci/mutants.sh: cargo-mutants stopped with exit $status (interrupted, or the error above) before a verdict; run it again" >&2
      return "$status"
      ;;
  esac
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
  printf 'mutants = %s\ncaught = %s\nunviable = %s\nmissed = 0\ntimeout = 0\n' \
    "$(wc -l <<<"$list")" "$caught" "$unviable" >"$out/counts.toml"
  echo "ci/mutants.sh: $package: $(wc -l <<<"$list") mutants, $caught caught, $unviable unviable, none missed or timed out"
}

# --changed reads the record: its commit, date, cargo-mutants version and, per group, the files
# and the number of mutants, as shell assignments (Python 3.11's tomllib reads the TOML).
read_record() {
  python3 - "$RECORD" <<'PY'
import re, shlex, sys
try:
    import tomllib
except ImportError:
    sys.exit("ci/mutants.sh: --changed reads ci/mutants-pass.toml with Python 3.11's tomllib; install python3 >= 3.11")
path = sys.argv[1]
try:
    with open(path, "rb") as f:
        record = tomllib.load(f)
except (OSError, tomllib.TOMLDecodeError) as err:
    sys.exit(f"ci/mutants.sh: {path}: {err}; fix it, or restore it with git checkout")
def need(table, key, kind, where):
    value = table.get(key)
    if not isinstance(value, kind):
        name = {str: "a string", int: "an integer", list: "a list"}[kind]
        sys.exit(f"ci/mutants.sh: {path}: {where}{key} is missing or not {name}; fix it, or restore it with git checkout")
    return value
commit = need(record, "commit", str, "")
if not re.fullmatch("[0-9a-f]{40}", commit):
    sys.exit(f"ci/mutants.sh: {path}: commit is not a full commit hash (git rev-parse gives one); fix it")
print(f"rec_commit={commit}")
print(f"rec_date={shlex.quote(need(record, 'date', str, ''))}")
print(f"rec_version={shlex.quote(need(record, 'cargo-mutants', str, ''))}")
for group in ("helper", "mock", "replay-lib"):
    var = group.replace("-", "_")
    table = record.get(group)
    if not isinstance(table, dict):
        print(f"rec_{var}_files=()")
        continue
    files = need(table, "files", list, f"[{group}] ")
    print(f"rec_{var}_files=({' '.join(shlex.quote(str(f)) for f in files)})")
    print(f"rec_{var}_mutants={need(table, 'mutants', int, f'[{group}] ')}")
PY
}

# The line of the first #[cfg(test)] of the Rust source on stdin; from there on the file is its tests.
CFG_TEST='^[[:space:]]*#\[cfg\(test\)\]'
first_cfg_test() { awk -v re="$CFG_TEST" '!first && $0 ~ re { first = NR } END { if (first) print first }'; }

# test_part_changed FILE: whether a change since the record touches FILE's tests: a changed line at
# or after its first #[cfg(test)], in the recorded file (a line removed) or in the tree's (a line
# added). A file without #[cfg(test)] on one side has no test part on that side.
test_part_changed() {
  local file=$1 old new
  old=$(git show "$rec_commit:$file" 2>/dev/null | first_cfg_test) || old=
  new=
  if [ -f "$file" ]; then
    new=$(first_cfg_test <"$file")
  fi
  git diff --no-ext-diff --no-renames -U0 "$rec_commit" -- "$file" | awk -v old="${old:-0}" -v new="${new:-0}" '
    # @@ -START[,COUNT] +START[,COUNT] @@: COUNT lines from START (1 when no COUNT) on each side.
    /^@@ / {
      n = split(substr($2, 2), o, ","); if (n == 1) o[2] = 1
      n = split(substr($3, 2), a, ","); if (n == 1) a[2] = 1
      if ((old > 0 && o[2] > 0 && o[1] + o[2] - 1 >= old) || (new > 0 && a[2] > 0 && a[1] + a[2] - 1 >= new)) found = 1
    }
    END { exit !found }'
}

# changed_tests SRC TESTS...: the test files changed since the record (committed, uncommitted or
# untracked): any file under TESTS, and the files under SRC whose #[cfg(test)] part changed.
changed_tests() {
  local src=$1 file
  shift
  if [ $# -gt 0 ]; then
    git diff --name-only --no-renames "$rec_commit" -- "$@"
    git ls-files --others --exclude-standard -- "$@"
  fi
  while read -r file; do
    if test_part_changed "$file"; then
      echo "$file"
    fi
  done < <(git diff --name-only --no-renames "$rec_commit" -- "$src")
  while read -r file; do
    if grep -qE "$CFG_TEST" "$file"; then
      echo "$file"
    fi
  done < <(git ls-files --others --exclude-standard -- "$src")
}

# choose GROUP SRC TESTS... -- FILES...: what --changed runs of a group, with one line saying why:
# sets `choice` to full, diff (IN_DIFF is then the diff of FILES since the record) or skip.
choose() {
  local group=$1 src=$2 tests=() files=() recorded changed
  shift 2
  while [ "$1" != -- ]; do
    tests+=("$1")
    shift
  done
  shift
  files=("$@")
  local -n recorded_files="rec_${group//-/_}_files"
  local -n recorded_mutants="rec_${group//-/_}_mutants"
  local say="ci/mutants.sh: $group:"
  choice="full"
  if [ -n "$stale" ]; then
    echo "$say full run: $stale"
    return
  fi
  recorded=$(printf '%s\n' "${recorded_files[@]}" | sort)
  if [ "$recorded" != "$(printf '%s\n' "${files[@]}" | sort)" ]; then
    echo "$say full run: its files in ci/mutants.sh differ from the record's ($RECORD)"
    return
  fi
  changed=$(changed_tests "$src" "${tests[@]}" | sort -u)
  if [ -n "$changed" ]; then
    echo "$say full run: its tests changed since ${rec_commit:0:8} (a weakened test can let an old mutant live): $(head -1 <<<"$changed")$([ "$(wc -l <<<"$changed")" -gt 1 ] && echo " and $(($(wc -l <<<"$changed") - 1)) more")"
    return
  fi
  IN_DIFF=target/mutants/$group.diff
  mkdir -p target/mutants
  # The paths as cargo-mutants expects them (b/ on the new side, whatever diff.noprefix or
  # diff.mnemonicPrefix say); the new side is the working tree, which is what cargo-mutants mutates.
  git diff --no-ext-diff --no-color --no-renames --src-prefix=a/ --dst-prefix=b/ "$rec_commit" -- "${files[@]}" >"$IN_DIFF"
  if [ -s "$IN_DIFF" ]; then
    choice="diff"
    echo "$say in-diff run, the mutants of the lines changed since ${rec_commit:0:8} only: $(git diff --name-only "$rec_commit" -- "${files[@]}" | paste -sd ' ')"
    return
  fi
  IN_DIFF=
  choice="skip"
  local these="its ${#files[@]} files"
  if [ ${#files[@]} -eq 1 ]; then
    these="its file"
  fi
  echo "$say skipped: all ${recorded_mutants} mutants were caught at ${rec_commit:0:8} ($rec_date), and neither $these nor their tests changed since"
}

head=$(git rev-parse HEAD)
clean=yes
if dirty; then
  clean=no
fi
mkdir -p target/mutants
rm -f "$PASS"
case $mode in
  full) echo "\`bash ci/mutants.sh\` at ${head:0:8}, which failed or was interrupted" >"$LAST_RUN" ;;
  files) echo "\`bash ci/mutants.sh FILE...\` at ${head:0:8}" >"$LAST_RUN" ;;
  changed) echo "\`bash ci/mutants.sh --changed\` at ${head:0:8}" >"$LAST_RUN" ;;
esac

if [ "$mode" = changed ]; then
  # Why the record no longer applies to any group, if it does not; empty when it does.
  stale=
  if [ ! -f "$RECORD" ]; then
    stale="there is no $RECORD (bash ci/mutants.sh --record writes it after a full pass)"
  else
    rec_commit='' rec_date='' rec_version=''
    rec=$(read_record)
    eval "$rec"
    if ! git cat-file -e "$rec_commit^{commit}" 2>/dev/null; then
      stale="the recorded commit ${rec_commit:0:8} is not in this clone's history (a shallow clone?)"
    elif [ "$rec_version" != "$version" ]; then
      stale="the record's pass used cargo-mutants $rec_version, this is $version"
    elif ! git diff --quiet "$rec_commit" -- .cargo/mutants.toml; then
      # An exclusion added since would let its mutants go untested.
      stale="the cargo-mutants configuration (.cargo/mutants.toml) changed since ${rec_commit:0:8}"
    fi
  fi
  # cargo test --workspace has just passed (ci/test.sh): no baseline, so explicit timeouts.
  EXTRA=(--baseline=skip)
fi

# run GROUP OUT QUICK FULL TIMEOUT SRC TESTS... -- FILES...: the group's mutants, as the mode says.
# SRC and TESTS are what --changed looks at: the group's test code is every file under TESTS and
# the #[cfg(test)] part of every file under SRC (their tests are what is run against the mutants).
run() {
  local group=$1 out=$2 quick=$3 full=$4 timeout=$5 src=$6
  shift 6
  local tests=()
  while [ "$1" != -- ]; do
    tests+=("$1")
    shift
  done
  shift
  [ $# -gt 0 ] || return 0
  IN_DIFF=
  if [ "$mode" = changed ]; then
    choose "$group" "$src" "${tests[@]}" -- "$@"
    [ "$choice" != skip ] || return 0
    EXTRA=(--baseline=skip --timeout "$timeout")
  fi
  mutate "$out" "$quick" "$full" "$@"
}

# The helper's and the mock's tests are their tests/ and #[cfg(test)] modules, and the test kit
# (crates/codecommit-testkit, a dev-dependency of both: what the tests are built on). The
# replay's are its unit tests only (`--lib`): the #[cfg(test)] part of any file of its src/, not
# only expect.rs's, since any unit test that reaches `choose` or `compare` can kill their
# mutants; the code outside those parts is not followed, as for the other groups. What --changed
# does not follow (a change of code that is not a test nor a mutated file, such as the mock that
# the helper's tests talk to) is the hosted workflow's full run's to catch.
run helper target/mutants/helper "${HELPER_SLOW[*]}" "" "$HELPER_TIMEOUT" \
  crates/git-credential-codecommit/src crates/git-credential-codecommit/tests crates/codecommit-testkit -- "${HELPER_FILES[@]}"
run mock target/mutants/mock "${MOCK_SLOW[*]}" "" "$MOCK_TIMEOUT" \
  crates/codecommit-mock/src crates/codecommit-mock/tests crates/codecommit-testkit -- "${MOCK_FILES[@]}"
run replay-lib target/mutants/replay --lib none "$LIB_TIMEOUT" \
  crates/codecommit-replay/src -- "${LIB_FILES[@]}"

# A passing full run, on a tree that was clean from start to end and at one commit, is what
# --record can make the record of.
if [ "$mode" = full ]; then
  forget_new_regressions
  if [ "$clean" = no ] || dirty || [ "$(git rev-parse HEAD)" != "$head" ]; then
    echo "\`bash ci/mutants.sh\` at ${head:0:8} with uncommitted changes (or a new commit while it ran)" >"$LAST_RUN"
  else
    {
      echo "$RECORD_HEADER"
      echo
      echo "commit = \"$head\""
      echo "date = \"$(date -u +%F)\""
      echo "cargo-mutants = \"$version\""
      echo "run = \"bash ci/mutants.sh in full on a clean tree, recorded with --record\""
      for group in helper mock replay-lib; do
        case $group in
          helper) files=("${HELPER_FILES[@]}") out=helper ;;
          mock) files=("${MOCK_FILES[@]}") out=mock ;;
          replay-lib) files=("${LIB_FILES[@]}") out=replay ;;
        esac
        echo
        echo "[$group]"
        echo "files = ["
        printf '  "%s",\n' "${files[@]}"
        echo "]"
        cat "target/mutants/$out/counts.toml"
      done
    } >"$PASS"
    echo "\`bash ci/mutants.sh\` at ${head:0:8}, a passing full run on a clean tree" >"$LAST_RUN"
    echo "ci/mutants.sh: every mutant caught at ${head:0:8}; \`bash ci/mutants.sh --record\` makes this run the record"
  fi
fi
