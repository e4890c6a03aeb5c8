// How the CLI prints an API answer for a person (without --json): lists as aligned tables, each
// kind of answer (readiness, workload, timeline, …) in its own layout, entities as fields.
#pragma once

#include <string>
#include <vector>

#include "codec/json.h"

namespace gaplog {

// A JSON value as a table cell or field: "-" for null or absent, "yes"/"no" for booleans, an
// array as comma-separated cells, anything else as JSON.
std::string cell(const json::Value* v);

// An answer as `command` (the command's first word) prints it for a person: a list answer with
// `columns` as a table of those fields, the others as the command's layout or as fields.
void print_human(const std::vector<std::string>& columns, const json::Value& v,
                 const std::string& command);

}  // namespace gaplog
