// The audit bundle of SPEC §7: exported through the API, checked offline by check_audit_bundle,
// reproducible byte for byte, and every kind of tampering caught and named.
#include "export/audit_bundle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../store/store_test_support.h"
#include "api/served_program.h"
#include "app/demo.h"
#include "codec/json.h"
#include "codec/tar.h"
#include "domain/event_codec.h"
#include "store/merkle.h"
#include "views/json_views.h"

namespace gaplog {
namespace {

using json::Value;

constexpr const char* kAdmin = "admin@acme.example";
constexpr const char* kAuditor = "dana.fox@cpa.example";
constexpr const char* kEditor = "maya.chen@acme.example";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The members of a tar archive, in order, read whole.
std::vector<std::pair<std::string, std::string>> unpack(const std::string& archive_path) {
  std::ifstream in(archive_path, std::ios::binary);
  auto index = tar_index(in);
  EXPECT_TRUE(index.is_ok()) << index.status().to_string();
  std::vector<std::pair<std::string, std::string>> out;
  const std::string bytes = read_file(archive_path);
  for (const TarMember& m : *index) out.emplace_back(m.name, bytes.substr(m.offset, m.size));
  return out;
}

std::string pack(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  for (const auto& [name, content] : members) {
    out += *tar_header(name, content.size(), 1'700'000'000);
    out += content;
    out.append(tar_padding(content.size()), '\0');
  }
  return out + tar_end();
}

std::string& member(std::vector<std::pair<std::string, std::string>>& members,
                    const std::string& name) {
  for (auto& [n, content] : members) {
    if (n == name) return content;
  }
  ADD_FAILURE() << "no member " << name;
  static std::string none;
  return none;
}

// Where each event's message starts and ends in events.bin.
std::vector<std::pair<size_t, size_t>> frames(const std::string& events_bin) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t at = 0; at + 8 <= events_bin.size();) {
    uint32_t words = 0;
    for (int i = 3; i >= 0; --i)
      words = (words << 8) | static_cast<unsigned char>(events_bin[at + 4 + i]);
    out.emplace_back(at + 8, at + 8 + 8 * size_t{words});
    at += 8 + 8 * size_t{words};
  }
  return out;
}

bool mentions(const BundleCheck& check, const std::string& a, const std::string& b = "") {
  for (const std::string& p : check.problems) {
    if (p.find(a) != std::string::npos && p.find(b) != std::string::npos) return true;
  }
  return false;
}

// Changes the first hex digit of a JSON string field ("key":"<hex>...") of `json`.
void flip_first_hex_digit(std::string& json, const std::string& key) {
  const std::string opening = "\"" + key + "\":\"";
  const size_t found = json.find(opening);
  ASSERT_NE(found, std::string::npos) << key;
  char& digit = json[found + opening.size()];
  digit = digit == '0' ? '1' : '0';
}

std::string problems_of(const BundleCheck& check) {
  std::string out;
  for (const std::string& p : check.problems) out += "\n  " + p;
  return out;
}

class AuditBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_data_dir(*fs_, clock_, dir_.sub("data")).is_ok());
    auto p = ServedProgram::open(*fs_, clock_, dir_.sub("data"));
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    program_ = std::move(p).value();
    ASSERT_TRUE(program_->service().execute(kAdmin, AddUser{kAdmin, "Alex", "admin"}).is_ok());
    Status built = build_demo(program_->service(), *program_->store().blobs, kAdmin, clock_.now());
    ASSERT_TRUE(built.is_ok()) << built.to_string();
  }

  ApiResponse get(const std::string& as, const std::string& target) {
    return program_->api().handle_as(ApiRequest{"GET", target, {}, ""}, as);
  }

  // Exports the bundle as `as` into a file and returns its path.
  std::string export_bundle(const std::string& name, const std::string& query = "",
                            const std::string& as = kAuditor) {
    ApiResponse r = get(as, "/api/v1/export/audit-bundle" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.stream) << "the bundle is streamed, not built in memory";
    EXPECT_TRUE(r.body.empty());
    std::string bytes;
    while (r.stream) {
      auto piece = r.stream->next(100'000);
      EXPECT_TRUE(piece.is_ok()) << piece.status().to_string();
      if (!piece.is_ok() || piece->empty()) break;
      EXPECT_LE(piece->size(), 100'000u);
      bytes += *piece;
    }
    EXPECT_EQ(bytes.size(), r.stream_size);
    const std::string path = dir_.sub(name);
    write_file(path, bytes);
    return path;
  }

  BundleCheck check(const std::string& path, const BundleCheckOptions& options = {}) {
    auto c = check_audit_bundle(path, options);
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    return c.is_ok() ? *c : BundleCheck{};
  }

  // Writes the bundle with one member changed by `edit` and checks it.
  BundleCheck tampered(const std::string& original, const std::string& name,
                       const std::function<void(std::string&)>& edit) {
    auto members = unpack(original);
    edit(member(members, name));
    const std::string path = dir_.sub("tampered.tar");
    write_file(path, pack(members));
    return check(path);
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  ManualClock clock_{testing::kT0 + 200 * kMicrosPerDay};
  std::unique_ptr<ServedProgram> program_;
};

TEST_F(AuditBundleTest, ExportedBundleVerifies) {
  const std::string path = export_bundle("bundle.tar");
  const BundleCheck c = check(path);
  EXPECT_TRUE(c.ok()) << problems_of(c);
  EXPECT_EQ(c.tree_size, program_->log().last_seq());
  EXPECT_EQ(c.events_checked, c.tree_size);
  EXPECT_EQ(c.root_hash, hash_hex(*program_->log().root(c.tree_size)));
  EXPECT_EQ(c.as_of, format_date(date_of(clock_.now())));
  EXPECT_GT(c.evidence_files, 0u);
  EXPECT_EQ(c.key_sha256, *public_key_fingerprint(program_->store().signer->public_key_pem()));

  // The members of §7, in order, and one file per distinct evidence content.
  auto members = unpack(path);
  std::vector<std::string> names;
  for (const auto& [n, content] : members) names.push_back(n);
  const std::vector<std::string> first = {
      "VERIFY.md",      "events.capnp",           "public-key.pem", "tree-head.json",
      "readiness.json", "evidence/manifest.json", "events.bin",     "events.jsonl"};
  ASSERT_GE(names.size(), first.size());
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 8), first);
  EXPECT_EQ(names.size() - 8, c.evidence_files);

  // events.jsonl has one line per event with the log's own leaf hashes.
  std::istringstream lines(member(members, "events.jsonl"));
  uint64_t seq = 0;
  for (std::string line; std::getline(lines, line);) {
    ++seq;
    auto v = json::parse(line);
    ASSERT_TRUE(v.is_ok());
    EXPECT_EQ(v->find("seq")->as_integer(), static_cast<int64_t>(seq));
    EXPECT_EQ(v->find("leaf_hash")->as_string(), hash_hex(*program_->log().leaf_hash(seq)));
  }
  EXPECT_EQ(seq, c.tree_size);
  // readiness.json is the API's readiness for the same day.
  auto bundled = json::parse(member(members, "readiness.json"));
  ApiResponse api = get(kAuditor, "/api/v1/readiness");
  auto served = json::parse(api.body);
  ASSERT_TRUE(bundled.is_ok() && served.is_ok());
  EXPECT_EQ(json::write(*bundled->find("criteria")), json::write(*served->find("criteria")));
  EXPECT_EQ(json::write(*bundled->find("overall")), json::write(*served->find("overall")));
}

