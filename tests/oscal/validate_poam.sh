#!/usr/bin/env bash
# Validates gaplog's OSCAL POA&M export (SPEC §7) against NIST's OSCAL 1.1.2 POA&M JSON Schema
# with ajv-cli 5 + ajv-formats (installed here from npm, pinned by package-lock.json), for the
# demo program and for an empty program. Run by scripts/test; fails on any schema violation.
#
#   tests/oscal/validate_poam.sh build/gaplog
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gaplog="$(realpath "${1:?usage: validate_poam.sh PATH-TO-gaplog}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$here/node_modules/.bin/ajv" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

"$gaplog" --data "$work/demo" demo >/dev/null
"$gaplog" --data "$work/demo" export poam -o "$work/demo-poam.json" >/dev/null
"$gaplog" --data "$work/empty" init --admin lead@example.com >/dev/null
"$gaplog" --data "$work/empty" export poam -o "$work/empty-poam.json" >/dev/null

for doc in "$work/demo-poam.json" "$work/empty-poam.json"; do
  "$here/node_modules/.bin/ajv" validate --spec=draft7 --strict=false -c ajv-formats \
    -s "$here/oscal_poam_schema_1.1.2.json" -d "$doc"
done

# The schema accepts any token as a risk status; check that only the mapped ones appear.
node -e '
  const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const allowed = new Set(["open", "remediating", "deviation-approved", "closed"]);
  const risks = doc["plan-of-action-and-milestones"].risks || [];
  if (risks.length === 0) { console.error("the demo POA&M has no risks"); process.exit(1); }
  for (const r of risks) if (!allowed.has(r.status)) { console.error("unmapped status " + r.status); process.exit(1); }
  console.log("POA&M: " + risks.length + " risks, statuses mapped");
' "$work/demo-poam.json"
echo "POA&M exports of the demo and an empty program validate against OSCAL 1.1.2"
