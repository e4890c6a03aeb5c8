#include "domain/event_codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "domain/event.h"
#include "domain/events.capnp.h"

namespace gaplog {
namespace {

using namespace std::string_literals;

// ---- Sample events --------------------------------------------------------------------------

Uuid uuid_from(uint8_t first) {
  Uuid id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(first + 17 * i);
  return id;
}

Event envelope(uint64_t seq, std::string stream, Payload payload) {
  Event e;
  e.seq = seq;
  e.stream = std::move(stream);
  e.version = static_cast<uint32_t>(seq % 7 + 1);
  e.id = uuid_from(static_cast<uint8_t>(seq));
  e.recorded_at = 1'774'000'000'000'000 + static_cast<Micros>(seq) * 1'000'003;
  e.occurred_at = e.recorded_at - static_cast<Micros>(seq) * 60'000'000;
  e.actor = "ann.o'neil+gaplog@example.com";
  e.payload = std::move(payload);
  return e;
}

// One event per payload type, with values that exercise the encoding: unicode, empty
// optional strings, several criteria, embedded newlines and NULs, extreme integers.
std::vector<Event> sample_events() {
  std::vector<Event> events;
  uint64_t seq = 0;
  auto add = [&](std::string stream, Payload payload) {
    events.push_back(envelope(++seq, std::move(stream), std::move(payload)));
  };
  add("program", ProgramNamed{"Acme Büro GmbH — SOC 2 🚀"});
  add("program",
      ScopeSet{{Category::kSecurity, Category::kAvailability, Category::kProcessingIntegrity,
                Category::kConfidentiality, Category::kPrivacy}});
  add("user/zoë@example.com", UserAdded{"zoë@example.com", "Zoë Ångström", Role::kContributor});
  add("user/bob@example.com", UserRoleChanged{"bob@example.com", Role::kAuditor, Role::kEditor});
  add("user/bob@example.com", UserDeactivated{"bob@example.com", ""});
  add("user/ann@example.com",
      TokenIssued{"tok_7Hq2", "ann@example.com", "\x00\xff\x10\x80 hash"s, "2027-03-31"});
  add("user/ann@example.com", TokenRevoked{"tok_7Hq2", "ann@example.com"});
  add("control/AC-01", ControlDefined{"AC-01",
                                      "MFA on all production access",
                                      "Hardware keys for admins;\nTOTP for everyone else.",
                                      {"CC6.1", "CC6.2", "CC6.3"},
                                      ControlStatus::kPartiallyImplemented});
  add("control/AC-01", ControlUpdated{"AC-01", "MFA überall", "", {"CC6.1"}});
  add("control/AC-01", ControlStatusSet{"AC-01", ControlStatus::kImplemented,
                                        ControlStatus::kNotImplemented, "rolled out 2026-03-01"});
  add("finding/F-1", FindingRecorded{"F-1",
                                     "No access reviews",
                                     "访问权限没有定期审查。",
                                     Severity::kCritical,
                                     {"CC6.2", "CC6.3", "CC1.1"},
                                     "AC-01",
                                     FindingSource::kInterview,
                                     "ann@example.com",
                                     "2026-06-30"});
  add("finding/F-1",
      FindingUpdated{"F-1", "No quarterly access reviews", "", Severity::kMedium, {"CC6.2"}, ""});
  add("finding/F-1", FindingAssigned{"F-1", "zoë@example.com", ""});
  add("finding/F-1", FindingDueDateSet{"F-1", "2024-02-29", "", "auditor asked for it earlier"});
  add("finding/F-1", FindingStatusChanged{"F-1", FindingStatus::kInProgress,
                                          FindingStatus::kRemediated, "see E-1"});
  add("finding/F-2", RiskAccepted{"F-2", "Compensating control: \"break-glass\" log review",
                                  "2027-01-31", FindingStatus::kOpen});
  add("finding/F-1", CommentAdded{"F-1", "with a NUL \0 inside, and emoji 🧾"s});
  add("evidence/E-1",
      EvidenceUploaded{"E-1", "access review Q1 (final).pdf", "application/pdf",
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                       std::numeric_limits<uint64_t>::max(), "2026-03-31", ""});
  add("evidence/E-1", EvidenceLinked{"E-1", "F-1", ""});
  add("user/ann@example.com",
      UserSignedIn{"ann@example.com", "00u1a2b3c4", "https://acme.okta.com/oauth2/default"});
  add("user/ann@example.com", UserSignedOut{"ann@example.com"});
  add("notifications",
      NotificationSent{"due_soon", "ann@example.com", "F-1", "2026-12-07", "id@gaplog"});
  add("notifications",
      NotificationSent{"weekly_digest", "webhook:wh_0123456789abcdef", "", "2026-12-07", "msg_2"});
  add("user/ann@example.com", UserNotificationsSet{"ann@example.com", false, true});
  add("webhook/wh_0123456789abcdef",
      WebhookAdded{"wh_0123456789abcdef", "https://hooks.example/gaplog", {"overdue", "due_soon"}});
  add("webhook/wh_0123456789abcdef", WebhookRemoved{"wh_0123456789abcdef"});
  add("control/AC-01",
      ControlUpdated{
          "AC-01", "MFA", "", {"CC6.1"}, "zoë@example.com", EvidenceCadence::kQuarterly});
  add("control/AC-01", ControlTested{"AC-01",
                                     TestKind::kOperating,
                                     "2026-11-30",
                                     TestResult::kFail,
                                     "2 of 25 samples without approval",
                                     {"E-1", "E-2"}});
  add("evidence/E-1", EvidenceUnlinked{"E-1", "", "AC-01"});
  add("document/D-1", DocumentRecorded{"D-1",
                                       "Información de seguridad",
                                       DocumentKind::kPolicy,
                                       "zoë@example.com",
                                       "2.1",
                                       "2026-01-10",
                                       "2027-01-10",
                                       {"CC1.1", "CC2.1"}});
  add("document/D-1", DocumentReviewed{"D-1", ReviewOutcome::kNotApproved, "2026-02-01",
                                       "unsigned; see \"approvals\"", "2026-06-30"});
  add("interview/I-1", InterviewRecorded{"I-1",
                                         "Dana Reyes",
                                         "VP Engineering",
                                         "2026-02-03",
                                         {"cara@example.com", "zoë@example.com"},
                                         {"CC1.3"},
                                         "on-call runbook is tribal knowledge"});
  add("program", AuditTargetSet{AuditType::kType2, "", "2027-01-01", "2027-06-30"});
  add("finding/F-3", FindingRecorded{"F-3",
                                     "Policy unsigned",
                                     "",
                                     Severity::kHigh,
                                     {"CC1.1"},
                                     "",
                                     FindingSource::kDocumentReview,
                                     "",
                                     "",
                                     "",
                                     4,
                                     5,
                                     "D-1"});
  add("finding/F-3",
      FindingUpdated{
          "F-3", "Policy unsigned", "", Severity::kHigh, {"CC1.1"}, "", "", 2, 3, "AC-01#test-12"});
  events.back().seq = std::numeric_limits<uint64_t>::max();
  events.back().version = std::numeric_limits<uint32_t>::max();
  events.back().occurred_at = -86'400'000'001;  // before 1970
  return events;
}

TEST(EventCodec, SamplesCoverEveryPayloadType) {
  std::set<size_t> alternatives;
  for (const Event& e : sample_events()) alternatives.insert(e.payload.index());
  EXPECT_EQ(alternatives.size(), std::variant_size_v<Payload>);
}

// ---- Round trips ----------------------------------------------------------------------------

TEST(EventCodec, EveryPayloadTypeRoundTrips) {
  for (const Event& event : sample_events()) {
    SCOPED_TRACE(event_type_name(event.payload));
    const std::string bytes = encode_event(event);
    EXPECT_EQ(bytes.size() % 8, 0u);
    Result<Event> decoded = decode_event(bytes);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event);
    EXPECT_EQ(encode_event(*decoded), bytes) << "re-encoding must give the same canonical bytes";
  }
}

TEST(EventCodec, EncodingIsDeterministic) {
  for (const Event& event : sample_events()) {
    const Event copy = event;
    EXPECT_EQ(encode_event(event), encode_event(copy));
    EXPECT_EQ(encode_event(event), encode_event(event));
  }
}

TEST(EventCodec, DifferentEventsEncodeDifferently) {
  std::set<std::string> encodings;
  const std::vector<Event> samples = sample_events();
  for (const Event& event : samples) encodings.insert(encode_event(event));
  EXPECT_EQ(encodings.size(), samples.size());
}

TEST(EventCodec, DefaultEventRoundTrips) {
  const Event event;
  Result<Event> decoded = decode_event(encode_event(event));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, event);
}

