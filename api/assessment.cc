// The assessment behind the findings (SPEC §13): documents and their reviews, interviews, the
// control tests as origins, what nothing touched, the risk heat map and the audit date.
#include <fmt/format.h>

#include "api/handlers.h"
#include "domain/catalog.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

using json::Value;

namespace {

Status no_document(const std::string& id) {
  return not_found(fmt::format("there is no document {}; GET /api/v1/documents lists them",
                               std::string_view(id).substr(0, 40)));
}
Status no_interview(const std::string& id) {
  return not_found(fmt::format("there is no interview {}; GET /api/v1/interviews lists them",
                               std::string_view(id).substr(0, 40)));
}

// A nullable string field as the command's "" = none.
Result<std::string> text_or_none(json::ObjectReader& r, std::string_view field) {
  GAPLOG_ASSIGN_OR_RETURN(auto v, r.nullable_string(field));
  return v.value.value_or("");
}

// The control tests of the assessment, each with the findings it produced: latest first.
Value tests_json(const ProgramState& s, const FindingsByOrigin& origins) {
  struct Ref {
    const ControlState* control;
    size_t position;  // 1-based
  };
  std::vector<Ref> refs;
  for (const auto& [id, c] : s.controls) {
    for (size_t i = 0; i < c.tests.size(); ++i) refs.push_back({&c, i + 1});
  }
  std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    const ControlTest& ta = a.control->tests[a.position - 1];
    const ControlTest& tb = b.control->tests[b.position - 1];
    return ta.tested_on != tb.tested_on ? ta.tested_on > tb.tested_on : ta.seq > tb.seq;
  });
  Value tests = Value::array();
  for (const Ref& ref : refs) {
    const std::string name = control_test_ref(ref.control->id, ref.position);
    auto it = origins.find(name);
    Value t = control_test_json(ref.control->tests[ref.position - 1]);
    t.set("ref", Value::string(name))
        .set("control", Value::string(ref.control->id))
        .set("control_title", Value::string(ref.control->title))
        .set("findings",
             string_list(it == origins.end() ? std::vector<std::string>{} : it->second));
    tests.push(std::move(t));
  }
  return tests;
}

}  // namespace

Result<ApiResponse> post_document(Call& call) {
  return write_command(call, "document", 201, [](json::ObjectReader& r) -> Result<Command> {
    RecordDocument d;
    GAPLOG_ASSIGN_OR_RETURN(d.title, r.required_string("title"));
    GAPLOG_ASSIGN_OR_RETURN(d.kind, r.required_string("kind"));
    GAPLOG_ASSIGN_OR_RETURN(d.owner, text_or_none(r, "owner"));
    GAPLOG_ASSIGN_OR_RETURN(d.version, text_or_none(r, "version"));
    GAPLOG_ASSIGN_OR_RETURN(d.approved_on, text_or_none(r, "approved_on"));
    GAPLOG_ASSIGN_OR_RETURN(d.next_review_on, text_or_none(r, "next_review_on"));
    GAPLOG_ASSIGN_OR_RETURN(d.criteria, r.required_string_list("criteria"));
    return Command(std::move(d));
  });
}

Result<ApiResponse> list_documents(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kDocument));
  return with_state(call, [&](const ProgramState& s, Date d) {
    const FindingsByOrigin origins = findings_by_origin(s);
    return page_response(gaplog::list_documents(s, page),
                         [&](const DocumentState& doc) { return document_json(doc, d, origins); });
  });
}

Result<ApiResponse> get_document(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    const DocumentState* doc = s.document(call.id());
    if (doc == nullptr) return no_document(call.id());
    return json_response(200, document_json(*doc, d, findings_by_origin(s)));
  });
}

Result<ApiResponse> post_document_review(Call& call) {
  return write_command(call, "review", 201, [&](json::ObjectReader& r) -> Result<Command> {
    ReviewDocument c;
    c.id = call.id();
    GAPLOG_ASSIGN_OR_RETURN(c.outcome, r.required_string("outcome"));
    GAPLOG_ASSIGN_OR_RETURN(c.notes, text_or_none(r, "notes"));
    GAPLOG_ASSIGN_OR_RETURN(c.reviewed_on, text_or_none(r, "reviewed_on"));
    GAPLOG_ASSIGN_OR_RETURN(c.next_review_on, text_or_none(r, "next_review_on"));
    return Command(std::move(c));
  });
}

