# Sourced by scripts/setup, scripts/build-web and scripts/test: the Node.js the web UI is built
# and tested with. playwright-core (the browser tests) and `node --test --test-timeout` need
# node >= 20, and Debian 12's own nodejs is 18. When the node on the PATH is older, scripts/setup
# installs Node from the npm registry (the `node` package carries the official binaries) into
# build/node/, and gaplog_use_node puts that one first on the PATH. docs/web.md explains why.

gaplog_node_version=20.20.2  # what scripts/setup installs when the system's node is too old
gaplog_node_major=20         # the oldest major version the web UI's tests run on
gaplog_node_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/node"

# gaplog_node_new_enough NODE: whether NODE runs and is version 20 or newer.
gaplog_node_new_enough() {
  "$1" -e "process.exit(Number(process.versions.node.split('.')[0]) >= $gaplog_node_major ? 0 : 1)" 2>/dev/null
}

# Puts a node >= 20 first on the PATH: the one already there when it is new enough, else the
# one scripts/setup installed into build/node/. Fails, saying what to do, when there is neither.
gaplog_use_node() {
  if command -v node >/dev/null 2>&1 && gaplog_node_new_enough node; then
    return 0
  fi
  local bin=$gaplog_node_dir/node_modules/.bin
  if gaplog_node_new_enough "$bin/node"; then
    export PATH="$bin:$PATH"
    # Node's official build trusts only its own CA list, where Debian's nodejs trusts the
    # system's: give it the system's too (e.g. a company proxy's CA, for npm ci).
    if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
      export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    fi
    return 0
  fi
  echo "node $(node --version 2>/dev/null || echo '(none)') is older than $gaplog_node_major, which the web UI needs," \
    "and there is no newer one in build/node/: run scripts/setup" >&2
  return 1
}

# Installs Node $gaplog_node_version into build/node/ when the node on the PATH is older than 20
# (scripts/setup; needs npm and the npm registry). Quick when it is already there.
gaplog_install_node_if_old() {
  if gaplog_node_new_enough node || gaplog_node_new_enough "$gaplog_node_dir/node_modules/.bin/node"; then
    return 0
  fi
  echo "setup: node $(node --version) is older than $gaplog_node_major; installing Node $gaplog_node_version from the npm registry into build/node/" >&2
  mkdir -p "$gaplog_node_dir"
  npm install --prefix "$gaplog_node_dir" --no-save --no-audit --no-fund --loglevel=error "node@$gaplog_node_version"
  gaplog_node_new_enough "$gaplog_node_dir/node_modules/.bin/node"
}