TEST(EventCodec, EmptyListsAndStringsRoundTrip) {
  for (Payload payload : {Payload(ScopeSet{}), Payload(ControlUpdated{}), Payload(FindingUpdated{}),
                          Payload(TokenIssued{})}) {
    const Event event = envelope(9, "", std::move(payload));
    Result<Event> decoded = decode_event(encode_event(event));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event);
  }
}

// Within the traversal limit the decoder derives from the size, whatever the shape.
TEST(EventCodec, LargeEventsRoundTrip) {
  ControlDefined control{"AC-99", std::string(200, 'T'), std::string(100'000, 'd'), {}, {}};
  for (int i = 0; i < 1000; ++i)
    control.criteria.push_back(i % 3 == 0 ? "" : "CC" + std::to_string(i));
  ScopeSet scope;
  for (int i = 0; i < 10'000; ++i) scope.categories.push_back(static_cast<Category>(i % 5));
  for (Payload payload : {Payload(control), Payload(scope)}) {
    const Event event = envelope(5, "control/AC-99", std::move(payload));
    Result<Event> decoded = decode_event(encode_event(event));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event);
  }
}

// Every value of every enum survives encoding (the wire enums mirror the C++ ones in order).
TEST(EventCodec, EveryEnumValueRoundTrips) {
  std::vector<Event> events;
  for (int c = 0; c <= static_cast<int>(Category::kPrivacy); ++c) {
    events.push_back(envelope(1, "program", ScopeSet{{static_cast<Category>(c)}}));
  }
  for (int r = 0; r <= static_cast<int>(Role::kAuditor); ++r) {
    const auto role = static_cast<Role>(r);
    events.push_back(envelope(2, "user/a@b.c", UserAdded{"a@b.c", "A", role}));
    events.push_back(envelope(3, "user/a@b.c", UserRoleChanged{"a@b.c", role, role}));
  }
  for (int s = 0; s <= static_cast<int>(ControlStatus::kImplemented); ++s) {
    const auto status = static_cast<ControlStatus>(s);
    events.push_back(envelope(4, "control/X", ControlStatusSet{"X", status, status, ""}));
    events.push_back(envelope(5, "control/X", ControlDefined{"X", "t", "d", {"CC1.1"}, status}));
  }
  for (int s = 0; s <= static_cast<int>(FindingStatus::kRiskAccepted); ++s) {
    const auto status = static_cast<FindingStatus>(s);
    events.push_back(envelope(6, "finding/F-1", FindingStatusChanged{"F-1", status, status, ""}));
    events.push_back(envelope(7, "finding/F-1", RiskAccepted{"F-1", "j", "2026-01-01", status}));
  }
  for (int s = 0; s <= static_cast<int>(Severity::kLow); ++s) {
    for (int src = 0; src <= static_cast<int>(FindingSource::kOther); ++src) {
      events.push_back(envelope(8, "finding/F-1",
                                FindingRecorded{"F-1",
                                                "t",
                                                "d",
                                                static_cast<Severity>(s),
                                                {"CC1.1"},
                                                "",
                                                static_cast<FindingSource>(src),
                                                "",
                                                ""}));
    }
    events.push_back(
        envelope(9, "finding/F-1",
                 FindingUpdated{"F-1", "t", "d", static_cast<Severity>(s), {"CC1.1"}, ""}));
  }
  for (const Event& event : events) {
    Result<Event> decoded = decode_event(encode_event(event));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, event) << event_type_name(event.payload);
  }
}

TEST(EventCodec, DecodesFromMisalignedBuffers) {
  std::vector<Event> events = sample_events();
  // Larger than the decoder's on-stack copy, to take the heap path too.
  events.push_back(envelope(99, "finding/F-9", CommentAdded{"F-9", std::string(20'000, 'x')}));
  for (const Event& event : events) {
    const std::string bytes = encode_event(event);
    for (size_t offset = 0; offset < 8; ++offset) {
      std::string buffer(offset, '#');
      buffer += bytes;
      const std::string_view shifted = std::string_view(buffer).substr(offset);
      Result<Event> decoded = decode_event(shifted);
      ASSERT_TRUE(decoded.is_ok()) << "offset " << offset << ": " << decoded.status().to_string();
      EXPECT_EQ(*decoded, event);
      Result<Event> envelope_only = decode_envelope(shifted);
      ASSERT_TRUE(envelope_only.is_ok()) << envelope_only.status().to_string();
      EXPECT_EQ(envelope_only->seq, event.seq);
    }
  }
}

TEST(EventCodec, DecodeEnvelopeReadsOnlyTheEnvelope) {
  for (const Event& event : sample_events()) {
    Result<Event> decoded = decode_envelope(encode_event(event));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    Event expected = event;
    expected.payload = Payload();
    EXPECT_EQ(*decoded, expected);
  }
}

// ---- Bad input ------------------------------------------------------------------------------

// Corruption messages quote what Cap'n Proto found, which can be any bytes: they must stay
// short and printable so that they can go into logs and JSON unchanged.
void expect_printable_message(const Status& status) {
  const std::string& message = status.message();
  EXPECT_FALSE(message.empty());
  EXPECT_LE(message.size(), 300u) << message;
  for (char c : message) ASSERT_TRUE(c >= 0x20 && c < 0x7f) << message;
}

void expect_corruption(std::string_view bytes, std::string_view why) {
  Result<Event> decoded = decode_event(bytes);
  ASSERT_FALSE(decoded.is_ok()) << why;
  EXPECT_EQ(decoded.status().code(), Code::kCorruption) << why;
  expect_printable_message(decoded.status());
}

TEST(EventCodec, RejectsLengthsThatAreNotWholeWords) {
  const std::string bytes = encode_event(sample_events()[3]);
  expect_corruption("", "empty");
  expect_corruption(bytes.substr(0, bytes.size() - 1), "one byte short");
  expect_corruption(bytes + "x", "one byte extra");
  expect_corruption(std::string(7, '\0'), "seven zero bytes");
  EXPECT_EQ(decode_envelope("").status().code(), Code::kCorruption);
  EXPECT_EQ(decode_envelope(bytes + "x").status().code(), Code::kCorruption);
}

TEST(EventCodec, RejectsEveryProperPrefix) {
  for (const Event& event : sample_events()) {
    const std::string bytes = encode_event(event);
    for (size_t n = 0; n < bytes.size(); ++n) {
      expect_corruption(std::string_view(bytes).substr(0, n), "prefix of " + std::to_string(n));
      // The envelope peek may succeed on a prefix that still holds the envelope; it must
      // only never crash and report corruption otherwise.
      Result<Event> peek = decode_envelope(std::string_view(bytes).substr(0, n));
      if (!peek.is_ok()) {
        EXPECT_EQ(peek.status().code(), Code::kCorruption);
      }
    }
  }
}

TEST(EventCodec, RejectsTrailingWords) {
  const std::string bytes = encode_event(sample_events()[10]);
  expect_corruption(bytes + std::string(8, '\0'), "a trailing zero word is not canonical");
  expect_corruption(bytes + bytes, "two messages back to back");
}

TEST(EventCodec, RandomBytesNeverCrash) {
  std::mt19937_64 random(20260331);
  for (int i = 0; i < 5000; ++i) {
    // Mostly whole words, so that the input gets past the length check into the reader.
    size_t size = random() % 40 * 8;
    if (i % 10 == 0) size += random() % 8;
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    for (auto decode : {&decode_event, &decode_envelope}) {
      Result<Event> decoded = decode(bytes);
      if (!decoded.is_ok()) {
        EXPECT_EQ(decoded.status().code(), Code::kCorruption);
      }
    }
  }
}

TEST(EventCodec, CorruptedEncodingsNeverCrash) {
  std::mt19937_64 random(7);
  const std::vector<Event> events = sample_events();
  for (int i = 0; i < 5000; ++i) {
    std::string bytes = encode_event(events[i % events.size()]);
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[random() % bytes.size()] ^= static_cast<char>(1 + random() % 255);
    }
    for (auto decode : {&decode_event, &decode_envelope}) {
      Result<Event> decoded = decode(bytes);
      if (!decoded.is_ok()) {
        EXPECT_EQ(decoded.status().code(), Code::kCorruption);
        expect_printable_message(decoded.status());
      }
    }
  }
}

// Hand-built messages: what a buggy or hostile writer could store.

std::string bytes_of(kj::ArrayPtr<const capnp::word> words) {
  const auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string canonical_bytes(capnp::MessageBuilder& message) {
  return bytes_of(capnp::canonicalize(message.getRoot<schema::Event>().asReader()));
}

void set_valid_envelope(schema::Event::Builder root) {
  root.setSeq(1);
  root.setStream("program");
  root.setVersion(1);
  const Uuid id = uuid_from(1);
  root.setId(capnp::Data::Reader(id.bytes.data(), id.bytes.size()));
  root.setActor("ann@example.com");
}

TEST(EventCodec, HandBuiltCanonicalMessageDecodes) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  set_valid_envelope(root);
  root.getPayload().initProgramNamed().setName("Acme");
  Result<Event> decoded = decode_event(canonical_bytes(message));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<ProgramNamed>(decoded->payload).name, "Acme");
}

TEST(EventCodec, RejectsNonCanonicalMessages) {
  // Objects allocated in an order other than the canonical pre-order.
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  root.getPayload().initCommentAdded().setText("written first");
  set_valid_envelope(root);
  const auto segments = message.getSegmentsForOutput();
  ASSERT_EQ(segments.size(), 1u);
  const std::string bytes = bytes_of(segments[0]);
  {
    capnp::SegmentArrayMessageReader reader(segments);
    ASSERT_FALSE(reader.isCanonical()) << "the test needs a non-canonical message";
  }
  expect_corruption(bytes, "non-canonical");
  EXPECT_NE(decode_event(bytes).status().message().find("canonical"), std::string::npos);
  // The same content in canonical form is fine.
  EXPECT_TRUE(decode_event(canonical_bytes(message)).is_ok());
  // Reading back gaplog's own log skips only the canonical check (the Merkle tree protects
  // those bytes): the same message decodes there, to the same event.
  Result<Event> trusted = decode_stored_event(bytes);
  ASSERT_TRUE(trusted.is_ok()) << trusted.status().to_string();
  EXPECT_EQ(*trusted, *decode_event(canonical_bytes(message)));
}

TEST(EventCodec, StoredDecodeStillRejectsMalformedInput) {
  EXPECT_EQ(decode_stored_event("").status().code(), Code::kCorruption);
  EXPECT_EQ(decode_stored_event(std::string(7, 'x')).status().code(), Code::kCorruption);
  EXPECT_EQ(decode_stored_event(std::string(64, '\xff')).status().code(), Code::kCorruption);
}

TEST(EventCodec, RejectsUnknownPayloadType) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  set_valid_envelope(root);
  root.getPayload().initProgramNamed().setName("Acme");
  // Write a discriminant no member has, as a newer (or hostile) writer could.
  const uint32_t offset =
      capnp::Schema::from<schema::Event::Payload>().getProto().getStruct().getDiscriminantOffset();
  kj::ArrayPtr<kj::byte> data = message.getRoot<capnp::AnyStruct>().getDataSection();
  ASSERT_LE((offset + 1) * 2, data.size());
  data[offset * 2] = 99;
  data[offset * 2 + 1] = 0;
  ASSERT_EQ(static_cast<int>(root.getPayload().which()), 99);
  const std::string bytes = canonical_bytes(message);
  expect_corruption(bytes, "unknown union member");
  EXPECT_NE(decode_event(bytes).status().message().find("unknown event type"), std::string::npos);
  // The envelope does not depend on the payload.
  EXPECT_TRUE(decode_envelope(bytes).is_ok());
}

TEST(EventCodec, RejectsEnumValuesOutOfRange) {
  {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::Event>();
    set_valid_envelope(root);
    auto user = root.getPayload().initUserAdded();
    user.setEmail("a@b.c");
    user.setRole(static_cast<schema::Role>(4));  // one past auditor
    expect_corruption(canonical_bytes(message), "role out of range");
  }
  {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::Event>();
    set_valid_envelope(root);
    auto categories = root.getPayload().initScopeSet().initCategories(2);
    categories.set(0, schema::Category::SECURITY);
    categories.set(1, static_cast<schema::Category>(0xffff));
    expect_corruption(canonical_bytes(message), "category out of range");
  }
  {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::Event>();
    set_valid_envelope(root);
    root.getPayload().initFindingStatusChanged().setTo(static_cast<schema::FindingStatus>(5));
    const std::string bytes = canonical_bytes(message);
    expect_corruption(bytes, "finding status out of range");
    EXPECT_NE(decode_event(bytes).status().message().find("unknown enum value"), std::string::npos);
  }
}

TEST(EventCodec, RejectsIdsThatAreNot16Bytes) {
  for (size_t size : {0, 15, 17}) {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::Event>();
    set_valid_envelope(root);
    const std::string id(size, 'i');
    if (size != 0)
      root.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(id.data()), size));
    else
      root.disownId();
    root.getPayload().initProgramNamed();
    const std::string bytes = canonical_bytes(message);
    expect_corruption(bytes, "id of " + std::to_string(size) + " bytes");
    EXPECT_EQ(decode_envelope(bytes).status().code(), Code::kCorruption);
  }
}