// SPEC §2: back-filled events (occurred_at more than 5 minutes before recorded_at) are shown as
// back-filled in every audit view, the bundle's readable events included.
TEST_F(AuditBundleTest, BackFilledEventsAreMarkedInTheBundle) {
  auto members = unpack(export_bundle("bundle.tar"));
  std::istringstream lines(member(members, "events.jsonl"));
  int backfilled = 0, on_time = 0;
  for (std::string line; std::getline(lines, line);) {
    auto v = json::parse(line);
    ASSERT_TRUE(v.is_ok()) << line;
    const Micros recorded = *parse_timestamp(v->find("recorded_at")->as_string());
    const Micros occurred = *parse_timestamp(v->find("occurred_at")->as_string());
    const bool late = recorded - occurred > 5 * 60 * kMicrosPerSecond;
    EXPECT_EQ(v->find("backfilled")->as_bool(), late) << line;
    (late ? backfilled : on_time) += 1;
  }
  EXPECT_GT(backfilled, 0) << "the demo back-fills six months of history";
  EXPECT_GT(on_time, 0);
}

TEST_F(AuditBundleTest, TwoExportsOfTheSameLogAreByteIdentical) {
  const std::string a = export_bundle("a.tar");
  clock_.advance(3 * kMicrosPerSecond);  // a later export signs nothing new: the head is reused
  const std::string b = export_bundle("b.tar");
  EXPECT_EQ(read_file(a), read_file(b));
}

