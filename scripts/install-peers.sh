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

skip() { echo "install-peers: skipped: $*" >&2; exit 0; }

wrappers_ok() {
  [ -x "$bin/cosign" ] && [ -x "$bin/skopeo" ] &&
    "$bin/cosign" version >/dev/null 2>&1 && "$bin/skopeo" --version >/dev/null 2>&1
}

if wrappers_ok; then
  echo "install-peers: present: $(grep -E '^(cosign|skopeo|libc6) ' "$tools/versions" 2>/dev/null | tr '\n' ' ')" >&2
  exit 0
fi

[ "$(id -u)" = 0 ] || skip "not root (apt-get download needs root here); interop tests will skip"
command -v apt-get >/dev/null 2>&1 || skip "no apt-get on this machine"
command -v dpkg-deb >/dev/null 2>&1 || skip "no dpkg-deb on this machine"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || skip "no $keyring"

# The Debian mirror this machine already uses (first main archive URI, not the security one).
uri=$(apt-get indextargets --format '$(URI)' 2>/dev/null | grep -v -- '-security' |
  sed -n 's#^\(.*\)/dists/.*#\1#p' | head -n1 || true)
if [ -z "$uri" ]; then
  uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | head -n1 | awk '{print $1}' || true)
fi
[ -n "$uri" ] || uri=http://deb.debian.org/debian

mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$bin"
cat > "$apt_dir/sources.list.d/trixie.sources" <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: $keyring
SRC
cat > "$apt_dir/apt.conf" <<CONF
Dir::Etc::sourcelist "/dev/null";
Dir::Etc::sourceparts "$apt_dir/sources.list.d";
Dir::State::Lists "$apt_dir/lists";
Dir::Cache "$apt_dir/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "amd64";
CONF
export APT_CONFIG=$apt_dir/apt.conf

echo "install-peers: fetching trixie package lists from $uri" >&2
if ! apt-get update -qq -o APT::Get::List-Cleanup=false >/dev/null 2>"$apt_dir/update.err"; then
  cat "$apt_dir/update.err" >&2
  skip "apt-get update for trixie failed (offline?)"
fi

cd "$apt_dir/debs"
unique=($(printf '%s\n' "${packages[@]}" | sort -u))
echo "install-peers: downloading ${unique[*]}" >&2
# apt-get download refuses to run as root into a dir _apt can't write; download as root without the sandbox.
if ! apt-get download -qq -o APT::Sandbox::User=root "${unique[@]}" >/dev/null 2>"$apt_dir/download.err"; then
  cat "$apt_dir/download.err" >&2
  skip "apt-get download of the trixie peers failed"
fi
cd "$repo"

rm -rf "$root.new"
mkdir -p "$root.new"
for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root.new"; done
rm -rf "$root"
mv "$root.new" "$root"

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
  echo "install-peers: the peers were extracted but do not run (see above)" >&2
  exit 1
fi
# Debian's cosign build reports GitVersion "devel": record the package versions instead.
# Other installers (install-sid-peers.sh) keep their own lines in the same file.
{
  grep -v -E '^(cosign|skopeo|libc6) ' "$tools/versions" 2>/dev/null || true
  for p in cosign skopeo libc6; do
    printf '%s %s\n' "$p" "$(dpkg-deb -f "$(ls "$apt_dir"/debs/${p}_*.deb | head -n1)" Version)"
  done
} > "$tools/versions.new"
mv "$tools/versions.new" "$tools/versions"
echo "install-peers: installed: $(tr '\n' ' ' < "$tools/versions")" >&2