TEST(EventCodec, RejectsWrongPointerTypes) {
  // A huge list of Void where the stream text belongs: costs no bytes, must cost no time.
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  set_valid_envelope(root);
  root.getPayload().initProgramNamed();
  const uint32_t stream_slot = capnp::Schema::from<schema::Event>()
                                   .getFieldByName("stream")
                                   .getProto()
                                   .getSlot()
                                   .getOffset();
  message.getRoot<capnp::AnyStruct>().getPointerSection()[stream_slot].initAsAnyList(
      capnp::ElementSize::VOID, 1u << 28);
  const std::string bytes = canonical_bytes(message);
  expect_corruption(bytes, "void list as stream");
  EXPECT_EQ(decode_envelope(bytes).status().code(), Code::kCorruption);
}

// ---- Contract names -------------------------------------------------------------------------

template <size_t... I>
std::vector<Payload> one_of_each(std::index_sequence<I...>) {
  return {Payload(std::in_place_index<I>)...};
}

TEST(EventTypeName, EveryAlternativeHasItsContractName) {
  const std::vector<std::string_view> expected = {
      "program_named",
      "scope_set",
      "user_added",
      "user_role_changed",
      "user_deactivated",
      "token_issued",
      "token_revoked",
      "control_defined",
      "control_updated",
      "control_status_set",
      "finding_recorded",
      "finding_updated",
      "finding_assigned",
      "finding_due_date_set",
      "finding_status_changed",
      "risk_accepted",
      "comment_added",
      "evidence_uploaded",
      "evidence_linked",
      "evidence_unlinked",
      "user_signed_in",
      "user_signed_out",
      "notification_sent",
      "user_notifications_set",
      "webhook_added",
      "webhook_removed",
      "control_tested",
      "document_recorded",
      "document_reviewed",
      "interview_recorded",
      "audit_target_set",
  };
  const std::vector<Payload> payloads =
      one_of_each(std::make_index_sequence<std::variant_size_v<Payload>>());
  ASSERT_EQ(payloads.size(), expected.size());
  for (size_t i = 0; i < payloads.size(); ++i) EXPECT_EQ(event_type_name(payloads[i]), expected[i]);
}

