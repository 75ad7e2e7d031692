# Fetching .debs from one Debian suite without touching the system's apt setup: a private APT_CONFIG (its own
# sources, lists and cache) under .work/tools. Sourced by install-peers.sh (trixie) and install-sid-peers.sh (sid),
# which define `say` and `skip` (each prints its own name) before sourcing this file.

apt_keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# Skip (exit 0 with the reason) unless apt-get download can run here; $1 says what will skip without it.
apt_private_require() {
  [ "$(id -u)" = 0 ] || skip "not root (apt-get download needs root here); $1"
  command -v apt-get >/dev/null 2>&1 || skip "no apt-get on this machine"
  command -v dpkg-deb >/dev/null 2>&1 || skip "no dpkg-deb on this machine"
  [ -f "$apt_keyring" ] || skip "no $apt_keyring"
}

# The Debian mirror this machine already uses (first main archive URI, not the security one).
apt_mirror() {
  local uri
  uri=$(apt-get indextargets --format '$(URI)' 2>/dev/null | grep -v -- '-security' |
    sed -n 's#^\(.*\)/dists/.*#\1#p' | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | head -n1 | awk '{print $1}' || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# apt_private_setup DIR SUITE: sources and apt.conf for SUITE in DIR (lists, cache, debs/ below it), exported as
# APT_CONFIG; sets apt_dir, apt_suite and apt_uri for the functions below.
apt_private_setup() {
  apt_dir=$1
  apt_suite=$2
  apt_uri=$(apt_mirror)
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  cat > "$apt_dir/sources.list.d/$apt_suite.sources" <<SRC
Types: deb
URIs: $apt_uri
Suites: $apt_suite
Components: main
Signed-By: $apt_keyring
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
}

# The suite's package lists; on failure prints apt's error and returns 1 (the caller decides whether to skip).
apt_private_update() {
  say "fetching $apt_suite package lists from $apt_uri"
  if ! apt-get update -qq -o APT::Get::List-Cleanup=false >/dev/null 2>"$apt_dir/update.err"; then
    cat "$apt_dir/update.err" >&2
    return 1
  fi
}

# apt_private_download PACKAGE...: their .debs into $apt_dir/debs; on failure prints apt's error and returns 1.
apt_private_download() {
  say "downloading $*"
  # apt-get download as root into a dir _apt can't write: download without the sandbox.
  if ! (cd "$apt_dir/debs" && apt-get download -qq -o APT::Sandbox::User=root "$@" >/dev/null 2>"$apt_dir/download.err"); then
    cat "$apt_dir/download.err" >&2
    return 1
  fi
}

# extract_debs ROOT DEB...: the packages' files under ROOT, replacing what was there only once all are extracted.
extract_debs() {
  local root=$1 deb
  shift
  rm -rf "$root.new"
  mkdir -p "$root.new"
  for deb in "$@"; do dpkg-deb -x "$deb" "$root.new"; done
  rm -rf "$root"
  mv "$root.new" "$root"
}

# record_version NAME VERSION: replace NAME's line in .work/tools/versions ($tools), keeping every other line.
record_version() {
  local name=$1 version=$2 file=$tools/versions
  { grep -v -E "^$name " "$file" 2>/dev/null || true; printf '%s %s\n' "$name" "$version"; } > "$file.new"
  mv "$file.new" "$file"
}
