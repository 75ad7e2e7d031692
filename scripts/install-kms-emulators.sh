#!/usr/bin/env bash
# Installs the key-service stand-ins the KMS and PKCS#11 tests use, only when missing. Idempotent.
#  - SoftHSM2 + opensc (pkcs11-tool) from this machine's Debian: a software PKCS#11 token.
#  - moto 5.2 (AWS KMS in server mode) from Debian unstable's python3-moto, inside its own Debian unstable root
#    made with debootstrap and cached at .work/moto-root (moto needs unstable's Python; nothing is installed on
#    the host), plus OpenSSL 3.6 (Ed25519ph test vectors from an implementation independent of ocisign's). Tests start it with `chroot .work/moto-root python3 -m moto.server` (test/helpers/moto.ts).
# Exits 0 with a printed reason when it cannot run (not root, offline); the tests then skip with that reason.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD/.work/moto-root
ready=$root/.ocisign-ready

skip() { echo "install-kms-emulators: skipped: $*" >&2; exit 0; }
note() { echo "install-kms-emulators: $*" >&2; }

# The PKCS#11 binding (optional dependency pkcs11js): npm drops it where node-gyp cannot build it (no compiler, or no
# Node headers and no way to download them). Build it against Node 24's headers from the `node` devDependency; a
# tarball fetched here must match package-lock.json's integrity.
ensure_pkcs11js() {
  local node=node_modules/.bin/node headers version integrity tmp got
  [ -x "$node" ] || { note "node_modules not installed yet: the PKCS#11 binding is not checked"; return 0; }
  "$node" -e "require('pkcs11js')" 2>/dev/null && return 0
  headers=$(dirname "$(dirname "$(ls node_modules/node/node_modules/node-*/include/node/common.gypi 2>/dev/null | head -n1)")")
  headers=${headers%/include}
  [ -f "$headers/include/node/common.gypi" ] || { note "no Node headers in node_modules/node: PKCS#11 tests will skip"; return 0; }
  command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 || { note "no C++ compiler (g++, make): PKCS#11 tests will skip"; return 0; }
  if [ ! -f node_modules/pkcs11js/binding.gyp ]; then
    read -r version integrity < <("$node" -p "const p = require('./package-lock.json').packages['node_modules/pkcs11js']; p.version + ' ' + p.integrity")
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --silent "pkcs11js@$version" >/dev/null 2>&1); then
      rm -rf "$tmp"; note "could not fetch pkcs11js $version: PKCS#11 tests will skip"; return 0
    fi
    got="sha512-$(openssl dgst -sha512 -binary "$tmp/pkcs11js-$version.tgz" | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
      rm -rf "$tmp"; note "pkcs11js $version does not match package-lock.json's integrity: not installed"; return 0
    fi
    mkdir -p node_modules/pkcs11js
    tar -xzf "$tmp/pkcs11js-$version.tgz" -C node_modules/pkcs11js --strip-components=1
    rm -rf "$tmp"
  fi
  note "building the pkcs11js binding against $(basename "$headers") headers"
  npm_config_nodedir="$PWD/$headers" npm rebuild pkcs11js >/dev/null 2>&1 && "$node" -e "require('pkcs11js')" ||
    note "building pkcs11js failed: PKCS#11 tests will skip"
}
ensure_pkcs11js

[ "$(id -u)" = 0 ] || skip "not root; the KMS and PKCS#11 tests will skip"

need_apt=()
command -v softhsm2-util >/dev/null 2>&1 || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need_apt+=(opensc)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-kms-emulators: installing Debian packages: ${need_apt[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"; } >/dev/null ||
    echo "install-kms-emulators: could not install ${need_apt[*]}; the PKCS#11 tests will skip" >&2
fi

if [ -f "$ready" ]; then
  echo "install-kms-emulators: present: moto $(cat "$ready")" >&2
  exit 0
fi
debootstrap=$(command -v debootstrap || echo /usr/sbin/debootstrap)
[ -x "$debootstrap" ] || skip "no debootstrap (install-test-deps.sh installs it)"

# One builder at a time (several worktrees share .work); the others wait, then find it ready.
mkdir -p "$PWD/.work"
exec 9>"$PWD/.work/moto-root.lock"
flock 9
if [ -f "$ready" ]; then exit 0; fi

# The Debian mirror this machine already uses (first main archive URI, not the security one).
uri=$(apt-get indextargets --format '$(URI)' 2>/dev/null | grep -v -- '-security' |
  sed -n 's#^\(.*\)/dists/.*#\1#p' | head -n1 || true)
[ -n "$uri" ] || uri=http://deb.debian.org/debian

started=$(date +%s)
build=$root.new
log=$PWD/.work/moto-root.log
# A finished debootstrap is kept in .new across failed attempts (it is the slow part).
if [ ! -f "$build/.debootstrap-done" ]; then
  rm -rf "$build"
  echo "install-kms-emulators: debootstrap --variant=minbase sid from $uri (a few minutes, once)" >&2
  # No --include=python3-moto: debootstrap does not resolve virtual packages and leaves python3-cryptography
  # unconfigured; apt inside the root resolves them.
  if ! "$debootstrap" --variant=minbase sid "$build" "$uri" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$build"
    skip "debootstrap of Debian unstable failed (offline?); the KMS tests will skip"
  fi
  touch "$build/.debootstrap-done"
fi
cp /etc/resolv.conf "$build/etc/resolv.conf" 2>/dev/null || true
# Mirrors and snapshots may serve a Release file past its Valid-Until; the archive signature is still checked.
apt_opts=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)
if ! { chroot "$build" apt-get "${apt_opts[@]}" update -qq &&
       DEBIAN_FRONTEND=noninteractive chroot "$build" apt-get "${apt_opts[@]}" install -y -qq python3-moto python3-flask python3-flask-cors python3-werkzeug openssl &&
       chroot "$build" apt-get clean; } >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  skip "installing python3-moto in the Debian unstable root failed (kept $build for the next attempt); the KMS tests will skip"
fi
version=$(chroot "$build" python3 -c 'import moto; print(moto.__version__)')
# moto's server mode needs flask, flask-cors and werkzeug (not all of them are dependencies of python3-moto).
chroot "$build" python3 -c 'import moto.server' >>"$log" 2>&1 || skip "moto.server does not import in $build (see $log)"
echo "$version" > "$build/.ocisign-ready"
rm -rf "$root"
mv "$build" "$root"
echo "install-kms-emulators: moto $version ready in .work/moto-root ($(( $(date +%s) - started )) s cold)" >&2