// name(value) equals the contract string, parse(string) gives the value back, and parse
// rejects anything else.
template <typename E>
void expect_contract_names(const std::vector<std::string_view>& expected,
                           std::optional<E> (*parse)(std::string_view)) {
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto value = static_cast<E>(i);
    EXPECT_EQ(name(value), expected[i]);
    EXPECT_EQ(parse(expected[i]), value) << expected[i];
    std::string upper(expected[i]);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse(upper), std::nullopt) << upper;
    EXPECT_EQ(parse(std::string(expected[i]) + " "), std::nullopt);
    EXPECT_EQ(parse(expected[i].substr(1)), std::nullopt);
  }
  for (std::string_view bad : {"", "unknown", "in-progress", "processingIntegrity", "riskAccepted",
                               "Critical", " admin", "0"}) {
    EXPECT_EQ(parse(bad), std::nullopt) << bad;
  }
}

TEST(ContractNames, Category) {
  expect_contract_names<Category>(
      {"security", "availability", "processing_integrity", "confidentiality", "privacy"},
      &parse_category);
}

TEST(ContractNames, Role) {
  expect_contract_names<Role>({"admin", "editor", "contributor", "auditor"}, &parse_role);
}

TEST(ContractNames, ControlStatus) {
  expect_contract_names<ControlStatus>({"not_implemented", "partially_implemented", "implemented"},
                                       &parse_control_status);
}

