#!/usr/bin/env bash
# Builds the shop's image offline: the local Node base images first (scripts/build-base-image.sh), then the
# Dockerfile with --pull=never and the host's npm cache mounted copy-on-write. Usage: build-image.sh [tag]
set -euo pipefail
cd "$(dirname "$0")/../../.."
tag=${1:-localhost/stages/shop:0.1.0}
bash scripts/build-base-image.sh
# The image compiles from the workspaces' sources; a host build makes that step incremental.
[ -d packages/core/dist ] || npm run build
podman --runtime runc build --pull=never --format docker \
  --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  --ignorefile examples/shop/deploy/.containerignore \
  -v "${npm_config_cache:-$HOME/.npm}:/root/.npm:O" \
  -f examples/shop/deploy/Dockerfile -t "$tag" .
