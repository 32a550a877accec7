#!/usr/bin/env bash
# Builds the base images `debian:<release>-slim` locally, for an engine that cannot pull them.
#
#   docker/base/build.sh [RELEASE...]      (default: bullseye bookworm trixie forky sid)
#
# Each image is a `debootstrap --variant=minbase` root imported with `docker import`, tagged
# exactly `debian:<release>-slim` so the Dockerfiles under docker/ keep a conventional
# `FROM debian:<release>-slim`. An image that already exists is reused, never rebuilt: delete it
# (`docker image rm debian:bookworm-slim`) to build it again.
#
# The packages come from DEBIAN_MIRROR if set, else from the Debian mirror this machine's apt uses
# (read from /etc/apt/sources.list*), else from debootstrap's default mirror. Needs root (debootstrap, chroot); installs
# debootstrap with apt-get when it is missing.
set -euo pipefail

releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then
  # forky is Debian's testing at the time of writing: the newest release the mirror offers.
  releases=(bullseye bookworm trixie forky sid)
fi

die() {
  echo "docker/base/build.sh: $*" >&2
  exit 1
}

# The first mirror of the Debian archive (not debian-security) that apt is configured with.
find_mirror() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  # One-line format: `deb [opts] URL suite ...`; deb822 format: `URIs: URL ...`.
  grep -h -E '^[[:space:]]*(deb[[:space:]]|URIs:)' "${files[@]}" |
    sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/^[[:space:]]*URIs:[[:space:]]*//' |
    tr ' ' '\n' | grep -E '^https?://[^ ]+/debian/?$' | head -n 1 | sed 's:/*$::'
}

command -v docker >/dev/null || die "docker not found on PATH"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (docker info failed)"

missing=()
for release in "${releases[@]}"; do
  if docker image inspect "debian:$release-slim" >/dev/null 2>&1; then
    echo "debian:$release-slim: exists, reused"
  else
    missing+=("$release")
  fi
done
[ ${#missing[@]} -gt 0 ] || exit 0

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; missing images: ${missing[*]}"
if ! command -v debootstrap >/dev/null; then
  echo "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# A machine whose apt has no Debian mirror (an Ubuntu CI runner) uses debootstrap's own default.
mirror=${DEBIAN_MIRROR:-$(find_mirror)}
[ -n "$mirror" ] || mirror=$(sed -n 's/^DEF_MIRROR="\(.*\)"$/\1/p' "$(command -v debootstrap)" | head -n 1)
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list* nor in debootstrap; set DEBIAN_MIRROR"

work=$(mktemp -d "${TMPDIR:-/tmp}/debian-base.XXXXXX")
cleanup() {
  # debootstrap mounts /proc and /sys inside the root; an interrupted run may leave them mounted.
  local mount
  awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# What the official slim images leave out (their /etc/dpkg/dpkg.cfg.d/docker), kept out here too.
slim_dpkg_cfg='path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias'

for release in "${missing[@]}"; do
  start=$SECONDS
  root="$work/$release"
  # Releases newer than this debootstrap know the same bootstrap rules as sid.
  script=/usr/share/debootstrap/scripts/$release
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  echo "debian:$release-slim: debootstrap from $mirror"
  if ! debootstrap --variant=minbase --components=main "$release" "$root" "$mirror" "$script" \
    >"$work/$release.log" 2>&1; then
    tail -n 20 "$work/$release.log" >&2
    die "debootstrap $release from $mirror failed (log above)"
  fi

  printf '%s\n' "$slim_dpkg_cfg" >"$root/etc/dpkg/dpkg.cfg.d/docker"
  # Same apt hygiene as the official images: no package cache kept in layers.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  # A mirror that is a frozen snapshot serves testing/sid Release files past their Valid-Until;
  # apt-get update in the image would refuse them. Only then is the check switched off.
  valid_until=$(sed -n 's/^Valid-Until: //p' "$root/var/lib/apt/lists/"*"_dists_${release}_"*Release 2>/dev/null | head -n 1 || true)
  if [ -n "$valid_until" ] && [ "$(date -u -d "$valid_until" +%s)" -lt "$(date -u +%s)" ]; then
    echo "debian:$release-slim: mirror's Release expired ($valid_until); apt's Valid-Until check is off in this image"
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99snapshot-mirror"
  fi
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/lintian/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* "$root"/tmp/*
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright -exec rm -rf {} + 2>/dev/null || true

  tar --numeric-owner --xattrs --one-file-system -C "$root" -c . |
    docker import \
      --change 'CMD ["bash"]' \
      --change "LABEL org.opencontainers.image.description=\"debootstrap --variant=minbase $release from $mirror\"" \
      - "debian:$release-slim" >/dev/null
  rm -rf --one-file-system "$root"
  size=$(docker image inspect -f '{{.Size}}' "debian:$release-slim")
  echo "debian:$release-slim: built in $((SECONDS - start)) s, $((size / 1000000)) MB"
done
