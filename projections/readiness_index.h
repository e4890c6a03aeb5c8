// A temporal index for readiness "as of" any (D, T) without refolding the log.
//
// For every entity that readiness depends on (the scope, each finding, control and evidence
// item) it keeps the entity's successive versions, compacted to what the rules of SPEC §5 read:
// statuses, dates as day numbers and criteria as a 64-bit set (the catalog has 61). Within one
// stream both occurred_at and recorded_at never decrease along the log, so the versions an
// as-of-(D, T) fold would have applied form a prefix of each history: the entity's state is
// found by two binary searches. Readiness at a date then costs one pass over the entities.
//
// Feed it events in log order (apply). Not thread-safe: the owner serialises access.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/event.h"
#include "domain/readiness.h"
#include "projections/bytes.h"

namespace gaplog {

class ReadinessIndex {
 public:
  void apply(const Event& event);

  // Equal to readiness_at / unresolved_at / projected_ready_on over the state folded as of
  // (d, known_at).
  Readiness readiness(Date d, std::optional<Micros> known_at) const;
  UnresolvedCounts unresolved(Date d, std::optional<Micros> known_at) const;
  std::optional<Date> projected_ready_on(Date to, std::optional<Micros> known_at) const;
  // Equal to state.audit and audit_blockers_at over the state folded as of (d, known_at).
  std::optional<AuditTarget> audit_target(Date d, std::optional<Micros> known_at) const;
  AuditBlockers blockers(Date d, std::optional<Micros> known_at) const;
  // The earliest day D0 with overall readiness 100% on every day from D0 to `to`.
  std::optional<Date> ready_since(Date to, std::optional<Micros> known_at) const;

  // Overall readiness and unresolved counts at each of `days` (ascending), equal to
  // readiness(d).overall and unresolved(d) for each, in one pass over every entity's versions
  // (a cursor per entity moves forward with the days) instead of a search per entity and day.
  struct Point {
    ReadinessCount overall;
    UnresolvedCounts unresolved;
  };
  std::vector<Point> series(const std::vector<Date>& days, std::optional<Micros> known_at) const;

  size_t memory_bytes() const;

  // Checkpoint form (see bytes.h); read_from replaces the whole index.
  void write_to(ByteWriter& w) const;
  Status read_from(ByteReader& r);

 private:
  struct ScopeVersion {
    Micros occurred, recorded;
    uint8_t categories;  // bit per Category
  };
  struct FindingVersion {
    Micros occurred, recorded;
    uint64_t criteria;
    int32_t due, expires;  // kNoDate when unset
    FindingStatus status;
    Severity severity;
  };
  struct ControlVersion {
    Micros occurred, recorded;
    uint64_t criteria;
    ControlStatus status;
    uint8_t months = 0;               // of its evidence cadence; 0 = none
    uint8_t failed = 0;               // its latest test failed (0 or 1)
    int32_t latest_tested = kNoTest;  // tested_on of its latest test
    bool counts() const { return status == ControlStatus::kImplemented && !failed; }
  };
  static constexpr int32_t kNoTest = INT32_MIN;
  struct EvidenceVersion {
    Micros occurred, recorded;
    int32_t collected, valid_until;  // kNoDate when unset
    int32_t base;                    // collected, else the upload day: where a cadence counts from
    std::vector<uint32_t> controls;  // indexes into controls_
  };
  struct AuditVersion {
    Micros occurred, recorded;
    AuditTarget target;
  };
  template <typename Version>
  struct History {
    std::vector<Version> versions;
    // The version an as-of-(end, known_at) fold ends with, or nullptr.
    const Version* at(Micros end, std::optional<Micros> known_at) const;
  };
  template <typename Version>
  struct Entities {
    std::vector<std::string> ids;
    std::unordered_map<std::string, uint32_t> index;
    std::vector<History<Version>> histories;
    // Whether `ids` are in natural order (F-1, F-2, ... as recorded): lists of them built in
    // index order then need no sort.
    bool natural = true;
    History<Version>* find(const std::string& id);
    History<Version>& add(const std::string& id);
  };

  // What readiness needs at (d, T), computed once and shared by the queries.
  struct Snapshot {
    uint8_t categories = 0;
    uint64_t unresolved = 0;   // criteria with an unresolved finding
    uint64_t implemented = 0;  // criteria with an implemented mapped control
    uint64_t evidenced = 0;    // ... with current evidence
  };
  Snapshot snapshot(Date d, std::optional<Micros> known_at) const;
  // Adds what evidence version `v` (nullptr: none yet) proves on day d, given its controls'
  // versions that day, to s.evidenced.
  static void add_evidence(Snapshot& s, const EvidenceVersion* v,
                           std::span<const ControlVersion* const> controls, Date d);
  // series() for up to kSeriesChunk days at a time.
  static constexpr size_t kSeriesChunk = 64;
  void series_chunk(std::span<const Date> days, std::optional<Micros> known_at,
                    std::vector<Point>& out) const;
  static ReadinessCount overall_of(const Snapshot& s);
  void apply_control(const Event& e);
  // Adds a day on which readiness may change to change_days_ (kept sorted, without repeats).
  void add_change_day(int32_t day);
  static bool full(const Snapshot& s);
  static uint64_t in_scope_mask(uint8_t categories);

  History<ScopeVersion> scope_;
  History<AuditVersion> audit_;
  Entities<FindingVersion> findings_;
  Entities<ControlVersion> controls_;
  Entities<EvidenceVersion> evidence_;
  // Days on which readiness may change: days events occurred, and days a date rule flips.
  // Sorted, each day once.
  std::vector<int32_t> change_days_;
};

}  // namespace gaplog