TEST(ContractNames, FindingStatus) {
  expect_contract_names<FindingStatus>(
      {"open", "in_progress", "remediated", "closed", "risk_accepted"}, &parse_finding_status);
}

TEST(ContractNames, Severity) {
  expect_contract_names<Severity>({"critical", "high", "medium", "low"}, &parse_severity);
}

TEST(ContractNames, EvidenceCadence) {
  expect_contract_names<EvidenceCadence>({"none", "monthly", "quarterly", "semiannual", "annual"},
                                         &parse_evidence_cadence);
}
TEST(ContractNames, ControlTests) {
  expect_contract_names<TestKind>({"design", "operating"}, &parse_test_kind);
  expect_contract_names<TestResult>({"pass", "fail", "exception"}, &parse_test_result);
}

TEST(ContractNames, Assessment) {
  expect_contract_names<DocumentKind>(
      {"policy", "procedure", "plan", "standard", "record", "other"}, &parse_document_kind);
  expect_contract_names<ReviewOutcome>(
      {"adequate", "outdated", "incomplete", "not_approved", "missing"}, &parse_review_outcome);
  expect_contract_names<AuditType>({"type1", "type2"}, &parse_audit_type);
}

TEST(ContractNames, FindingSource) {
  expect_contract_names<FindingSource>(
      {"document_review", "control_evaluation", "interview", "other"}, &parse_finding_source);
}

