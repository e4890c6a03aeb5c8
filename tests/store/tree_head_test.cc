#include "store/tree_head.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/data_dir.h"
#include "store/merkle.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::comment;
using testing::kT0;
using testing::LogFixture;
using testing::one;

class TreeHeadTest : public LogFixture {
 protected:
  void SetUp() override {
    LogFixture::SetUp();
    ASSERT_TRUE(TreeHeadSigner::generate(*posix_, key_, pub_).is_ok());
    auto signer = TreeHeadSigner::load(*posix_, key_);
    ASSERT_TRUE(signer.is_ok()) << signer.status().to_string();
    signer_ = std::move(signer).value();
  }
  std::string key_ = dir_.sub("tree-head.key");
  std::string pub_ = dir_.sub("tree-head.pub");
  std::unique_ptr<TreeHeadSigner> signer_;
};

TEST_F(TreeHeadTest, PrivateKeyIsReadableByItsOwnerOnly) {
  struct stat st;
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TreeHeadTest, GenerateRefusesToReplaceAKey) {
  EXPECT_EQ(TreeHeadSigner::generate(*posix_, key_, pub_).code(), Code::kAlreadyExists);
}

TEST_F(TreeHeadTest, SignedHeadVerifiesWithThePublicKey) {
  for (int i = 0; i < 5; ++i) must_append(one(comment("s", std::to_string(i))));
  auto head = current_tree_head(*log_, *signer_, clock_);
  ASSERT_TRUE(head.is_ok()) << head.status().to_string();
  EXPECT_EQ(head->tree_size, 5u);
  EXPECT_EQ(head->root, *log_->root(5));
  EXPECT_EQ(head->timestamp, kT0);
  EXPECT_EQ(head->signature.size(), 64u);
  const std::string pem = *read_whole_file(*posix_, pub_);
  EXPECT_EQ(pem, signer_->public_key_pem());
  EXPECT_TRUE(verify_tree_head_signature(pem, *head));

  StoredTreeHead forged = *head;
  forged.tree_size = 4;
  EXPECT_FALSE(verify_tree_head_signature(pem, forged));
  forged = *head;
  forged.root[0] ^= 1;
  EXPECT_FALSE(verify_tree_head_signature(pem, forged));
  forged = *head;
  forged.signature[10] ^= 1;
  EXPECT_FALSE(verify_tree_head_signature(pem, forged));
  forged = *head;
  forged.timestamp += 1;
  EXPECT_FALSE(verify_tree_head_signature(pem, forged));
  EXPECT_FALSE(verify_tree_head_signature("not a key", *head));
}

TEST_F(TreeHeadTest, SameSizeGivesTheSameHeadAndGrowthANewOne) {
  must_append(one(comment("s", "1")));
  auto first = current_tree_head(*log_, *signer_, clock_);
  clock_.advance(kMicrosPerSecond);
  auto again = current_tree_head(*log_, *signer_, clock_);
  EXPECT_EQ(again->timestamp, first->timestamp);
  EXPECT_EQ(again->signature, first->signature);
  must_append(one(comment("s", "2")));
  auto grown = current_tree_head(*log_, *signer_, clock_);
  EXPECT_EQ(grown->tree_size, 2u);
  EXPECT_GT(grown->timestamp, first->timestamp);
  // The auditor who kept the first head can check that the log only grew.
  auto proof = log_->consistency_proof(first->tree_size, grown->tree_size);
  EXPECT_TRUE(merkle_verify_consistency(1, 2, first->root, grown->root, *proof));
  reopen();
  auto latest = log_->latest_tree_head();
  ASSERT_TRUE(latest.is_ok() && latest->has_value());
  EXPECT_EQ((*latest)->signature, grown->signature);
}

TEST_F(TreeHeadTest, MessageIsTheDocumentedText) {
  Hash root{};
  root[0] = 0xab;
  EXPECT_EQ(tree_head_message(3, root, kT0), "gaplog-tree-head-v1\ntree_size=3\nroot_hash=ab" +
                                                 std::string(62, '0') +
                                                 "\ntimestamp=2026-01-01T00:00:00Z\n");
}

TEST(DataDir, InitThenOpen) {
  testing::TempDir dir;
  auto fs = make_posix_file_system();
  ManualClock clock(kT0);
  const std::string root = dir.sub("program");
  ASSERT_TRUE(init_data_dir(*fs, clock, root).is_ok());
  EXPECT_EQ(init_data_dir(*fs, clock, root).code(), Code::kAlreadyExists);
  auto store = open_data_dir(*fs, clock, root);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_EQ(store->log->last_seq(), 0u);
  auto missing = open_data_dir(*fs, clock, dir.sub("nothing"));
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("gaplog init"), std::string::npos);
}

}  // namespace
}  // namespace gaplog
