#include "export/poam.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/readiness.h"

namespace gaplog {
namespace {

using json::Value;

// gaplog's own namespace for name-based UUIDs (a random version-4 UUID chosen once, forever).
constexpr Uuid kGaplogNamespace{{0x76, 0x64, 0x56, 0xf3, 0xa8, 0x12, 0x48, 0x1c, 0xa6, 0xf6, 0x12,
                                 0x6a, 0xfb, 0xb6, 0xe1, 0x03}};

// Namespace of gaplog's own properties (OSCAL "ns" must be a URI; it need not resolve).
constexpr std::string_view kPropNs = "https://gaplog.dev/ns/oscal";

// OSCAL's StringDatatype: no leading or trailing whitespace, no line breaks, not empty.
std::string oscal_string(std::string_view text, std::string_view fallback) {
  std::string out;
  for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  const size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return std::string(fallback);
  return out.substr(begin, out.find_last_not_of(' ') - begin + 1);
}

Value prop(std::string_view name, std::string_view value) {
  return Value::object()
      .set("name", Value::string(std::string(name)))
      .set("ns", Value::string(std::string(kPropNs)))
      .set("value", Value::string(oscal_string(value, "none")));
}

// The last instant of a due date: the deadline of SPEC §7.
std::string deadline_of(const std::optional<Date>& due_date) {
  return due_date ? format_date(*due_date) + "T23:59:59Z" : "";
}

class PoamBuilder {
 public:
  PoamBuilder(const ProgramState& state, const PoamContext& context)
      : state_(state),
        context_(context),
        program_(uuid_v5(kGaplogNamespace, "program:" + context.program_identity)) {}

  Value build() {
    Value risks = Value::array();
    Value items = Value::array();
    std::vector<const FindingState*> findings;
    for (const auto& [id, f] : state_.findings) findings.push_back(&f);
    std::sort(findings.begin(), findings.end(), [](const FindingState* a, const FindingState* b) {
      return natural_less(a->id, b->id);
    });
    for (const FindingState* f : findings) {
      risks.push(risk(*f));
      items.push(item(*f));
    }
    Value plan = Value::object()
                     .set("uuid", id("poam"))
                     .set("metadata", metadata())
                     .set("system-id",
                          Value::object()
                              .set("identifier-type", Value::string("http://ietf.org/rfc/rfc4122"))
                              .set("id", Value::string(to_string(program_))));
    if (findings.empty()) {
      // OSCAL requires at least one poam-item; an empty program says so in one marked item.
      items.push(Value::object()
                     .set("uuid", id("poam-item:none"))
                     .set("title", Value::string("No findings recorded"))
                     .set("description",
                          Value::string(fmt::format(
                              "gaplog held no findings for this program as of {}. This item only "
                              "meets OSCAL's requirement of at least one poam-item.",
                              format_date(context_.as_of))))
                     .set("props", Value::array().push(prop("placeholder", "true"))));
    } else {
      plan.set("risks", std::move(risks));
    }
    plan.set("poam-items", std::move(items));
    return Value::object().set("plan-of-action-and-milestones", std::move(plan));
  }

 private:
  Value id(std::string_view name) const {
    return Value::string(to_string(uuid_v5(program_, name)));
  }
  Value party_id(const std::string& email) const { return id("party:" + email); }

  Value metadata() const {
    Value m =
        Value::object()
            .set("title",
                 Value::string(fmt::format("{}: SOC 2 remediation plan of action and milestones",
                                           oscal_string(state_.name, "gaplog program"))))
            .set("last-modified", Value::string(format_timestamp(context_.last_modified)))
            .set("version", Value::string(fmt::format("{} ({} events)", format_date(context_.as_of),
                                                      context_.tree_size)))
            .set("oscal-version", Value::string("1.1.2"))
            .set("props", Value::array().push(prop("as-of", format_date(context_.as_of))))
            .set("roles", Value::array()
                              .push(Value::object()
                                        .set("id", Value::string("finding-owner"))
                                        .set("title", Value::string("Finding owner")))
                              .push(Value::object()
                                        .set("id", Value::string("risk-approver"))
                                        .set("title", Value::string("Risk acceptance approver"))));
    Value parties = Value::array();
    for (const auto& [email, u] : state_.users) {
      parties.push(Value::object()
                       .set("uuid", party_id(u.email))
                       .set("type", Value::string("person"))
                       .set("name", Value::string(oscal_string(u.name, u.email)))
                       .set("email-addresses", Value::array().push(Value::string(u.email)))
                       .set("props", Value::array().push(prop("role", name(u.role)))));
    }
    // The organisation whose assessment rated the findings: the origin of their ratings.
    const bool rated = std::any_of(state_.findings.begin(), state_.findings.end(),
                                   [](const auto& f) { return f.second.risk_score() != 0; });
    if (rated) {
      parties.push(Value::object()
                       .set("uuid", id("party:program"))
                       .set("type", Value::string("organization"))
                       .set("name", Value::string(oscal_string(state_.name, "gaplog program"))));
    }
    if (!parties.items().empty())
      m.set("parties", std::move(parties));  // OSCAL arrays are never empty
    return m;
  }

  // The finding's likelihood and impact (SPEC §13) as OSCAL facets, 1 (lowest) to 5 (highest),
  // in gaplog's naming system (kPropNs); their origin is the organisation's party (metadata).
  Value rating(const FindingState& f) const {
    const auto facet = [](std::string_view facet_name, int value) {
      return Value::object()
          .set("name", Value::string(std::string(facet_name)))
          .set("system", Value::string(std::string(kPropNs)))
          .set("value", Value::string(std::to_string(value)))
          .set("remarks", Value::string("1 (lowest) to 5 (highest)"));
    };
    return Value::object()
        .set("origin",
             Value::object().set("actors",
                                 Value::array().push(Value::object()
                                                         .set("type", Value::string("party"))
                                                         .set("actor-uuid", id("party:program")))))
        .set(
            "facets",
            Value::array().push(facet("likelihood", f.likelihood)).push(facet("impact", f.impact)));
  }

