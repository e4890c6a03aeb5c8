// Evidence: the streamed upload, the list, one item, its bytes, and its links to findings and
// controls.
#include <fmt/format.h>

#include <cctype>

#include "api/handlers.h"
#include "domain/validation.h"
#include "projections/queries.h"
#include "views/json_views.h"

namespace gaplog {

namespace {

// expiring_within: up to ten years ahead.
constexpr uint64_t kMaxExpiringWithinDays = 3650;

// RFC 8187 encoding of a file name for Content-Disposition's filename* parameter.
std::string rfc8187(std::string_view s) {
  std::string out = "UTF-8''";
  for (unsigned char c : s) {
    if (std::isalnum(c) ||
        std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class BlobBody final : public BodySource {
 public:
  explicit BlobBody(std::unique_ptr<BlobStore::Reader> reader) : reader_(std::move(reader)) {}
  Result<std::string> next(size_t max) override { return reader_->read(max); }

 private:
  std::unique_ptr<BlobStore::Reader> reader_;
};

// An evidence upload: the body streams into the blob store; the command runs when it is
// complete. Its answers, as every answer of the Api, go through answer().
class EvidenceUpload final : public UploadSink {
 public:
  EvidenceUpload(Backend& backend, std::string actor, UploadEvidence command,
                 CommandOptions options, std::unique_ptr<BlobStore::Upload> upload)
      : backend_(backend),
        actor_(std::move(actor)),
        command_(std::move(command)),
        options_(std::move(options)),
        upload_(std::move(upload)) {}

  Status write(std::string_view bytes) override { return upload_->append(bytes); }
  ApiResponse finish() override { return answer(record(), actor_); }
  ApiResponse fail(const Status& status) override { return answer(status, actor_); }

 private:
  Result<ApiResponse> record() {
    GAPLOG_ASSIGN_OR_RETURN(const auto blob, upload_->finish());
    command_.sha256 = blob.sha256;
    command_.size = blob.size;
    GAPLOG_ASSIGN_OR_RETURN(const CommandOutcome outcome,
                            backend_.commands.execute(actor_, command_, options_));
    return written(backend_, outcome, 201, actor_);
  }

  Backend& backend_;
  std::string actor_;
  UploadEvidence command_;
  CommandOptions options_;
  std::unique_ptr<BlobStore::Upload> upload_;
};

Result<ApiResponse> link_evidence(Call& call, bool link) {
  return write_command(
      call, link ? "evidence link" : "evidence unlink", 200,
      [&](json::ObjectReader& r) -> Result<Command> {
        GAPLOG_ASSIGN_OR_RETURN(auto finding, r.optional_string("finding"));
        GAPLOG_ASSIGN_OR_RETURN(auto control, r.optional_string("control"));
        GAPLOG_RETURN_IF_ERROR(r.finish());  // unknown fields are named before a missing one
        if (finding.has_value() == control.has_value()) {
          return invalid_argument("send exactly one of {\"finding\": id} or {\"control\": id}");
        }
        const std::string f = finding.value_or(""), c = control.value_or("");
        if (link) return Command(LinkEvidence{call.id(), f, c});
        return Command(UnlinkEvidence{call.id(), f, c});
      });
}

}  // namespace

Result<std::unique_ptr<UploadSink>> begin_evidence_upload(Call& call) {
  Backend& b = call.backend;
  const ApiRequest& head = call.request;
  if (!call.query.has("filename"))
    return invalid_argument("name the file: POST /api/v1/evidence?filename=report.pdf");
  if (auto length = head.header("Content-Length")) {
    GAPLOG_ASSIGN_OR_RETURN(const uint64_t n,
                            parse_count("Content-Length", *length, 0, UINT64_MAX));
    if (n > b.options.max_evidence_bytes) {
      return too_large(fmt::format("the file is {} bytes; evidence may be at most {} bytes", n,
                                   b.options.max_evidence_bytes));
    }
  }
  GAPLOG_ASSIGN_OR_RETURN(CommandOptions options, command_options(head));
  UploadEvidence command;
  command.filename = call.query.get("filename");
  command.finding = call.query.get("finding");
  command.control = call.query.get("control");
  command.collected_on = call.query.get("collected_on");
  command.valid_until = call.query.get("valid_until");
  command.media_type =
      std::string(head.header("Content-Type").value_or("application/octet-stream"));
  // Everything but the bytes is checked now, against the current state, so a refused upload
  // (an auditor, a contributor's link to someone else's finding, a bad date) stores nothing.
  // The command is decided again, for real, once the bytes are in.
  UploadEvidence probe = command;
  probe.sha256 = std::string(64, '0');
  const CommandContext ctx{normalize_email(call.actor), b.clock.now(), options.occurred_at};
  GAPLOG_RETURN_IF_ERROR(
      b.commands.read([&](const ProgramState& s) { return decide(s, ctx, probe).status(); }));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<BlobStore::Upload> upload, b.store.blobs->begin_upload());
  return std::unique_ptr<UploadSink>(
      new EvidenceUpload(b, call.actor, std::move(command), std::move(options), std::move(upload)));
}

Result<ApiResponse> list_evidence(Call& call) {
  GAPLOG_ASSIGN_OR_RETURN(const PageRequest page, call.query.page(ListId::kEvidence));
  EvidenceFilter filter;
  GAPLOG_ASSIGN_OR_RETURN(const std::optional<uint64_t> within,
                          call.query.count("expiring_within", 0, kMaxExpiringWithinDays));
  if (within) filter.expiring_within = static_cast<int32_t>(*within);
  GAPLOG_ASSIGN_OR_RETURN(filter.unlinked, call.query.boolean("unlinked"));
  for (const char* key : {"control", "finding"}) {
    const std::string* v = call.query.find(key);
    if (v == nullptr) continue;
    if (v->empty())
      return invalid_argument(fmt::format("{} is empty; give an id or leave it out", key));
    (std::string_view(key) == "control" ? filter.control : filter.finding) = *v;
  }
  return with_state(call, [&](const ProgramState& s, Date d) {
    return page_response(gaplog::list_evidence(s, d, filter, page),
                         [&](const EvidenceState& e) { return evidence_json(s, e, d); });
  });
}

Result<ApiResponse> get_evidence(Call& call) {
  return with_state(call, [&](const ProgramState& s, Date d) -> Result<ApiResponse> {
    const EvidenceState* e = s.evidence_item(call.id());
    if (!e) return not_found(fmt::format("there is no evidence {}", quoted_excerpt(call.id())));
    ApiResponse r = json_response(200, evidence_json(s, *e, d));
    r.headers.emplace_back("ETag", etag(e->version));
    return r;
  });
}

Result<ApiResponse> get_evidence_content(Call& call) {
  struct Meta {
    std::string sha256, filename, media_type;
  };
  GAPLOG_ASSIGN_OR_RETURN(
      const std::optional<Meta> meta,
      call.backend.commands.read([&](const ProgramState& s) -> std::optional<Meta> {
        const EvidenceState* e = s.evidence_item(call.id());
        if (!e) return std::nullopt;
        return Meta{e->sha256, e->filename, e->media_type};
      }));
  if (!meta) return not_found(fmt::format("there is no evidence {}", quoted_excerpt(call.id())));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<BlobStore::Reader> reader,
                          call.backend.store.blobs->open_blob(meta->sha256));
  ApiResponse r;
  r.stream_size = reader->size();
  r.stream = std::make_unique<BlobBody>(std::move(reader));
  // The media type was checked when uploaded (type/subtype and parameters, no control
  // characters), so it is safe in a header; the sandbox keeps a hostile file from running as a
  // page of this origin if a browser is told to open it.
  r.headers.emplace_back("Content-Type", meta->media_type);
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"; filename*={}",
                                     safe_download_name(meta->filename), rfc8187(meta->filename)));
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  r.headers.emplace_back("ETag", fmt::format("\"{}\"", meta->sha256));
  return r;
}

Result<ApiResponse> post_evidence_link(Call& call) { return link_evidence(call, true); }
Result<ApiResponse> post_evidence_unlink(Call& call) { return link_evidence(call, false); }

}  // namespace gaplog
