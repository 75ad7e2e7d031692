#!/usr/bin/env bash
# Fetches the current peers from Debian unstable (sid) without touching the system's apt setup (a private
# APT_CONFIG, scripts/lib/apt-private.sh, as install-peers.sh uses for the trixie peers):
#   cosign 3.1.1  → .work/tools/sid-root, wrapper .work/tools/bin/cosign3
#   oras 1.3.3    → .work/tools/sid-root, wrapper .work/tools/bin/oras
#   regsrv        → .work/tools/bin/regsrv: go-containerregistry's registry with the OCI 1.1 referrers API,
#                   built from scripts/regsrv/main.go with sid's Go 1.27 and Debian's go-containerregistry
#                   source (GOPATH mode, offline); the toolchain is removed after the build.
# Idempotent: does nothing when the wrappers run and regsrv was built from the current main.go. Exits 0 with a
# printed reason when it cannot run (not root, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tools=$repo/.work/tools
root=$tools/sid-root
bin=$tools/bin
apt_dir=$tools/apt-sid
regsrv_src=$repo/scripts/regsrv/main.go
regsrv_stamp=$tools/regsrv.main.go.sha256
peer_packages=(cosign oras)
# pkg/registry needs nothing outside go-containerregistry and the standard library (checked by building), so
# none of the -dev package's declared dependencies are fetched.
go_packages=(golang-1.27-go golang-1.27-src golang-github-google-go-containerregistry-dev)

say() { echo "install-sid-peers: $*" >&2; }
skip() { say "skipped: $*"; exit 0; }
# shellcheck source=lib/apt-private.sh
. "$repo/scripts/lib/apt-private.sh"

peers_ok() {
  [ -x "$bin/cosign3" ] && [ -x "$bin/oras" ] &&
    "$bin/cosign3" version >/dev/null 2>&1 && "$bin/oras" version >/dev/null 2>&1
}
regsrv_ok() {
  [ -x "$bin/regsrv" ] && [ -f "$regsrv_stamp" ] && [ "$(sha256sum < "$regsrv_src")" = "$(cat "$regsrv_stamp")" ]
}

if peers_ok && regsrv_ok; then
  say "present: $(grep -E '^(cosign3|oras|golang-1.27-go|go-containerregistry) ' "$tools/versions" 2>/dev/null | tr '\n' ' ')"
  exit 0
fi

apt_private_require "cosign 3 / oras / referrers-registry tests will skip"

mkdir -p "$bin"
# .work is shared by every worktree on the machine: one installer at a time.
exec 9>"$tools/.install-sid-peers.lock"
flock 9

apt_private_setup "$apt_dir" sid

# The newest sid version of each package, as a .deb in $apt_dir/debs (reused when already downloaded).
updated=
fetch() {
  local missing=() p version
  if [ -z "$updated" ]; then
    if ! apt_private_update; then
      for p in "$@"; do
        ls "$apt_dir"/debs/"$p"_*.deb >/dev/null 2>&1 || skip "apt-get update for sid failed (offline?)"
      done
      say "apt-get update for sid failed: using the cached packages"
      return 0
    fi
    updated=1
  fi
  for p in "$@"; do
    version=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^[[:space:]]*Candidate:[[:space:]]*//p')
    [ -n "$version" ] && [ "$version" != "(none)" ] || skip "sid has no package $p"
    ls "$apt_dir"/debs/"${p}_${version//:/%3a}"_*.deb >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  for p in "${missing[@]}"; do rm -f "$apt_dir"/debs/"$p"_*.deb; done # older versions
  apt_private_download "${missing[@]}" || skip "apt-get download of ${missing[*]} from sid failed"
}

# The newest downloaded .deb of a package.
deb_of() { ls -v "$apt_dir"/debs/"$1"_*.deb | tail -n1; }
version_of() { dpkg-deb -f "$(deb_of "$1")" Version; }

if ! peers_ok; then
  fetch "${peer_packages[@]}"
  debs=()
  for p in "${peer_packages[@]}"; do debs+=("$(deb_of "$p")"); done
  extract_debs "$root" "${debs[@]}"
  for tool in cosign:cosign3 oras:oras; do
    # Relative to the wrapper, so the tools folder works from any worktree (.work may be a symlink).
    printf '#!/bin/sh\nexec "$(dirname "$(readlink -f "$0")")/../sid-root/usr/bin/%s" "$@"\n' "${tool%%:*}" > "$bin/${tool##*:}"
    chmod 0755 "$bin/${tool##*:}"
  done
  if ! peers_ok; then
    "$bin/cosign3" version >&2 || true
    "$bin/oras" version >&2 || true
    say "cosign 3 / oras were extracted but do not run (see above)"
    exit 1
  fi
  # Debian's cosign build reports GitVersion "devel": record the package versions instead.
  record_version cosign3 "$(version_of cosign)"
  record_version oras "$(version_of oras)"
  say "installed cosign3 $(version_of cosign), oras $(version_of oras)"
fi

if ! regsrv_ok; then
  fetch "${go_packages[@]}"
  build=$(mktemp -d "$tools/regsrv-build.XXXXXX")
  trap 'rm -rf "$build"' EXIT
  for p in "${go_packages[@]}"; do dpkg-deb -x "$(deb_of "$p")" "$build/root"; done
  goroot=$build/root/usr/lib/go-1.27
  mkdir -p "$build/gopath/src/regsrv"
  cp "$regsrv_src" "$build/gopath/src/regsrv/"
  say "building regsrv with Go $(version_of golang-1.27-go) and go-containerregistry $(version_of golang-github-google-go-containerregistry-dev) (a few minutes)"
  started=$(date +%s)
  # A clean environment: GOPATH mode, no module proxy, no toolchain download, no cgo (a static binary).
  if ! (cd "$build/gopath/src/regsrv" && env -i PATH=/usr/bin:/bin HOME="$build" TMPDIR="$build" \
      GOROOT="$goroot" GOPATH="$build/gopath:$build/root/usr/share/gocode" GOCACHE="$build/cache" GO111MODULE=off GOFLAGS= GOPROXY=off \
      GOTOOLCHAIN=local GOTELEMETRY=off CGO_ENABLED=0 \
      "$goroot/bin/go" build -trimpath -ldflags='-s -w' -o "$build/regsrv" regsrv); then
    say "building regsrv failed (see above)"
    exit 1
  fi
  mv "$build/regsrv" "$bin/regsrv"
  sha256sum < "$regsrv_src" > "$regsrv_stamp"
  record_version golang-1.27-go "$(version_of golang-1.27-go)"
  record_version go-containerregistry "$(version_of golang-github-google-go-containerregistry-dev)"
  say "built $bin/regsrv in $(( $(date +%s) - started )) s"
fi