// A token issued before tokens could expire has no expiresOn: its stored bytes must stay those
// the Merkle tree hashed, so an unset expiry is not written at all.
TEST(EventCodec, ATokenWithoutExpiryKeepsTheBytesOfTheSchemaBeforeExpiry) {
  const Event with =
      envelope(3, "user/a@example.com",
               TokenIssued{"tok_1", "a@example.com", std::string(32, 'h'), "2027-01-31"});
  const Event without = envelope(3, "user/a@example.com",
                                 TokenIssued{"tok_1", "a@example.com", std::string(32, 'h'), ""});
  EXPECT_LT(encode_event(without).size(), encode_event(with).size());
  // Canonical form drops a null pointer at the end of a struct: nothing of the field is left.
  Result<Event> decoded = decode_event(encode_event(without));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(std::get<TokenIssued>(decoded->payload).expires_on, "");
}

// The envelope of `e` built field by field with the generated builder, for the tests below that
// build a payload by hand as the schema before a change would have written it.
schema::Event::Builder envelope_by_hand(capnp::MallocMessageBuilder& message, const Event& e) {
  auto root = message.initRoot<schema::Event>();
  root.setSeq(e.seq);
  root.setStream(e.stream);
  root.setVersion(e.version);
  root.setId(capnp::Data::Reader(e.id.bytes.data(), e.id.bytes.size()));
  root.setRecordedAt(e.recorded_at);
  root.setOccurredAt(e.occurred_at);
  root.setActor(e.actor);
  return root;
}