  Value risk(const FindingState& f) const {
    const std::string criteria =
        f.criteria.empty() ? "none" : fmt::format("{}", fmt::join(f.criteria, ", "));
    Value props = Value::array()
                      .push(prop("finding-id", f.id))
                      .push(prop("severity", name(f.severity)))
                      .push(prop("finding-status", name(f.status)))
                      .push(prop("source", name(f.source)));
    if (is_acceptance_expired(f, context_.as_of)) props.push(prop("acceptance-expired", "true"));
    for (const std::string& c : f.criteria) props.push(prop("tsc-criterion", c));
    if (!f.control.empty()) props.push(prop("control", f.control));
    if (!f.origin.empty()) props.push(prop("assessment-origin", f.origin));
    if (f.risk_score() != 0) props.push(prop("risk-score", std::to_string(f.risk_score())));
    Value r =
        Value::object()
            .set("uuid", id("risk:" + f.id))
            .set("title", Value::string(f.title))
            .set("description", Value::string(f.description.empty() ? f.title : f.description))
            .set("statement",
                 Value::string(fmt::format("{} severity gap against the Trust Services Criteria "
                                           "{} (finding {}).",
                                           name(f.severity), criteria, f.id)))
            .set("props", std::move(props))
            .set("status", Value::string(std::string(oscal_risk_status(f, context_.as_of))));
    if (f.risk_score() != 0) r.set("characterizations", Value::array().push(rating(f)));
    const std::string deadline = deadline_of(f.due_date);
    if (!deadline.empty()) r.set("deadline", Value::string(deadline));
    r.set("remediations", Value::array().push(remediation(f, deadline)));
    return r;
  }

  Value remediation(const FindingState& f, const std::string& deadline) const {
    // An expired acceptance is a gap again: planned as a remediation, not as an acceptance.
    const bool accepted =
        f.risk_acceptance.has_value() && !is_acceptance_expired(f, context_.as_of);
    Value task =
        Value::object()
            .set("uuid", id("task:" + f.id))
            .set("type", Value::string("milestone"))
            .set("title",
                 Value::string(accepted ? fmt::format("Risk acceptance of {} expires", f.id)
                                        : fmt::format("{} remediated", f.id)));
    const std::string when = accepted ? deadline_of(f.risk_acceptance->expires_on) : deadline;
    if (!when.empty())
      task.set("timing",
               Value::object().set("on-date", Value::object().set("date", Value::string(when))));
    Value roles = Value::array();
    if (!f.owner.empty() && state_.user(f.owner)) {
      roles.push(Value::object()
                     .set("role-id", Value::string("finding-owner"))
                     .set("party-uuids", Value::array().push(party_id(f.owner))));
    }
    if (accepted && state_.user(f.risk_acceptance->approved_by)) {
      roles.push(
          Value::object()
              .set("role-id", Value::string("risk-approver"))
              .set("party-uuids", Value::array().push(party_id(f.risk_acceptance->approved_by))));
    }
    if (!roles.items().empty()) task.set("responsible-roles", std::move(roles));
    const bool done = f.status == FindingStatus::kClosed;
    return Value::object()
        .set("uuid", id("remediation:" + f.id))
        .set("lifecycle", Value::string(done ? "completed" : "planned"))
        .set("title", Value::string(accepted ? fmt::format("Accept the risk of {}", f.id)
                                             : fmt::format("Remediate {}", f.id)))
        .set("description",
             Value::string(accepted ? f.risk_acceptance->justification
                                    : fmt::format("Remediate finding {}: {}", f.id, f.title)))
        .set("props", Value::array().push(
                          Value::object()
                              .set("name", Value::string("type"))
                              .set("value", Value::string(accepted ? "accept" : "mitigate"))))
        .set("tasks", Value::array().push(std::move(task)));
  }

  Value item(const FindingState& f) const {
    Value props =
        Value::array().push(prop("finding-id", f.id)).push(prop("severity", name(f.severity)));
    if (!f.owner.empty()) props.push(prop("owner", f.owner));
    if (f.due_date) props.push(prop("due-date", format_date(*f.due_date)));
    return Value::object()
        .set("uuid", id("poam-item:" + f.id))
        .set("title", Value::string(f.title))
        .set("description", Value::string(f.description.empty() ? f.title : f.description))
        .set("props", std::move(props))
        .set("related-risks",
             Value::array().push(Value::object().set("risk-uuid", id("risk:" + f.id))));
  }

  const ProgramState& state_;
  const PoamContext& context_;
  const Uuid program_;
};

}  // namespace

std::string_view oscal_risk_status(FindingStatus status) {
  switch (status) {
    case FindingStatus::kOpen:
      return "open";
    case FindingStatus::kInProgress:
    case FindingStatus::kRemediated:
      return "remediating";
    case FindingStatus::kRiskAccepted:
      return "deviation-approved";
    case FindingStatus::kClosed:
      return "closed";
  }
  return "open";
}

std::string_view oscal_risk_status(const FindingState& f, Date d) {
  return is_acceptance_expired(f, d) ? "open" : oscal_risk_status(f.status);
}

json::Value poam_json(const ProgramState& state, const PoamContext& context) {
  return PoamBuilder(state, context).build();
}

}  // namespace gaplog