// SPEC §7: a bundle holds the whole log up to the current tree head, whatever its date; the date
// only chooses the day of readiness.json (SPEC §5 "as of"). The demo is a back-filled program:
// six months of history, every event recorded now with its occurred_at in the past. Its bundle
// as of a past day used to hold the events recorded by then (none) and a readiness of 0 criteria
// while every other view of that day showed the findings, and it verified.
TEST_F(AuditBundleTest, APastDateOfABackFilledProgramHoldsEveryEventAndThatDaysReadiness) {
  const std::string day = format_date(Date{date_of(clock_.now()).days - 60});
  const std::string path = export_bundle("past.tar", "?as_of=" + day);
  const BundleCheck c = check(path);
  EXPECT_TRUE(c.ok()) << problems_of(c);
  EXPECT_EQ(c.as_of, day);
  EXPECT_EQ(c.tree_size, program_->log().last_seq());
  EXPECT_EQ(c.events_checked, program_->log().last_seq());
  EXPECT_GT(c.evidence_files, 0u);

  // readiness.json is the API's readiness as of that day, byte for byte (the same events, the
  // same tree size), and it counts the findings that day shows.
  auto members = unpack(path);
  ApiResponse served = get(kAuditor, "/api/v1/readiness?as_of=" + day);
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_EQ(member(members, "readiness.json"), served.body + "\n");
  auto findings = json::parse(get(kAuditor, "/api/v1/findings?as_of=" + day).body);
  ASSERT_TRUE(findings.is_ok());
  EXPECT_FALSE(findings->find("items")->items().empty())
      << "the demo's gap assessment is months old";
  auto readiness = json::parse(member(members, "readiness.json"));
  ASSERT_TRUE(readiness.is_ok());
  EXPECT_GT(readiness->find("overall")->find("in_scope")->as_integer(), 0)
      << member(members, "readiness.json");
  // That day's readiness is not today's: the events that occurred since are left out of it.
  auto today_members = unpack(export_bundle("today.tar"));
  auto today = json::parse(member(today_members, "readiness.json"));
  ASSERT_TRUE(today.is_ok());
  EXPECT_NE(json::write(*readiness->find("criteria")), json::write(*today->find("criteria")));
}

TEST_F(AuditBundleTest, ReadinessFoldedFromEveryEventInsteadOfThoseOfItsDayIsCaught) {
  const std::string day = format_date(Date{date_of(clock_.now()).days - 60});
  const std::string today = export_bundle("today.tar");
  auto today_members = unpack(today);
  const std::string all_events = member(today_members, "readiness.json");
  const BundleCheck c =
      tampered(export_bundle("past.tar", "?as_of=" + day), "readiness.json", [&](std::string& r) {
        // Today's readiness, dated that day: what the events would give if none were left out.
        auto v = json::parse(all_events);
        ASSERT_TRUE(v.is_ok());
        v->set("as_of", Value::string(day));
        r = json::write(*v) + "\n";
      });
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(mentions(c, "readiness.json", "but the events give")) << problems_of(c);
}