// Controls defined and updated before owners and cadences (issue 20) keep the bytes the Merkle
// tree hashed: a control without owner and cadence encodes exactly as a message built with the
// fields of the schema before them.
TEST(EventCodec, AControlWithoutOwnerOrCadenceKeepsTheBytesOfTheSchemaBeforeThem) {
  const Event e = envelope(2, "control/AC-01",
                           ControlUpdated{"AC-01", "MFA", "everywhere", {"CC6.1", "CC6.2"}});
  capnp::MallocMessageBuilder message;
  auto root = envelope_by_hand(message, e);
  auto b = root.getPayload().initControlUpdated();
  b.setControlId("AC-01");
  b.setTitle("MFA");
  b.setDescription("everywhere");
  auto criteria = b.initCriteria(2);
  criteria.set(0, "CC6.1");
  criteria.set(1, "CC6.2");
  EXPECT_EQ(encode_event(e), canonical_bytes(message));
  const Event owned = envelope(2, "control/AC-01",
                               ControlUpdated{"AC-01",
                                              "MFA",
                                              "everywhere",
                                              {"CC6.1", "CC6.2"},
                                              "a@example.com",
                                              EvidenceCadence::kAnnual});
  EXPECT_NE(encode_event(owned), canonical_bytes(message));
}

