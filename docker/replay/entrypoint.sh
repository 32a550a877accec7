#!/bin/sh
# codecommit-replay:<release>: replays every scenario with this image's git on an outside helper,
# held to its contract, and writes the reports. Driven by environment variables (the host-side
# driver `codecommit-replay-images` sets them; see the README):
#
#   CODECOMMIT_HELPER    the helper: an executable file in the container (e.g. mounted at
#                        /helper/NAME), or a command whose first word is found on PATH after the
#                        setup (`/opt/aws/bin/aws`, `codecommit-canary any-host git-credential-codecommit`)
#   CODECOMMIT_CONTRACT  a contract name in /scenarios/helpers, or a contract file in the container
#   CODECOMMIT_SETUP     optional: a shell command run first (`python3 -m venv /opt/aws && ...`)
#   CODECOMMIT_CA_FILE   optional: a CA bundle for the setup's downloads (PIP_CERT, SSL_CERT_FILE)
#   CODECOMMIT_OUT       where the reports go (default /out): <release>.json, .md, .xml
#   CODECOMMIT_CACHE     optional: a directory kept across runs; pip's cache goes there
#   CODECOMMIT_OWNER     optional: uid:gid to give the reports and the cache to (the host user)
#   CODECOMMIT_JOBS      variants replayed at once (default 2)
#
# Arguments are passed on to `codecommit-replay replay` (e.g. `--scenario NAME`).
# Exit status: the replay's (0 all passed, 1 a contract row or a variant failed, 2 it could not
# run); 3 when the setup failed.
set -eu

release=${CODECOMMIT_RELEASE:?this image was built without CODECOMMIT_RELEASE}
out=${CODECOMMIT_OUT:-/out}
helper=${CODECOMMIT_HELPER:?set CODECOMMIT_HELPER to the helper (a file or a command)}
contract=${CODECOMMIT_CONTRACT:?set CODECOMMIT_CONTRACT to a contract name or file}
mkdir -p "$out"
say() { echo "codecommit-replay:$release: $*" >&2; }

if [ -n "${CODECOMMIT_SETUP:-}" ]; then
  say "setup: $CODECOMMIT_SETUP"
  start=$(date +%s)
  # The CA bundle only for the setup's downloads: the replay builds every environment from scratch.
  if ! (
    if [ -n "${CODECOMMIT_CACHE:-}" ]; then export PIP_CACHE_DIR="$CODECOMMIT_CACHE/pip"; fi
    if [ -n "${CODECOMMIT_CA_FILE:-}" ]; then
      export PIP_CERT="$CODECOMMIT_CA_FILE" SSL_CERT_FILE="$CODECOMMIT_CA_FILE" REQUESTS_CA_BUNDLE="$CODECOMMIT_CA_FILE"
    fi
    sh -c "$CODECOMMIT_SETUP"
  ); then
    say "the setup command failed (above); nothing was replayed"
    exit 3
  fi
  say "setup took $(($(date +%s) - start)) s"
fi

# A file is the helper itself; a command becomes a wrapper script with its first word resolved
# now, since the replay calls the helper with no PATH.
# wrap PROGRAM ARGS...: a script that runs the command, its program by absolute path.
wrap() {
  first=$(command -v "$1") || {
    say "the helper command's program '$1' is not an executable file and not on PATH ($PATH)"
    exit 2
  }
  shift
  rest=
  for word in "$@"; do
    rest="$rest '$(printf '%s' "$word" | sed "s/'/'\\\\''/g")'"
  done
  mkdir -p /tmp/codecommit-helper
  program=/tmp/codecommit-helper/$(basename "$first")
  printf '#!/bin/sh\nexec %s%s "$@"\n' "$first" "$rest" >"$program"
  chmod 755 "$program"
  say "helper command: $program runs $first$rest"
}
if [ -f "$helper" ] && [ -x "$helper" ]; then
  program=$helper
else
  set -f
  # shellcheck disable=SC2086 # the command's words, split as the shell would (no globbing)
  wrap $helper
  set +f
fi

# The doctor and the `tool` steps use this project's helper: the dynamically linked one, which
# libfaketime can move, where this release's glibc runs it (not bullseye), else the static one.
tool=/usr/local/bin/git-credential-codecommit
dynamic=/usr/local/lib/codecommit/git-credential-codecommit
if "$dynamic" --version >/dev/null 2>&1; then tool=$dynamic; fi

start=$(date +%s)
status=0
codecommit-replay replay --scenarios /scenarios --git /usr/bin/git --helper "$program" \
  --tool "$tool" --contract "$contract" --jobs "${CODECOMMIT_JOBS:-2}" --quiet \
  --format json --output "$out/$release.json" "$@" || status=$?
say "replay took $(($(date +%s) - start)) s, exit $status"
if [ -f "$out/$release.json" ]; then
  for format in markdown:md junit:xml; do
    codecommit-replay report --scenarios /scenarios --input "$out/$release.json" \
      --format "${format%%:*}" >"$out/$release.${format#*:}" || status=2
  done
fi
# The container runs as root: what it wrote in mounted directories goes back to the host user.
if [ -n "${CODECOMMIT_OWNER:-}" ]; then chown -R "$CODECOMMIT_OWNER" "$out" ${CODECOMMIT_CACHE:+"$CODECOMMIT_CACHE"}; fi
exit "$status"
