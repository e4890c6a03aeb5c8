#include "store/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store_test_support.h"

namespace gaplog {
namespace {

using testing::TempDir;

size_t files_under(const std::string& dir) {
  size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(1000); }
  void open(uint64_t limit) {
    auto s = BlobStore::open(faulty_, dir_.sub("evidence"), limit);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    blobs_ = std::move(s).value();
  }
  TempDir dir_;
  std::unique_ptr<FileSystem> posix_ = make_posix_file_system();
  FaultInjectingFileSystem faulty_{*posix_};
  std::unique_ptr<BlobStore> blobs_;
};

TEST_F(BlobStoreTest, StoresByContentHashAndReadsBack) {
  auto info = blobs_->put("abc");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(info->size, 3u);
  EXPECT_EQ(*blobs_->get(info->sha256), "abc");
  EXPECT_TRUE(*blobs_->contains(info->sha256));
  EXPECT_TRUE(std::filesystem::exists(dir_.sub("evidence/ba/" + info->sha256)));
}

TEST_F(BlobStoreTest, SameBytesAreStoredOnce) {
  ASSERT_TRUE(blobs_->put("same").is_ok());
  ASSERT_TRUE(blobs_->put("same").is_ok());
  ASSERT_TRUE(blobs_->put("other").is_ok());
  EXPECT_EQ(files_under(dir_.sub("evidence")), 2u);  // no temp files left either
}

TEST_F(BlobStoreTest, StreamedUploadInChunks) {
  auto up = blobs_->begin_upload();
  ASSERT_TRUE(up.is_ok());
  std::string all;
  for (int i = 0; i < 10; ++i) {
    const std::string chunk(50, static_cast<char>('a' + i));
    all += chunk;
    ASSERT_TRUE((*up)->append(chunk).is_ok());
  }
  auto info = (*up)->finish();
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->size, 500u);
  EXPECT_EQ(info->sha256, hash_hex(sha256(all)));
  EXPECT_EQ(*blobs_->get(info->sha256), all);
}

TEST_F(BlobStoreTest, SizeLimitAtItsEdge) {
  EXPECT_TRUE(blobs_->put(std::string(1000, 'x')).is_ok());
  auto over = blobs_->put(std::string(1001, 'y'));
  EXPECT_EQ(over.status().code(), Code::kTooLarge);
  // Refused as the bytes arrive: the second chunk crosses the limit.
  auto up = blobs_->begin_upload();
  EXPECT_TRUE((*up)->append(std::string(600, 'z')).is_ok());
  EXPECT_EQ((*up)->append(std::string(401, 'z')).code(), Code::kTooLarge);
  up->reset();
  EXPECT_EQ(files_under(dir_.sub("evidence")), 1u);  // only the 1000-byte blob
}

TEST_F(BlobStoreTest, AbandonedUploadLeavesNothing) {
  {
    auto up = blobs_->begin_upload();
    ASSERT_TRUE((*up)->append("partial").is_ok());
  }
  EXPECT_EQ(files_under(dir_.sub("evidence")), 0u);
}

TEST_F(BlobStoreTest, ChangedBytesOnDiskAreDetected) {
  auto info = blobs_->put("evidence of MFA");
  const std::string path = dir_.sub("evidence/" + info->sha256.substr(0, 2) + "/" + info->sha256);
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::FILE* f = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fputc('E', f);
    std::fclose(f);
  }
  EXPECT_EQ(blobs_->get(info->sha256).status().code(), Code::kCorruption);
  EXPECT_EQ(blobs_->check(info->sha256).code(), Code::kCorruption);
}

TEST_F(BlobStoreTest, FailedSyncStoresNothing) {
  faulty_.set_fail_syncs(true);
  EXPECT_EQ(blobs_->put("doomed").status().code(), Code::kIoError);
  faulty_.set_fail_syncs(false);
  EXPECT_EQ(files_under(dir_.sub("evidence")), 0u);
  EXPECT_FALSE(*blobs_->contains(hash_hex(sha256("doomed"))));
}

TEST_F(BlobStoreTest, BadOrUnknownHashes) {
  EXPECT_EQ(blobs_->get("../../etc/passwd").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(blobs_->get(std::string(64, 'g')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(blobs_->get(std::string(64, 'a')).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace gaplog
