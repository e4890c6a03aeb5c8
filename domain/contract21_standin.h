// TEMPORARY stand-in for the issue 21 domain types of /work/notes/contract21.md, so that the
// report (export/report.h) compiles before main lands them. Deleted by the merge of main.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/time.h"

namespace gaplog {

enum class AuditType : uint8_t { kType1, kType2 };
struct AuditTarget {
  AuditType type = AuditType::kType1;
  Date date;
  Date window_start, window_end;
  Date target() const { return type == AuditType::kType1 ? date : window_start; }
};
struct HeatMap {
  std::array<std::array<std::vector<std::string>, 5>, 5> cells;
  std::vector<std::string> unrated;
};
struct AuditBlockers {
  std::vector<std::string> criteria, no_due_date, due_after_target;
};

struct ProgramState;
inline HeatMap heat_map_at(const ProgramState&, Date) { return {}; }

}  // namespace gaplog
