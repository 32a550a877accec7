#!/usr/bin/env bash
# The README's two commands, exactly as it writes them, on a fresh clone of HEAD in a clean
# container (docker/fresh: a Debian base image with git, gcc and Debian's own Rust only):
#
#   bash ci/fresh-machine.sh sid debian-rust with-libfaketime
#   bash ci/fresh-machine.sh bullseye mounted-rust
#
# debian-rust: the release's own rustc and cargo (sid's meets the workspace's rust-version);
# mounted-rust: the toolchain this machine's `rustc` runs from (rustup's, built for glibc 2.17 and
# later), read-only at /opt/rust, for a release whose own Rust is too old (bullseye has 1.48).
#
# Cargo's registry is shared (target/fresh/registry) so a second release downloads nothing; each
# release builds its own tree once per command (the test profile, then the release profile).
# Output: target/fresh/RELEASE/{test,replay}.log and the replay's table; exit 1 if either fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: ci/fresh-machine.sh RELEASE debian-rust|mounted-rust [with-libfaketime]"
release=${1:?$usage}
case ${2:-} in
  debian-rust) rust=debian ;;
  mounted-rust) rust=mounted ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
faketime=0 image="codecommit-fresh:$release-$rust"
if [ "${3:-}" = with-libfaketime ]; then
  faketime=1 image="$image-faketime"
fi
out="$root/target/fresh/$release"
mkdir -p "$out" "$root/target/fresh/registry"

# The commands, read from the README's Contributing block: what a contributor copies is what runs.
# shellcheck disable=SC2016 # `$` ends the regular expressions
mapfile -t commands < <(sed -n '/^## Contributing/,/^```$/p' "$root/README.md" \
  | sed -n '/^```sh$/,/^```$/p' | grep -v '^```' | sed 's/ *#.*$//')
if [ ${#commands[@]} -ne 2 ]; then
  echo "ci/fresh-machine.sh: expected the README's two commands under '## Contributing', found ${#commands[@]}" >&2
  exit 2
fi

docker build --quiet --build-arg "RELEASE=$release" --build-arg "WITH_LIBFAKETIME=$faketime" --build-arg "RUST=$rust" \
  -t "$image" "$root/docker/fresh" >/dev/null

# A clone of HEAD, as CI's fresh machine gets it (nothing untracked, nothing built).
rm -rf "$out/repo"
git clone --quiet --no-hardlinks "$root" "$out/repo"

ca=()
if [ -n "${SSL_CERT_FILE:-}" ] && [ -f "$SSL_CERT_FILE" ]; then
  # Cargo fetches crates through the proxy the machine trusts.
  ca=(-v "$SSL_CERT_FILE:/etc/ssl/certs/machine-ca.pem:ro" -e SSL_CERT_FILE=/etc/ssl/certs/machine-ca.pem
    -e CARGO_HTTP_CAINFO=/etc/ssl/certs/machine-ca.pem)
fi
toolchain=()
if [ "$rust" = mounted ]; then
  sysroot=$(rustc --print sysroot)
  toolchain=(-v "$sysroot:/opt/rust:ro" -e PATH=/opt/rust/bin:/usr/local/bin:/usr/bin:/bin)
fi
status=0
for i in 0 1; do
  name=replay
  [ "$i" = 0 ] || name="test"
  start=$SECONDS
  echo "ci/fresh-machine.sh: $release: ${commands[$i]}" >&2
  if docker run --rm --network host "${ca[@]}" "${toolchain[@]}" \
    -v "$out/repo:/home/dev/repo" -v "$root/target/fresh/registry:/home/dev/.cargo/registry" \
    -e HOME=/home/dev -e CARGO_HOME=/home/dev/.cargo -e CARGO_TERM_COLOR=never \
    -w /home/dev/repo "$image" sh -c "${commands[$i]}" >"$out/$name.log" 2>&1; then
    echo "ci/fresh-machine.sh: $release: $name passed in $((SECONDS - start)) s" >&2
  else
    status=1
    echo "ci/fresh-machine.sh: $release: $name FAILED after $((SECONDS - start)) s; the end of $out/$name.log:" >&2
    tail -40 "$out/$name.log" >&2
  fi
done
# What cargo ignored and why, and the replay's summary.
grep -E '^test .* ignored, ' "$out/test.log" | sed 's/^/  /' >&2 || true
grep -E 'passed, .* failed' "$out/replay.log" | tail -1 | sed 's/^/  replay: /' >&2 || true
exit "$status"
