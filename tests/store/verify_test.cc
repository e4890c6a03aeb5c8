// Tamper tests: the log is changed behind gaplog's back, through RocksDB directly, and verify
// must name the first bad seq.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "store/keys.h"
#include "store/merkle.h"
#include "store/tree_head.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::LogFixture;
using testing::one;

class VerifyTest : public LogFixture {
 protected:
  void SetUp() override {
    LogFixture::SetUp();
    for (int i = 1; i <= 10; ++i)
      must_append(one(comment("finding/F-" + std::to_string(i % 3), std::to_string(i))));
    ASSERT_TRUE(log_->verify()->ok);
  }

  // Closes the log, lets `tamper` edit the raw database, reopens and verifies.
  VerifyReport tamper_and_verify(const std::function<void(rocksdb::DB&)>& tamper) {
    close();
    {
      rocksdb::DB* raw = nullptr;
      rocksdb::Options o;
      EXPECT_TRUE(rocksdb::DB::Open(o, dir_.sub("events"), &raw).ok());
      std::unique_ptr<rocksdb::DB> db(raw);
      tamper(*db);
      EXPECT_TRUE(db->Close().ok());
    }
    reopen();
    auto report = log_->verify();
    EXPECT_TRUE(report.is_ok()) << report.status().to_string();
    return report.is_ok() ? *report : VerifyReport{};
  }

  static std::string get(rocksdb::DB& db, const std::string& key) {
    std::string v;
    EXPECT_TRUE(db.Get(rocksdb::ReadOptions(), key, &v).ok());
    return v;
  }
  static void put(rocksdb::DB& db, const std::string& key, const std::string& v) {
    EXPECT_TRUE(db.Put(rocksdb::WriteOptions(), key, v).ok());
  }
  // An 'E' value is the event's bytes followed by their leaf hash.
  static size_t event_bytes(const std::string& value) {
    return value.size() - keys::kLeafHashBytes;
  }
  // A careful forger: changes a byte of the event's text and rewrites its stored leaf hash.
  static std::string forge_with_leaf_hash(const std::string& value) {
    std::string bytes = value.substr(0, event_bytes(value));
    bytes[bytes.size() - 9] ^= 0x01;
    const Hash leaf = merkle_leaf_hash(bytes);
    return bytes + std::string(reinterpret_cast<const char*>(leaf.data()), leaf.size());
  }
};

TEST_F(VerifyTest, UntouchedLogVerifies) {
  auto r = log_->verify();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->tree_size, 10u);
  EXPECT_EQ(r->root, *log_->root(10));
}

TEST_F(VerifyTest, ChangedByteIsNamed) {
  // Flip a byte inside the comment text of seq 6 (the tail of the message holds the text).
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    std::string v = get(db, keys::event(6));
    v[event_bytes(v) - 9] ^= 0x01;
    put(db, keys::event(6), v);
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 6u);
}

TEST_F(VerifyTest, EveryByteOfAnEventIsCovered) {
  close();
  std::string original;
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.sub("events"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    original = get(*db, keys::event(4));
  }
  for (size_t i = 0; i < original.size(); i += 7) {
    auto report = tamper_and_verify([&](rocksdb::DB& db) {
      std::string v = original;
      v[i] ^= 0x40;
      put(db, keys::event(4), v);
    });
    EXPECT_FALSE(report.ok) << "byte " << i;
    EXPECT_EQ(report.first_bad_seq, 4u) << "byte " << i;
    close();
  }
}

TEST_F(VerifyTest, DeletedEventIsNamed) {
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), keys::event(4)).ok());
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
}

TEST_F(VerifyTest, DeletedLastEventIsNamed) {
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), keys::event(10)).ok());
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 10u);
}

TEST_F(VerifyTest, SwappedEventsAreNamed) {
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    const std::string a = get(db, keys::event(3)), b = get(db, keys::event(7));
    put(db, keys::event(3), b);
    put(db, keys::event(7), a);
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u);
}

TEST_F(VerifyTest, EventInsertedOutOfBandIsNamed) {
  auto report = tamper_and_verify(
      [](rocksdb::DB& db) { put(db, keys::event(11), get(db, keys::event(10))); });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 11u);
}

TEST_F(VerifyTest, RewrittenEventWithRewrittenLeafHashIsStillCaught) {
  // A careful forger also replaces the stored leaf hash (and the copy stored when leaf 4 was the
  // right edge of the tree after seq 5); the parent nodes no longer match.
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    const std::string v = forge_with_leaf_hash(get(db, keys::event(5)));
    put(db, keys::event(5), v);
    put(db, keys::node(0, 4), v.substr(event_bytes(v)));
  });
  EXPECT_FALSE(report.ok);
  // Leaf 4's parent (4,5) completes at seq 6 and was stored as the right edge after seq 6.
  EXPECT_EQ(report.first_bad_seq, 6u);
}

