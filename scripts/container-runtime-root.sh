#!/usr/bin/env bash
# Assembles the container image's whole root filesystem in ROOT (the runtime
# stage is `FROM scratch` + this tree): the exporter, the default config, and
# the Debian packages that own the libraries it loads, with their dependencies,
# unpacked from the same versions it was built against. Runs in the
# Dockerfile's build stage, as root, after `make build`.
#
#   scripts/container-runtime-root.sh BINARY CONFIG ROOT
#
# Each package's control data goes to /var/lib/dpkg/status.d/<package>, where
# image scanners (trivy, grype, syft) look for packages in images without dpkg,
# so the image's libraries are still tracked for security updates.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 BINARY CONFIG ROOT" >&2
  exit 2
fi
binary=$1 config=$2 root=$3
uid=10001 # the image's user; also in the Dockerfile's USER

owner_of() {
  # dpkg knows a file by the path its package shipped, which merged /usr may
  # hide behind ldd's (/lib/... for /usr/lib/..., or the reverse).
  local f=$1 candidates c
  candidates=("$f" "$(readlink -f "$f")")
  case $f in
    /usr/*) candidates+=("${f#/usr}") ;;
    *) candidates+=("/usr$f") ;;
  esac
  for c in "${candidates[@]}"; do
    if dpkg-query -S "$c" >/dev/null 2>&1; then
      dpkg-query -S "$c" | head -n 1 | cut -d: -f1
      return
    fi
  done
  echo "container-runtime-root: no Debian package owns $f" >&2
  return 1
}

# The loader and every library ldd resolves; a library ldd cannot find stops here.
if ldd "$binary" | grep -q 'not found'; then
  ldd "$binary" >&2
  exit 1
fi
declare -A wanted=()
for f in $(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  wanted[$(owner_of "$f")]=1
done

# Their Depends and Pre-Depends, transitively (first alternative, arch qualifier dropped).
queue=("${!wanted[@]}")
while [ ${#queue[@]} -gt 0 ]; do
  p=${queue[0]}
  queue=("${queue[@]:1}")
  deps=$(dpkg-query -W -f='${Pre-Depends},${Depends}' "$p")
  for d in $(echo "$deps" | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:.*//' | tr -d ' '); do
    if [ -z "${wanted[$d]:-}" ]; then
      wanted[$d]=1
      queue+=("$d")
    fi
  done
done
packages=()
for p in "${!wanted[@]}"; do
  packages+=("$p=$(dpkg-query -W -f='${Version}' "$p")")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort)
echo "container-runtime-root: ${packages[*]}" >&2

debs=$(mktemp -d)
chmod 755 "$debs"        # apt's download sandbox user writes here
(cd "$debs" && apt-get download -qq "${packages[@]}")

# The merged /usr layout bookworm has, so the packages' /lib paths land in /usr/lib.
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" \
         "$root/etc" "$root/var/lib/dpkg/status.d"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
for deb in "$debs"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" --keep-directory-symlink --no-same-owner \
    --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/info/*' \
    --exclude='./usr/share/locale/*' --exclude='./usr/share/lintian/*'
  # Only the license of each package stays of its documentation.
  mkdir -p "$root/usr/share/doc/$name"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards "./usr/share/doc/$name/copyright" \
    >"$root/usr/share/doc/$name/copyright" 2>/dev/null || rm -rf "$root/usr/share/doc/$name"
  { dpkg-deb -f "$deb"; echo "Status: install ok installed"; } >"$root/var/lib/dpkg/status.d/$name"
done
rm -rf "$debs"

install -m 0755 "$binary" "$root/usr/bin/proctree_exporter"
install -D -m 0644 "$config" "$root/etc/proctree_exporter/config.yml"
# Names for the image's own users; the host's users appear as numbers unless
# the host's /etc/passwd and /etc/group are mounted over these (README).
cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/usr/sbin/nologin
proctree:x:$uid:$uid:proctree_exporter:/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<GROUP
root:x:0:
proctree:x:$uid:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
install -d -m 1777 "$root/tmp"
# A loader cache spares each start a search of the library directories; the
# loader finds them without one too, so a failure here costs nothing more.
ldconfig -r "$root" 2>/dev/null || true

# The tree must run the exporter by itself: every library found, the config valid.
chroot "$root" /usr/bin/proctree_exporter --version >/dev/null
chroot "$root" /usr/bin/proctree_exporter --config.check --config.file=/etc/proctree_exporter/config.yml
du -sh "$root" >&2
