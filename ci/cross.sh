#!/usr/bin/env bash
# The workspace for the two platforms this Linux machine cannot run natively (issue 11):
#
#   - Windows: built for x86_64-pc-windows-gnu (mingw-w64), test targets included, and the test
#     binaries that need neither git nor the AWS CLI run under Wine;
#   - macOS: `cargo check --all-targets` for aarch64-apple-darwin and x86_64-apple-darwin.
#
#   ci/cross.sh                  both, in the image codecommit-cross (built here when missing)
#   ci/cross.sh windows|macos    one of them
#   ci/cross.sh image            only the image (.ci/run builds it while the workspace's tests run)
#
# Debian's rustc has no prebuilt standard library for these targets: it is built from Debian's
# rust-src with -Zbuild-std (RUSTC_BOOTSTRAP=1 unlocks the flag on a stable compiler). The image
# is built offline from debian:sid-slim like docker/build.sh's, tagged with a hash of
# docker/cross/ and the base image, and reused while that tag exists. Everything the runs write
# stays in target/cross: one target directory for both platforms (the host's build scripts and
# proc macros are built once), cargo's registry (cargo-home, so a second run downloads nothing)
# and Wine's prefix.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "ci/cross.sh: $*" >&2
  exit 1
}

timed() {
  local label=$1 start=$SECONDS
  shift
  "$@"
  echo "ci/cross.sh: $label took $((SECONDS - start)) s"
}

windows_target=x86_64-pc-windows-gnu
macos_targets=(aarch64-apple-darwin x86_64-apple-darwin)

# Test binaries of the Windows build, by package and target name, and what runs of each under
# Wine. Every test binary the build produces must be listed here: one that is not stops the run.
#   run ARGS... [| REASON]  run it under wine with these libtest arguments; the tests that ARGS
#                           skip are printed with REASON
#   skip REASON             not run, and the reason is printed
windows_plan() {
  case "$1/$2" in
  # Binaries have no test harness of their own (`test = false`): their code is in the libraries.
  git-credential-codecommit/git_credential_codecommit)
    echo "run" ;;
  # The process-level, protocol, signing, endpoint and credential-chain tests: the .exe
  # spawned on git's protocol, shared files under %USERPROFILE%\.aws, wiremock on loopback.
  git-credential-codecommit/helper)
    echo "run --skip aws_cli:: --skip grc:: --skip binary::real_git_uses_the_helper_in_every_configuration_shape --skip doctor:: --skip configure::" \
      "| aws_cli:: and grc:: need the AWS CLI, the Python git-remote-codecommit and libfaketime; the others run a real git (doctor and configure ask git for its configuration), and no Windows git is installed here" ;;
  codecommit-mock/codecommit_mock)
    echo "run" ;;
  codecommit-mock/mock)
    echo "skip its tests run git clients against git http-backend: a Windows git is not installed here" ;;
  codecommit-replay/codecommit_replay)
    echo "run" ;;
  codecommit-replay/replay)
    echo "skip every scenario runs a real git (and sh): a Windows git is not installed here" ;;
  codecommit-testkit/codecommit_testkit)
    echo "run --skip binary::tests::builds_another_packages_binary_beside_the_test" \
      "| it builds a binary with cargo, which a test run directly under Wine does not have (CARGO unset)" ;;
  # Its unit tests: release names, git versions, the containers' environment.
  codecommit-matrix/codecommit_matrix)
    echo "run" ;;
  codecommit-matrix/matrix)
    echo "skip it drives Linux containers through a Docker engine" ;;
  *) return 1 ;;
  esac
}

# ---- Inside the image ---------------------------------------------------------------------------

# cargo's JSON (for the test binaries' paths) to a file; its progress to the terminal.
# Wine's certificate store is empty, and aws-smithy-http-client 1.5.2 has a debug_assert! that
# the platform gave it roots (rustls_provider.rs): a debug helper would panic where the release
# one, which has no debug assertions, makes HTTP requests and refuses HTTPS (UnknownIssuer). The
# tests run that crate as it is released.
build_windows() {
  cargo test --workspace --locked --no-run -Zbuild-std=std,panic_abort \
    --config 'profile.dev.package.aws-smithy-http-client.debug-assertions=false' \
    --target "$windows_target" --message-format=json-render-diagnostics >"$CARGO_TARGET_DIR/windows-build.json"
}

wine_prefix() {
  wineboot --init >/dev/null 2>&1
}

