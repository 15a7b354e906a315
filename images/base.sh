#!/usr/bin/env bash
# Builds the task image's base from Debian's package mirror (debootstrap) and imports it into the container engine,
# for machines where public image registries are unreachable. Usage: images/base.sh [engine] [tag]
# Variables: MLGYM_DEBIAN_MIRROR (default http://deb.debian.org/debian), MLGYM_DEBIAN_SUITE (default bookworm).
set -euo pipefail
engine="${1:-docker}"
tag="${2:-mlgym-base:bookworm}"
mirror="${MLGYM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="${MLGYM_DEBIAN_SUITE:-bookworm}"
command -v debootstrap >/dev/null || { echo "debootstrap not found (apt-get install debootstrap)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "debootstrap needs root" >&2; exit 2; }
# What the agent's tools need, and the shared libraries the managed Python runtime (mounted from the host) links to.
packages=(
  bash coreutils findutils grep sed gawk diffutils patch procps file less ca-certificates python3-minimal
  libbz2-1.0 libexpat1 libffi8 libgdbm6 libgomp1 liblzma5 libncursesw6 libreadline8 libsqlite3-0 libssl3
  libstdc++6 libtirpc3 libuuid1 zlib1g
)
root="$(mktemp -d "${TMPDIR:-/tmp}/mlgym-base-XXXXXX")"
trap 'rm -rf "$root"' EXIT
include="$(IFS=,; echo "${packages[*]}")"
debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror"
# Nothing the image needs at run time: package caches, documentation, translations.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | "$engine" import --change 'CMD ["/bin/bash"]' - "$tag"
echo "imported $tag"
