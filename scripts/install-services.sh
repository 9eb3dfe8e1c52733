#!/usr/bin/env bash
# Installs the servers the integration tests start (ZooKeeper, PostgreSQL, Redis, nginx) from Debian's packages,
# only when something is missing. Idempotent and silent when everything is there; `npm test` runs it.
# No service is enabled or started: the test harness runs its own servers on free ports in temp dirs.
set -euo pipefail

missing=()
have_file() { [ -e "$1" ]; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }

# package  : what proves it is installed
have_file /usr/share/java/zookeeper.jar || missing+=(zookeeper)
have_cmd nc || missing+=(netcat-openbsd)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
have_cmd redis-server || missing+=(redis-server)
have_cmd java || missing+=(default-jre-headless)
have_cmd setpriv || missing+=(util-linux)
# The gateway docs' reverse-proxy test runs the sample nginx config in front of several gateways (stage 4).
have_cmd nginx || missing+=(nginx-light)

[ ${#missing[@]} -eq 0 ] && exit 0

if ! have_cmd apt-get; then
  echo "install-services: missing ${missing[*]}, and there is no apt-get to install them with" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if have_cmd sudo; then sudo=(sudo); else
    echo "install-services: missing ${missing[*]}; run as root (or install sudo) to install them" >&2
    exit 1
  fi
fi

echo "install-services: installing ${missing[*]}" >&2
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101: the packages must not start system-wide services (a postgres on 5432, a redis on 6379).
policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod +x "$policy" && created_policy=1
fi
cleanup() {
  if [ -n "$created_policy" ]; then "${sudo[@]}" rm -f "$policy"; fi
  rm -f "$log"
}
trap cleanup EXIT
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "install-services: apt-get install ${missing[*]} failed (output above)" >&2
  exit 1
fi
echo "install-services: installed ${missing[*]}" >&2
