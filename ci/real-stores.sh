#!/usr/bin/env bash
# Opt-in (issue 11): the stand-ins against the real credential stores of a hosted runner. The
# scenarios whose stand-in models a program this runner has are replayed twice, with the
# stand-ins and with the real program (`replay --real-store`), and `codecommit-replay compare`
# lists where the two disagree (exit 1 when they do):
#
#   ci/real-stores.sh macos     git-credential-osxkeychain of every git found (Apple's and
#                               Homebrew's), against a throw-away keychain made the default and
#                               the only one searched while the replay runs, deleted after
#   ci/real-stores.sh windows   Git Credential Manager as Git for Windows installs it, keeping
#                               its items in each sandbox (GCM_CREDENTIAL_STORE=dpapi), never in
#                               the runner's Windows Credential Manager
#
# Called by the real-stores job of .github/workflows/ci.yml (workflow_dispatch). Written and
# linted on Linux; it needs a macOS or Windows runner. Everything it writes is in
# target/real-stores/: both JSON reports and the comparison (also in the job's summary).
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "ci/real-stores.sh: $*" >&2
  exit 1
}

case ${1:-} in
macos)
  store=osxkeychain
  # configure-fixes-every-machine also installs GCM, which stays a stand-in here.
  scenarios=(macos-keychain-expired-password configure-fixes-every-machine)
  ;;
windows)
  store=manager
  scenarios=(windows-gcm-precedence windows-store-long-session-token configure-fixes-every-machine)
  ;;
*) die "usage: ci/real-stores.sh macos|windows" ;;
esac

out=target/real-stores
mkdir -p "$out"
only=()
for scenario in "${scenarios[@]}"; do
  only+=(--scenario "$scenario")
done

# macOS: osxkeychain stores in the default keychain and finds items in the search list. Both
# become one throw-away keychain for the run, so nothing of the runner's login keychain is read
# or written; the previous default and list come back on exit, whatever happened.
keychain=$PWD/$out/replay.keychain-db
old_default=
old_list=()
restore_keychains() {
  # Each step whatever the one before did: the keychain is deleted in any case.
  if [ -n "$old_default" ]; then
    security default-keychain -d user -s "$old_default" || true
  fi
  if [ ${#old_list[@]} -gt 0 ]; then
    security list-keychains -d user -s "${old_list[@]}" || true
  fi
  security delete-keychain "$keychain" || true
}
throwaway_keychain() {
  local password line
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  old_default=$(security default-keychain -d user | sed -e 's/^[[:space:]]*"//' -e 's/"$//')
  # macOS's bash 3.2 has no mapfile.
  while IFS= read -r line; do
    old_list+=("$line")
  done < <(security list-keychains -d user | sed -e 's/^[[:space:]]*"//' -e 's/"$//')
  rm -f "$keychain"
  security create-keychain -p "$password" "$keychain"
  trap restore_keychains EXIT
  # No lock after a timeout or on sleep: a locked keychain would ask for its password.
  security set-keychain-settings "$keychain"
  security unlock-keychain -p "$password" "$keychain"
  security list-keychains -d user -s "$keychain"
  security default-keychain -d user -s "$keychain"
  echo "keychain: $(security default-keychain -d user) (default and only one searched)"
}

git --version
echo "git's exec path: $(git --exec-path)"
case $store in
osxkeychain) throwaway_keychain ;;
manager) git credential-manager --version || die "Git Credential Manager not found (git credential-manager --version)" ;;
esac

cargo build --locked --release -p codecommit-replay -p git-credential-codecommit
replay=target/release/codecommit-replay

# The stand-ins: a failure here is the stand-ins' own (the workspace job would fail too).
status=0
"$replay" replay "${only[@]}" --format json --output "$out/stand-ins.json" || status=$?
[ "$status" -le 1 ] || die "the replay with the stand-ins could not run (exit $status)"
stand_ins=$status

# The real store: the expectations are the stand-ins', so failures here are what compare lists.
status=0
"$replay" replay "${only[@]}" --real-store "$store" --format json --output "$out/real.json" || status=$?
[ "$status" -le 1 ] || die "the replay with the real $store could not run (exit $status)"

status=0
"$replay" compare --stand-ins "$out/stand-ins.json" --real-stores "$out/real.json" \
  --output "$out/comparison.md" || status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/comparison.md" ]; then
  cat "$out/comparison.md" >>"$GITHUB_STEP_SUMMARY"
fi
[ "$stand_ins" -eq 0 ] || die "scenarios failed with the stand-ins ($out/stand-ins.json)"
case $status in
0) echo "ci/real-stores.sh: the real $store and its stand-in agree" ;;
1) die "the real $store and its stand-in disagree (above; $out/comparison.md)" ;;
*) die "nothing was compared (exit $status)" ;;
esac