Result<ApiResponse> post_interview(Call& call) {
  return write_command(call, "interview", 201, [](json::ObjectReader& r) -> Result<Command> {
    RecordInterview i;
    GAPLOG_ASSIGN_OR_RETURN(i.stakeholder, r.required_string("stakeholder"));
    GAPLOG_ASSIGN_OR_RETURN(i.stakeholder_role, r.required_string("stakeholder_role"));
    GAPLOG_ASSIGN_OR_RETURN(i.held_on, r.required_string("held_on"));
    GAPLOG_ASSIGN_OR_RETURN(i.interviewers, r.required_string_list("interviewers"));
    GAPLOG_ASSIGN_OR_RETURN(i.criteria, r.required_string_list("criteria"));
    GAPLOG_ASSIGN_OR_RETURN(i.notes, text_or_none(r, "notes"));
    return Command(std::move(i));
  });
}

Result<ApiResponse> list_interviews(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kInterview));
  return with_state(call, [&](const ProgramState& s, Date) {
    const FindingsByOrigin origins = findings_by_origin(s);
    return page_response(gaplog::list_interviews(s, page),
                         [&](const InterviewState& i) { return interview_json(i, origins); });
  });
}

Result<ApiResponse> get_interview(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date) -> Result<ApiResponse> {
    const InterviewState* i = s.interview(call.id());
    if (i == nullptr) return no_interview(call.id());
    return json_response(200, interview_json(*i, findings_by_origin(s)));
  });
}

Result<ApiResponse> get_assessment(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    const FindingsByOrigin origins = findings_by_origin(s);
    std::vector<const DocumentState*> docs;
    for (const auto& [id, doc] : s.documents) docs.push_back(&doc);
    std::sort(docs.begin(), docs.end(),
              [](const auto* a, const auto* b) { return natural_less(a->id, b->id); });
    Value documents = Value::array();
    for (const DocumentState* doc : docs) documents.push(document_json(*doc, d, origins));
    std::vector<const InterviewState*> held;
    for (const auto& [id, i] : s.interviews) held.push_back(&i);
    std::sort(held.begin(), held.end(),
              [](const auto* a, const auto* b) { return natural_less(a->id, b->id); });
    Value interviews = Value::array();
    for (const InterviewState* i : held) interviews.push(interview_json(*i, origins));
    const std::vector<std::string> untouched = not_assessed_at(s);
    const Readiness r = readiness_at(s, d);
    return json_response(
        200, Value::object()
                 .set("as_of", Value::string(format_date(d)))
                 .set("documents", std::move(documents))
                 .set("interviews", std::move(interviews))
                 .set("tests", tests_json(s, origins))
                 .set("not_assessed", string_list(untouched))
                 .set("in_scope", Value::integer(r.overall.in_scope))
                 .set("assessed",
                      Value::integer(r.overall.in_scope - static_cast<int64_t>(untouched.size()))));
  });
}

Result<ApiResponse> get_heatmap(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const AsOf as_of, as_of_params(call));
  GAPLOG_ASSIGN_OR_RETURN(const HeatMap h, call.backend.history.heat_map(as_of));
  return json_response(200, heat_map_json(as_of.date, h));
}

Result<ApiResponse> put_audit(Call& call) {
  return write_command(call, "audit", 200, [](json::ObjectReader& r) -> Result<Command> {
    SetAuditTarget a;
    GAPLOG_ASSIGN_OR_RETURN(a.type, r.required_string("type"));
    GAPLOG_ASSIGN_OR_RETURN(a.date, text_or_none(r, "date"));
    GAPLOG_ASSIGN_OR_RETURN(a.window_start, text_or_none(r, "window_start"));
    GAPLOG_ASSIGN_OR_RETURN(a.window_end, text_or_none(r, "window_end"));
    return Command(std::move(a));
  });
}

}  // namespace gaplog
