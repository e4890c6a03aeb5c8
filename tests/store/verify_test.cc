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
    for (int i = 1; i <= 10; ++i) must_append(one(comment("finding/F-" + std::to_string(i % 3), std::to_string(i))));
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
    v[v.size() - 9] ^= 0x01;
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
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    put(db, keys::event(11), get(db, keys::event(10)));
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 11u);
}

TEST_F(VerifyTest, RewrittenEventWithRewrittenLeafHashIsStillCaught) {
  // A careful forger also replaces the stored leaf hash; the parent nodes no longer match.
  auto report = tamper_and_verify([](rocksdb::DB& db) {
    std::string v = get(db, keys::event(5));
    v[v.size() - 9] ^= 0x01;
    put(db, keys::event(5), v);
    const Hash leaf = merkle_leaf_hash(v);
    put(db, keys::node(0, 4), std::string(reinterpret_cast<const char*>(leaf.data()), 32));
  });
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 6u);  // leaf 4's parent (4,5) completes at seq 6
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

}  // namespace
}  // namespace gaplog