// Findings recorded and updated before origins and risk ratings (issue 21) keep the bytes the
// Merkle tree hashed: without them, a finding encodes exactly as a message built with the fields
// of the schema before them.
TEST(EventCodec, AFindingWithoutOriginOrRiskKeepsTheBytesOfTheSchemaBeforeThem) {
  const Event e = envelope(1, "finding/F-1",
                           FindingRecorded{"F-1",
                                           "No reviews",
                                           "",
                                           Severity::kHigh,
                                           {"CC6.2"},
                                           "AC-01",
                                           FindingSource::kInterview,
                                           "",
                                           "2026-06-30"});
  capnp::MallocMessageBuilder message;
  auto root = envelope_by_hand(message, e);
  auto b = root.getPayload().initFindingRecorded();
  b.setFindingId("F-1");
  b.setTitle("No reviews");
  b.setDescription("");
  b.setSeverity(schema::Severity::HIGH);
  b.initCriteria(1).set(0, "CC6.2");
  b.setControl("AC-01");
  b.setSource(schema::FindingSource::INTERVIEW);
  b.setOwner("");
  b.setDueDate("2026-06-30");
  EXPECT_EQ(encode_event(e), canonical_bytes(message));
  FindingRecorded rated = std::get<FindingRecorded>(e.payload);
  rated.likelihood = 3;
  rated.impact = 4;
  EXPECT_NE(encode_event(envelope(1, "finding/F-1", rated)), canonical_bytes(message));
}

// A rating above 5 is damage (decide() never writes one), not a cell off the heat map.
TEST(EventCodec, RejectsARiskRatingAboveFive) {
  const Event e = envelope(
      1, "finding/F-1",
      FindingRecorded{
          "F-1", "No reviews", "", Severity::kHigh, {"CC6.2"}, "", FindingSource::kOther, "", ""});
  for (auto [likelihood, impact] : {std::pair{6, 1}, {1, 6}, {255, 255}}) {
    capnp::MallocMessageBuilder message;
    auto root = envelope_by_hand(message, e);
    auto b = root.getPayload().initFindingRecorded();
    b.setFindingId("F-1");
    b.setTitle("No reviews");
    b.initCriteria(1).set(0, "CC6.2");
    b.setLikelihood(static_cast<uint8_t>(likelihood));
    b.setImpact(static_cast<uint8_t>(impact));
    expect_corruption(canonical_bytes(message), "rating out of range");
  }
}

}  // namespace
}  // namespace gaplog