TEST_F(AuditBundleTest, APastDateStaysReproducibleUntilTheLogGrows) {
  const std::string day = format_date(Date{date_of(clock_.now()).days - 30});
  const std::string a = export_bundle("past-a.tar", "?as_of=" + day);
  clock_.advance(kMicrosPerDay);
  EXPECT_EQ(read_file(a), read_file(export_bundle("past-b.tar", "?as_of=" + day)));

  // An event recorded later is in every later bundle, whatever its date: the log only grew.
  ASSERT_TRUE(
      program_->service()
          .execute(kEditor,
                   RecordFinding{
                       "Backups never restored in a test", "", "high", {"A1.2"}, "", "", "", ""})
          .is_ok());
  BundleCheckOptions since;
  auto a_members = unpack(a);
  since.earlier_tree_head_json = member(a_members, "tree-head.json");
  const BundleCheck c = check(export_bundle("past-c.tar", "?as_of=" + day), since);
  EXPECT_TRUE(c.ok()) << problems_of(c);
  EXPECT_EQ(c.tree_size, program_->log().last_seq());
  EXPECT_EQ(c.tree_size, check(a).tree_size + 1);
  EXPECT_EQ(c.as_of, day);
}

TEST_F(AuditBundleTest, RefusesOtherRolesAndBadDates) {
  EXPECT_EQ(get(kEditor, "/api/v1/export/audit-bundle").status, 403);
  EXPECT_EQ(get("sofia.garcia@acme.example", "/api/v1/export/audit-bundle").status, 403);
  EXPECT_EQ(get(kAdmin, "/api/v1/export/audit-bundle").status, 200);
  const std::string tomorrow = format_date(Date{date_of(clock_.now()).days + 1});
  ApiResponse future = get(kAuditor, "/api/v1/export/audit-bundle?as_of=" + tomorrow);
  EXPECT_EQ(future.status, 400) << future.body;
  EXPECT_NE(future.body.find("after today"), std::string::npos) << future.body;
  EXPECT_EQ(get(kAuditor, "/api/v1/export/audit-bundle?as_of=2026-02-30").status, 400);
  EXPECT_EQ(get(kAuditor, "/api/v1/export/audit-bundle?since=1").status, 400);
}

TEST_F(AuditBundleTest, ATamperedEventIsCaughtAndNamed) {
  const std::string path = export_bundle("bundle.tar");
  // Change one character of text inside event 10 (the actor's e-mail), keeping it decodable.
  const BundleCheck c = tampered(path, "events.bin", [](std::string& bin) {
    auto [begin, end] = frames(bin)[9];
    const size_t at = bin.find("acme.example", begin);
    ASSERT_LT(at, end);
    bin[at] = 'x';
  });
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(mentions(c, "event seq 10", "events.jsonl")) << problems_of(c);
  EXPECT_TRUE(mentions(c, "Merkle root")) << problems_of(c);
}

TEST_F(AuditBundleTest, AnEventRewrittenInBothFilesIsCaughtByTheRoot) {
  const std::string path = export_bundle("bundle.tar");
  auto members = unpack(path);
  std::string& bin = member(members, "events.bin");
  auto [begin, end] = frames(bin)[9];
  const size_t at = bin.find("acme.example", begin);
  ASSERT_LT(at, end);
  bin[at] = 'x';
  // Rewrite events.jsonl to match, as a careful forger would.
  std::string& jsonl = member(members, "events.jsonl");
  size_t line_start = 0;
  for (int i = 0; i < 9; ++i) line_start = jsonl.find('\n', line_start) + 1;
  const size_t line_end = jsonl.find('\n', line_start);
  auto event = decode_event(bin.substr(begin, end - begin));
  ASSERT_TRUE(event.is_ok());
  jsonl.replace(line_start, line_end - line_start,
                json::write(event_json(*event, merkle_leaf_hash(bin.substr(begin, end - begin)))));
  write_file(dir_.sub("forged.tar"), pack(members));
  const BundleCheck c = check(dir_.sub("forged.tar"));
  ASSERT_EQ(c.problems.size(), 1u) << problems_of(c);
  EXPECT_TRUE(mentions(c, "events.bin", "the Merkle root")) << problems_of(c);
}

