#!/usr/bin/env bash
# Fetches the interop peers from Debian 13 (trixie) without touching the system's apt setup:
# cosign 2.5 and the sigstore-enabled skopeo 1.18 (Debian 12's skopeo has sigstore patched out),
# plus trixie's glibc and the libraries skopeo needs, extracted under .work/tools/root, with wrappers in
# .work/tools/bin. Idempotent. Exits 0 with a printed reason when it cannot run (not root, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tools=$repo/.work/tools
root=$tools/root
bin=$tools/bin
apt_dir=$tools/apt
# skopeo 1.18 links libgpgme.so.11 (+ libassuan.so.9), libgpg-error, libsqlite3 and glibc >= 2.38 (checked with
# `ld-linux-x86-64.so.2 --list` through trixie's loader). Debian 12 lacks the first two; the rest come from trixie
# too so a minimal machine without libsqlite3 still works and every library matches trixie's glibc.
packages=(cosign skopeo libc6 libgpgme11t64 libassuan9 libgpg-error0 libsqlite3-0)

say() { echo "install-peers: $*" >&2; }
skip() { say "skipped: $*"; exit 0; }
# shellcheck source=lib/apt-private.sh
. "$repo/scripts/lib/apt-private.sh"

wrappers_ok() {
  [ -x "$bin/cosign" ] && [ -x "$bin/skopeo" ] &&
    "$bin/cosign" version >/dev/null 2>&1 && "$bin/skopeo" --version >/dev/null 2>&1
}

if wrappers_ok; then
  say "present: $(grep -E '^(cosign|skopeo|libc6) ' "$tools/versions" 2>/dev/null | tr '\n' ' ')"
  exit 0
fi

apt_private_require "interop tests will skip"
mkdir -p "$bin"
apt_private_setup "$apt_dir" trixie
apt_private_update || skip "apt-get update for trixie failed (offline?)"
unique=($(printf '%s\n' "${packages[@]}" | sort -u))
apt_private_download "${unique[@]}" || skip "apt-get download of the trixie peers failed"
extract_debs "$root" "$apt_dir"/debs/*.deb

lib=$root/usr/lib/x86_64-linux-gnu
cat > "$bin/cosign" <<W
#!/bin/sh
exec "$root/usr/bin/cosign" "\$@"
W
cat > "$bin/skopeo" <<W
#!/bin/sh
# trixie's skopeo needs GLIBC_2.38: run it through trixie's own loader and libraries.
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$root/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" "$root/usr/bin/skopeo" "\$@"
W
chmod 0755 "$bin/cosign" "$bin/skopeo"

if ! wrappers_ok; then
  "$bin/cosign" version >&2 || true
  "$bin/skopeo" --version >&2 || true
  say "the peers were extracted but do not run (see above)"
  exit 1
fi
# Debian's cosign build reports GitVersion "devel": record the package versions instead.
# Other installers (install-sid-peers.sh) keep their own lines in the same file.
for p in cosign skopeo libc6; do
  record_version "$p" "$(dpkg-deb -f "$(ls "$apt_dir"/debs/${p}_*.deb | head -n1)" Version)"
done
say "installed: $(tr '\n' ' ' < "$tools/versions")"
