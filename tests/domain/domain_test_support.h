// An in-memory program for domain tests: commands are decided and their events applied with
// evolve(), with versions and seqs assigned as the log would.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "../support/dates.h"
#include "domain/catalog.h"
#include "domain/commands.h"
#include "domain/state.h"

namespace gaplog::testing {

inline const std::string kAdmin = "admin@example.com";
inline const std::string kAdmin2 = "admin2@example.com";
inline const std::string kEditor = "ed@example.com";
inline const std::string kContributor = "con@example.com";
inline const std::string kOther = "other@example.com";  // a second contributor
inline const std::string kAuditor = "aud@example.com";

// The 33 security criteria ids, from the catalog.
inline std::vector<std::string> security_criteria() {
  std::vector<std::string> ids;
  for (const Criterion& c : tsc_catalog()) {
    if (c.category == Category::kSecurity) ids.emplace_back(c.id);
  }
  return ids;
}

class Program {
 public:
  // Users of every role, added through the bootstrap and admin commands.
  Program() {
    must(kAdmin, AddUser{kAdmin, "Ada Admin", "admin"});
    must(kAdmin, AddUser{kAdmin2, "Abe Admin", "admin"});
    must(kAdmin, AddUser{kEditor, "Eve Editor", "editor"});
    must(kAdmin, AddUser{kContributor, "Cat Contributor", "contributor"});
    must(kAdmin, AddUser{kOther, "Otto Other", "contributor"});
    must(kAdmin, AddUser{kAuditor, "Aud Auditor", "auditor"});
  }

  // Decides and, when accepted, applies the events. Returns the decision's status.
  Result<Decision> run(const std::string& actor, const Command& cmd,
                       std::optional<Micros> occurred_at = std::nullopt) {
    auto d = decide(state, CommandContext{actor, now, occurred_at}, cmd);
    if (d) {
      for (const DraftEvent& draft : d->events)
        apply(draft.stream, draft.payload, actor, occurred_at.value_or(now));
    }
    return d;
  }

  Decision must(const std::string& actor, const Command& cmd) {
    auto d = run(actor, cmd);
    EXPECT_TRUE(d.is_ok()) << d.status().to_string();
    return d.is_ok() ? *d : Decision{};
  }

  // Applies an event directly, bypassing the rules (to set up states).
  void apply(const std::string& stream, const Payload& payload, const std::string& actor = kAdmin,
             std::optional<Micros> occurred_at = std::nullopt) {
    Event e;
    e.seq = ++seq;
    e.stream = stream;
    e.version = ++versions[stream];
    e.recorded_at = now;
    e.occurred_at = occurred_at.value_or(now);
    e.actor = actor;
    e.payload = payload;
    log.push_back(e);
    evolve(state, e);
  }

  // A finding recorded by the editor, owned by `owner`.
  std::string finding(const std::string& owner = "") {
    must(kEditor,
         RecordFinding{"MFA missing on the VPN", "", "high", {"CC6.1"}, "", "", owner, ""});
    return "F-" + std::to_string(state.findings_recorded);
  }

  ProgramState state;
  std::vector<Event> log;
  std::map<std::string, uint32_t> versions;
  uint64_t seq = 0;
  Micros now = kT0;
};

}  // namespace gaplog::testing