TEST_F(AuditBundleTest, ARemovedEventIsCaught) {
  const std::string path = export_bundle("bundle.tar");
  auto members = unpack(path);
  std::string& bin = member(members, "events.bin");
  auto f = frames(bin);
  bin.erase(f[4].first - 8, f[4].second - f[4].first + 8);  // event seq 5
  const BundleCheck c = [&] {
    write_file(dir_.sub("removed.tar"), pack(members));
    return check(dir_.sub("removed.tar"));
  }();
  EXPECT_TRUE(mentions(c, "message 5 says it is seq 6")) << problems_of(c);
}

TEST_F(AuditBundleTest, ATamperedEvidenceFileIsCaughtAndNamed) {
  const std::string path = export_bundle("bundle.tar");
  std::string evidence;
  for (const auto& [name, content] : unpack(path)) {
    if (name.starts_with("evidence/") && name != "evidence/manifest.json") evidence = name;
  }
  ASSERT_FALSE(evidence.empty());
  const BundleCheck c =
      tampered(path, evidence, [](std::string& bytes) { bytes[bytes.size() / 2] ^= 1; });
  EXPECT_TRUE(mentions(c, evidence, "the file was changed")) << problems_of(c);
  EXPECT_EQ(c.problems.size(), 1u) << problems_of(c);
}

TEST_F(AuditBundleTest, AMissingEvidenceFileAndAnEditedManifestAreCaught) {
  const std::string path = export_bundle("bundle.tar");
  auto members = unpack(path);
  std::string removed;
  for (auto it = members.begin(); it != members.end(); ++it) {
    if (it->first.starts_with("evidence/") && it->first != "evidence/manifest.json") {
      removed = it->first;
      members.erase(it);
      break;
    }
  }
  write_file(dir_.sub("missing.tar"), pack(members));
  EXPECT_TRUE(mentions(check(dir_.sub("missing.tar")), removed, "missing")) << removed;

  const BundleCheck c = tampered(path, "evidence/manifest.json", [](std::string& manifest) {
    const size_t at = manifest.find("\"filename\":\"");
    ASSERT_NE(at, std::string::npos);
    manifest.insert(at + 12, "renamed-");
  });
  EXPECT_TRUE(mentions(c, "evidence/manifest.json", ".filename")) << problems_of(c);
}

TEST_F(AuditBundleTest, ATamperedSignatureIsCaught) {
  const std::string path = export_bundle("bundle.tar");
  const BundleCheck c = tampered(
      path, "tree-head.json", [](std::string& head) { flip_first_hex_digit(head, "signature"); });
  ASSERT_EQ(c.problems.size(), 1u) << problems_of(c);
  EXPECT_TRUE(mentions(c, "tree-head.json", "signature does not verify")) << problems_of(c);
}

TEST_F(AuditBundleTest, ATamperedTreeHeadIsCaught) {
  const std::string path = export_bundle("bundle.tar");
  const BundleCheck c = tampered(
      path, "tree-head.json", [](std::string& head) { flip_first_hex_digit(head, "root_hash"); });
  EXPECT_TRUE(mentions(c, "tree-head.json", "signature does not verify")) << problems_of(c);
  EXPECT_TRUE(mentions(c, "the signed root")) << problems_of(c);

  // A head re-signed with another key is caught by the key the auditor holds.
  auto other = testing::TempDir();
  ASSERT_TRUE(TreeHeadSigner::generate(*fs_, other.sub("key"), other.sub("key.pub")).is_ok());
  BundleCheckOptions pinned;
  pinned.expected_public_key_pem = read_file(other.sub("key.pub"));
  EXPECT_TRUE(mentions(check(path, pinned), "public-key.pem", "not the key you gave"));
  pinned.expected_public_key_pem = program_->store().signer->public_key_pem();
  EXPECT_TRUE(check(path, pinned).ok());
}

TEST_F(AuditBundleTest, ATamperedReadinessFileIsCaughtAndNamed) {
  const std::string path = export_bundle("bundle.tar");
  const BundleCheck c = tampered(path, "readiness.json", [](std::string& readiness) {
    const size_t at = readiness.find("\"status\":\"gap\"");
    ASSERT_NE(at, std::string::npos);
    readiness.replace(at, 14, "\"status\":\"ready\"");
  });
  ASSERT_EQ(c.problems.size(), 1u) << problems_of(c);
  EXPECT_TRUE(mentions(c, "readiness.json", "criteria[")) << problems_of(c);
  EXPECT_TRUE(mentions(c, "\"ready\" but the events give \"gap\"")) << problems_of(c);
}

