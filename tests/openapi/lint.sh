#!/usr/bin/env bash
# Lints gaplog's OpenAPI document with @redocly/cli (pinned by package-lock.json, installed
# here from npm) and tests/openapi/redocly.yaml. Fails on any error or warning.
#
#   tests/openapi/lint.sh [build/openapi.json]   (default: build/openapi.json of the repository)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
doc="$(realpath "${1:-$here/../../build/openapi.json}")"

if [ ! -x "$here/node_modules/.bin/redocly" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Redocly's usage telemetry off: the tests talk to no one.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
out=$(mktemp)
trap 'rm -f "$out"' EXIT  # also when redocly fails (an error) and set -e ends the script
"$here/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --max-problems 200 \
  --format stylish "$doc" 2>&1 | tee "$out"
# redocly exits non-zero on errors only; a warning fails too.
# (Its banner about the Node.js version is not a lint warning: match the problem lines only.)
if grep -qE '^ +[0-9]+:[0-9]+ +warning ' "$out"; then
  echo "the OpenAPI document has lint warnings (above); fix them or explain them in redocly.yaml" >&2
  exit 1
fi
echo "OpenAPI document: redocly lint passes"
