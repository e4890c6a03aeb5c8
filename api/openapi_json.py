#!/usr/bin/env python3
"""Converts api/openapi.yaml, the maintained OpenAPI document, to the JSON the server serves.

Usage: openapi_json.py SOURCE.yaml OUT.json OUT.cc

Writes OUT.json (minified, for the lint and contract checks) and OUT.cc, which defines
gaplog::openapi_document() (api/openapi.h) returning that JSON. Fails, naming the problem,
when the YAML does not parse or is not an OpenAPI 3.1 document, so a broken document breaks
the build rather than the served API.
"""

import json
import sys

try:
    import yaml
except ImportError:
    sys.exit("openapi_json.py: python3-yaml is missing; run scripts/setup (apt: python3-yaml)")

# The raw string's delimiter; the document must not contain ")" + DELIMITER + '"'.
DELIMITER = "gaplog_openapi"


def fail(source, message):
    sys.exit(f"{source}: {message}")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, out_json, out_cc = sys.argv[1:]
    try:
        with open(source, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except yaml.YAMLError as e:
        fail(source, f"invalid YAML: {e}")
    if not isinstance(doc, dict) or doc.get("openapi") != "3.1.0":
        fail(source, "not an OpenAPI 3.1.0 document (openapi: 3.1.0 at the top)")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        fail(source, "the document has no paths")
    # The shared error answers are YAML anchors, expanded by the parser; their holder is not
    # part of the API.
    doc.pop("x-error-sets", None)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    if f"){DELIMITER}\"" in text:
        fail(source, f"the document contains ){DELIMITER}\", the generated raw string's end")
    with open(out_json, "w", encoding="utf-8") as f:
        f.write(text)
    with open(out_cc, "w", encoding="utf-8") as f:
        f.write(
            f"// Generated from {source} by api/openapi_json.py. Do not edit.\n"
            '#include "api/openapi.h"\n\n'
            "namespace gaplog {\n\n"
            "std::string_view openapi_document() {\n"
            f'  static constexpr std::string_view kDocument = R"{DELIMITER}({text}){DELIMITER}";\n'
            "  return kDocument;\n"
            "}\n\n"
            "}  // namespace gaplog\n"
        )


if __name__ == "__main__":
    main()