// Below level kFirstStoredNodeLevel only the right edges at the end of append groups are
// stored: a forged leaf inside one big append is caught by the first stored subtree over it.
class VerifyOneBigAppendTest : public VerifyTest {
 protected:
  void SetUp() override {
    LogFixture::SetUp();
    AppendRequest r;
    for (int i = 1; i <= 40; ++i)
      r.events.push_back(comment("finding/F-" + std::to_string(i % 3), std::to_string(i)));
    must_append(std::move(r));
    ASSERT_TRUE(log_->verify()->ok);
  }
};

TEST_F(VerifyOneBigAppendTest, ForgedLeafIsCaughtByTheStoredSubtreeAboveIt) {
  static_assert(keys::kFirstStoredNodeLevel == 4, "leaves 0-15 form the first stored subtree");
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    put(db, keys::event(5), forge_with_leaf_hash(get(db, keys::event(5))));
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 16u);
}

TEST_F(VerifyOneBigAppendTest, ForgedLeafAtTheTailIsCaughtByTheStoredRightEdge) {
  // 40 = 32 + 8: leaves 32-39 form the right edge's subtree (level 3, index 4), stored at the
  // end of the append; no subtree of a stored level covers them yet.
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    put(db, keys::event(38), forge_with_leaf_hash(get(db, keys::event(38))));
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 40u);
}

TEST_F(VerifyOneBigAppendTest, ChangedByteIsNamedExactly) {
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    std::string v = get(db, keys::event(21));
    v[event_bytes(v) - 9] ^= 0x01;
    put(db, keys::event(21), v);
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 21u);
}

// A key of another length among the events (here 8 bytes, 'E' and the first 7 bytes of a seq,
// which sorts between seq 255 and 256) is corruption for verify and for every read that meets
// it; no read looks past the key's end (the sanitizer build would catch that).
TEST_F(VerifyTest, AShortKeyAmongTheEventsIsCorruptionNotACrash) {
  AppendRequest more;
  for (int i = 11; i <= 300; ++i) more.events.push_back(comment("finding/F-1", std::to_string(i)));
  must_append(std::move(more));
  const std::string short_key = keys::event(256).substr(0, 8);
  auto report = tamper_and_verify([&](rocksdb::DB& db) { put(db, short_key, "x"); });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 256u) << report.problem;

  int visited = 0;
  const Status scanned = log_->scan(1, 300, [&](uint64_t, std::string_view) {
    ++visited;
    return Status::ok();
  });
  EXPECT_EQ(scanned.code(), Code::kCorruption) << scanned.to_string();
  EXPECT_NE(scanned.message().find("damaged key of 8 bytes"), std::string::npos)
      << scanned.to_string();
  EXPECT_NE(scanned.message().find("seq 256"), std::string::npos) << scanned.to_string();
  EXPECT_EQ(visited, 255);
  EXPECT_EQ(log_->read_range(250, 10).status().code(), Code::kCorruption);
  EXPECT_TRUE(log_->read(257).is_ok()) << "a read of one seq does not meet the key";
}

TEST_F(VerifyTest, TruncationBelowASignedTreeHeadIsCaught) {
  ManualClock clock(testing::kT0);
  const std::string key = dir_.sub("k.pem"), pub = dir_.sub("k.pub");
  ASSERT_TRUE(TreeHeadSigner::generate(*posix_, key, pub).is_ok());
  auto signer = TreeHeadSigner::load(*posix_, key);
  ASSERT_TRUE(current_tree_head(*log_, **signer, clock).is_ok());
  // Remove the last two events and rewrite the head record as if they never existed.
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), keys::event(10)).ok());
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), keys::event(9)).ok());
    std::string head = get(db, keys::head());
    std::string rewritten;
    keys::put_be64(rewritten, 8);
    rewritten += head.substr(8);
    put(db, keys::head(), rewritten);
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 9u);
}

// A log in another key layout (or before format versions) is refused with what to do, never
// misread.
TEST_F(VerifyTest, ALogInAnotherFormatIsRefusedNotMisread) {
  close();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.sub("events"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    EXPECT_EQ(get(*db, keys::format()), keys::kFormatVersion);
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), keys::format()).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto old = EventLog::open(
      EventLogOptions{dir_.sub("events"), &faulty_, &clock_, /*create_if_missing=*/true});
  ASSERT_FALSE(old.is_ok());
  EXPECT_NE(old.status().message().find("another format"), std::string::npos)
      << old.status().to_string();
  EXPECT_NE(old.status().message().find("gaplog init"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
