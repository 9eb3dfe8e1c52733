#!/usr/bin/env bash
# Assembles the Node base images the Dockerfiles name, from the host's own Node, with no registry:
#   localhost/stages/node:<major>            node + npm + /bin/sh + env (build stages: npm ci, tsc)
#   localhost/stages/node:<major>-runtime    node and its libraries only (runtime stages)
# both also tagged with the full version (e.g. 20.20.2, 20.20.2-runtime). Built `from scratch`: the node
# binary, the shared libraries `ldd` lists, a passwd/group with the unprivileged user 10001, and /tmp.
# glibc >= 2.34 has the files/dns NSS modules built in, so names resolve without extra libraries.
# Installs podman, buildah and runc from apt when missing. Idempotent: rebuilds only when asked (--force)
# or when the host's Node version has no image yet.
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1

if ! command -v buildah >/dev/null || ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  echo "installing podman buildah runc (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  flock /tmp/stages-apt.lock bash -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends podman buildah runc' >&2
fi

node_bin=$(readlink -f "$(command -v node)")
version=$("$node_bin" -p process.versions.node)
major=${version%%.*}
repo=localhost/stages/node

if [ "$force" = 0 ] && podman image exists "$repo:$version" && podman image exists "$repo:$version-runtime"; then
  echo "$repo:$version and $repo:$version-runtime exist (use --force to rebuild)" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies a binary and every library ldd lists for it, at the same paths.
copy_with_libs() {
  local root=$1 bin=$2 target=$3
  install -D -m 0755 "$bin" "$root$target"
  ldd "$bin" | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

base_files() {
  local root=$1
  mkdir -p "$root/etc" "$root/tmp" "$root/app"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:10001:10001:node:/app:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:10001:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}

commit() {
  local root=$1 tag=$2
  local ctr
  ctr=$(buildah from scratch)
  buildah copy --quiet "$ctr" "$root" / >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="$version" \
    --label org.opencontainers.image.description="Node $version from the build host, assembled by scripts/build-base-image.sh" \
    --workingdir /app --cmd '["node"]' "$ctr"
  buildah commit --quiet --format docker "$ctr" "$repo:$tag" >/dev/null
  buildah rm "$ctr" >/dev/null
  podman tag "$repo:$tag" "$repo:${tag/$version/$major}"
  echo "built $repo:$tag ($repo:${tag/$version/$major}) $(podman image inspect --format '{{.Size}}' "$repo:$tag" | numfmt --to=iec)"
}

runtime="$work/runtime"
copy_with_libs "$runtime" "$node_bin" /usr/local/bin/node
base_files "$runtime"
commit "$runtime" "$version-runtime"

build="$work/build"
cp -a "$runtime" "$build"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$build/usr/local/lib/node_modules"
cp -a "$npm_dir" "$build/usr/local/lib/node_modules/npm"
# npm runs package scripts through /bin/sh, and package bins (tsc) start with `#!/usr/bin/env node`.
copy_with_libs "$build" "$(readlink -f /bin/sh)" /bin/sh
copy_with_libs "$build" "$(readlink -f /usr/bin/env)" /usr/bin/env
for tool in npm npx; do
  printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/%s-cli.js "$@"\n' "$tool" >"$build/usr/local/bin/$tool"
  chmod 0755 "$build/usr/local/bin/$tool"
done
mkdir -p "$build/root" && chmod 0700 "$build/root"
commit "$build" "$version"