inside_windows() {
  export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
  local list=$CARGO_TARGET_DIR/windows-tests.tsv
  # One line per test binary: package, target name, executable (cargo's JSON, without jq).
  timed "windows build (workspace, test targets included)" build_windows
  # Test harnesses only (profile "test":true): the plain .exe files are for CARGO_BIN_EXE_*.
  grep '"executable":"[^"]' "$CARGO_TARGET_DIR/windows-build.json" | grep -E '"profile":\{[^}]*"test":true' |
    sed -E 's/.*"manifest_path":"[^"]*\/([^/"]+)\/Cargo.toml".*"target":\{[^}]*"name":"([^"]+)".*"executable":"([^"]+)".*/\1\t\2\t\3/' >"$list"
  [ -s "$list" ] || die "the Windows build listed no test binary"

  # Wine's first start creates its prefix (about half a minute); later runs reuse it.
  timed "wine prefix" wine_prefix

  local failed=0 package name exe plan reason log start args skipped
  while IFS=$'\t' read -r package name exe; do
    [[ $exe == *.exe ]] || die "not a test executable: $package/$name: $exe"
    if ! plan=$(windows_plan "$package" "$name"); then
      die "test binary $package/$name is not in windows_plan: say whether it runs under Wine"
    fi
    case $plan in
    skip\ *)
      reason=${plan#skip }
      echo "windows: SKIPPED $package/$name: $reason"
      ;;
    run*)
      plan=${plan#run}
      reason=
      if [[ $plan == *" | "* ]]; then
        reason=${plan#* | }
        plan=${plan%% | *}
      fi
      read -r -a args <<<"$plan"
      if [ -n "$reason" ]; then
        skipped=$(printf '%s\n' "${args[@]}" | grep -v '^--skip$' | paste -sd, - | sed 's/,/, /g')
        echo "windows: $package/$name: not run under Wine: $skipped: $reason"
      fi
      log=$CARGO_TARGET_DIR/wine-$package-$name.log
      start=$SECONDS
      wine "$exe" "${args[@]}" </dev/null >"$log" 2>&1 || true
      # libtest's summary, each failure and each ignored test with its reason.
      echo "windows: $package/$name under wine ${args[*]} ($((SECONDS - start)) s):"
      tr -d '\r' <"$log" | grep -E '^test result: |^test .*(FAILED|ignored)' | sed 's/^/  /' || true
      if ! grep -q '^test result: ok\.' "$log"; then
        echo "windows: FAILED $package/$name (whole output: target/cross/build/wine-$package-$name.log)"
        failed=1
      fi
      ;;
    esac
  done <"$list"
  [ "$failed" -eq 0 ] || die "Windows tests failed under Wine (above)"
}

inside_macos() {
  local target sdk=$CARGO_TARGET_DIR/sdk-stand-in
  # ring's build script compiles C and assembly for the target even under `cargo check`. cc-rs
  # would call `cc` (gcc), which knows no Apple target: clang does. Without Apple's SDK, clang
  # gets an empty sysroot, the one SDK header ring reads (TargetConditionals.h, its values for
  # macOS), -ffreestanding (clang's own stdint.h, and no stdlib.h through its intrinsics headers)
  # and ring's own mode for targets without a C library (RING_CORE_NOSTDLIBINC: no string.h).
  # The objects are never linked: this checks the Rust code, not ring's C as Apple builds it.
  mkdir -p "$sdk/usr/include"
  printf '%s\n' '#define TARGET_OS_MAC 1' '#define TARGET_OS_OSX 1' '#define TARGET_OS_IPHONE 0' \
    >"$sdk/usr/include/TargetConditionals.h"
  for target in "${macos_targets[@]}"; do
    export "CC_${target//-/_}=clang" "AR_${target//-/_}=llvm-ar" \
      "CFLAGS_${target//-/_}=-isysroot $sdk -ffreestanding -DRING_CORE_NOSTDLIBINC=1"
    timed "macos check $target" \
      cargo check --workspace --all-targets --locked -Zbuild-std=std,panic_abort --target "$target"
  done
}

if [ "${1:-}" = --inside ]; then
  export RUSTC_BOOTSTRAP=1
  case "${2:-}" in
  windows) inside_windows ;;
  macos) inside_macos ;;
  *) die "unknown phase: ${2:-}" ;;
  esac
  exit 0
fi

# ---- On the host --------------------------------------------------------------------------------

phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(macos windows)
for phase in "${phases[@]}"; do
  case $phase in
  windows | macos | image) ;;
  *) die "unknown phase '$phase': expected windows, macos or image" ;;
  esac
done

command -v docker >/dev/null || die "docker not found on PATH"
docker image inspect debian:sid-slim >/dev/null 2>&1 ||
  die "no image debian:sid-slim: build it with docker/base/build.sh sid"

# The image, tagged with a hash of its Dockerfile and of the base image it starts from.
base_id=$(docker image inspect -f '{{.Id}}' debian:sid-slim)
hash=$({
  sha256sum docker/cross/Dockerfile
  echo "$base_id"
} | sha256sum | cut -c1-16)
image=codecommit-cross:sid-$hash
mkdir -p target/cross
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image: exists, reused"
else
  start=$SECONDS
  if ! docker build --quiet -t "$image" docker/cross >target/cross/image.log 2>&1; then
    tail -n 30 target/cross/image.log >&2
    die "docker build of $image failed (log above, whole log in target/cross/image.log)"
  fi
  echo "$image: built in $((SECONDS - start)) s"
fi
docker tag "$image" codecommit-cross:local

mkdir -p target/cross/cargo-home target/cross/home target/cross/build
run_args=(
  --rm --cpus "${CODECOMMIT_CROSS_CPUS:-1}"
  --user "$(id -u):$(id -g)"
  -v "$PWD:/repo" -w /repo
  -e HOME=/repo/target/cross/home -e USER=cross
  -e CARGO_HOME=/repo/target/cross/cargo-home
  -e CARGO_TARGET_DIR=/repo/target/cross/build
  -e CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
  -e CARGO_TERM_COLOR=never
  -e WINEPREFIX=/repo/target/cross/wine
)
# A machine whose TLS goes through its own CA (a proxy) gives cargo that bundle in the container.
if [ -n "${SSL_CERT_FILE:-}" ] && [ -f "$SSL_CERT_FILE" ]; then
  run_args+=(-v "$SSL_CERT_FILE:/etc/cross-ca.pem:ro" -e CARGO_HTTP_CAINFO=/etc/cross-ca.pem
    -e SSL_CERT_FILE=/etc/cross-ca.pem)
fi

for phase in "${phases[@]}"; do
  [ "$phase" != image ] || continue
  timed "$phase" docker run "${run_args[@]}" codecommit-cross:local nice -n 19 bash ci/cross.sh --inside "$phase"
done