TEST_F(AuditBundleTest, ALaterBundleProvesTheLogOnlyGrewSinceAnEarlierHead) {
  const std::string first = export_bundle("first.tar");
  auto first_members = unpack(first);
  const std::string day_one = member(first_members, "tree-head.json");
  clock_.advance(kMicrosPerDay);
  ASSERT_TRUE(
      program_->service()
          .execute(kEditor, RecordFinding{"No DR plan", "", "medium", {"A1.3"}, "", "", "", ""})
          .is_ok());
  const std::string later = export_bundle("later.tar");
  BundleCheckOptions since;
  since.earlier_tree_head_json = day_one;
  const BundleCheck good = check(later, since);
  EXPECT_TRUE(good.ok()) << problems_of(good);
  EXPECT_GT(good.tree_size, check(first).tree_size);

  // A head that the later log does not extend (another root at that size) is refused.
  auto forged = json::parse(day_one);
  ASSERT_TRUE(forged.is_ok());
  forged->set("root_hash", Value::string(hash_hex(merkle_empty_root())));
  since.earlier_tree_head_json = json::write(*forged);
  const BundleCheck bad = check(later, since);
  EXPECT_TRUE(mentions(bad, "do not have the earlier tree head's root")) << problems_of(bad);
}

TEST_F(AuditBundleTest, ANonBundleIsAnErrorNotACrash) {
  write_file(dir_.sub("garbage.tar"), std::string(3000, 'x'));
  EXPECT_FALSE(check_audit_bundle(dir_.sub("garbage.tar")).is_ok());
  write_file(dir_.sub("empty.tar"), pack({}));
  const BundleCheck c = check(dir_.sub("empty.tar"));
  EXPECT_TRUE(mentions(c, "events.bin", "missing")) << problems_of(c);
  EXPECT_EQ(check_audit_bundle(dir_.sub("absent.tar")).status().code(), Code::kIoError);
}

}  // namespace
}  // namespace gaplog

namespace gaplog {
namespace {

// `bundle verify` renders events.jsonl and the evidence manifest again and compares them byte
// for byte, so what a bundle made before issue 20 holds must render as it did: a control
// without owner or cadence, and evidence, keep the JSON they had (found by review: the new
// fields made every older bundle fail to verify).
TEST(AuditBundleJson, ControlsWithoutOwnerOrCadenceAndTheManifestRenderAsBeforeIssue20) {
  EXPECT_EQ(json::write(payload_json(
                ControlDefined{"AC-01", "MFA", "", {"CC6.1"}, ControlStatus::kImplemented})),
            R"({"control_id":"AC-01","title":"MFA","description":"","criteria":["CC6.1"],)"
            R"("status":"implemented"})");
  EXPECT_EQ(json::write(payload_json(ControlUpdated{"AC-01", "MFA", "x", {"CC6.1"}})),
            R"({"control_id":"AC-01","title":"MFA","description":"x","criteria":["CC6.1"]})");
  EXPECT_EQ(json::write(payload_json(ControlUpdated{
                "AC-01", "MFA", "x", {"CC6.1"}, "a@example.com", EvidenceCadence::kMonthly})),
            R"({"control_id":"AC-01","title":"MFA","description":"x","criteria":["CC6.1"],)"
            R"("owner":"a@example.com","evidence_every":"monthly"})");
  ProgramState s;
  EvidenceState e;
  e.id = "E-1";
  e.filename = "a.pdf";
  e.sha256 = std::string(64, 'a');
  e.controls = {"AC-01"};
  s.evidence["E-1"] = e;
  const std::string manifest = json::write(evidence_json(s, e, Date{20000}, false));
  EXPECT_EQ(manifest.find("expires_on"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("validity"), std::string::npos) << manifest;
  EXPECT_NE(json::write(evidence_json(s, e, Date{20000})).find("expires_on"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
