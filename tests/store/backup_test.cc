// Backups (SPEC §14, store/backup.h): taken while eight writers append, restored and verified;
// incremental (the bytes copied counted); a flipped byte in any file named by verify; another
// program's directory refused; the oldest purged; an older backup restored as of its own head.
#include "store/backup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "store/backup_format.h"
#include "store/data_dir.h"
#include "store/sha256.h"
#include "store/tree_head.h"
#include "store_test_support.h"

namespace gaplog {
namespace {

namespace fsys = std::filesystem;

// Flips one byte of `path` (at its middle).
void flip_byte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(f.tellg());
  ASSERT_GT(size, 0) << path;
  f.seekg(size / 2);
  char c = 0;
  f.get(c);
  f.seekp(size / 2);
  f.put(static_cast<char>(c ^ 0x01));
}

// The files of `dir` (recursively) whose path contains `part`.
std::vector<std::string> files_under(const std::string& dir, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& e : fsys::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().string().find(part) != std::string::npos) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.sub("data");
    ASSERT_TRUE(init_data_dir(*fs_, clock_, data_).is_ok());
    auto store = open_data_dir(*fs_, clock_, data_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);
  }

  void append_comments(int n, const std::string& stream = "finding/F-1") {
    AppendRequest r;
    for (int i = 0; i < n; ++i) {
      r.events.push_back(testing::comment(stream, "note " + std::to_string(i)));
    }
    ASSERT_TRUE(store_.log->append(std::move(r)).is_ok());
  }

  BackupSummary backup(const std::string& to, size_t keep = 0) {
    Result<BackupSummary> done = create_backup(*fs_, clock_, store_, {data_, to, keep});
    EXPECT_TRUE(done.is_ok()) << done.status().to_string();
    return done ? *done : BackupSummary{};
  }

  std::vector<BackupCheck> verify(const std::string& backups,
                                  std::optional<uint32_t> id = std::nullopt) {
    auto checks = verify_backups(*fs_, clock_, backups, id, dir_.path());
    EXPECT_TRUE(checks.is_ok()) << checks.status().to_string();
    return checks ? *checks : std::vector<BackupCheck>{};
  }

  static void expect_sound(const std::vector<BackupCheck>& checks) {
    ASSERT_FALSE(checks.empty());
    for (const BackupCheck& c : checks) EXPECT_EQ(c.problem, "") << "backup " << c.id;
  }

  // Every stored event of `log` up to `size`, as bytes by seq.
  static std::vector<std::string> stored(const EventLog& log, uint64_t size) {
    std::vector<std::string> out;
    if (size == 0) return out;
    EXPECT_TRUE(log.scan(1, size,
                         [&](uint64_t, std::string_view bytes) {
                           out.emplace_back(bytes);
                           return Status::ok();
                         })
                    .is_ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = make_posix_file_system();
  SystemClock clock_;
  std::string data_;
  Store store_;
};

TEST_F(BackupTest, TakenWhileEightWritersAppendHoldsExactlyThePrefixOfItsTreeHead) {
  ASSERT_TRUE(store_.blobs->put(std::string(100'000, 'e')).is_ok());
  append_comments(200);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<uint64_t> acknowledged;  // seqs answered to the writers
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        auto done = store_.log->append(
            testing::one(testing::comment("finding/W-" + std::to_string(w), std::to_string(i))));
        ASSERT_TRUE(done.is_ok()) << done.status().to_string();
        std::lock_guard lock(mu);
        acknowledged.insert(done->events[0].seq);
      }
    });
  }
  while (store_.log->last_seq() < 600) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::set<uint64_t> before;
  {
    std::lock_guard lock(mu);
    before = acknowledged;
  }
  const BackupSummary taken = backup(dir_.sub("backups"));
  const uint64_t during = store_.log->last_seq();
  while (store_.log->last_seq() < during + 300) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  for (auto& t : writers) t.join();

  const uint64_t head = taken.tree_head.tree_size;
  ASSERT_FALSE(before.empty());
  EXPECT_GE(head, *before.rbegin()) << "a write answered before the backup began is missing";
  EXPECT_GT(store_.log->last_seq(), head) << "the writers went on after the backup";
  // The head the manifest holds is one the live log issued and keeps.
  auto issued = store_.log->tree_head_at(head);
  ASSERT_TRUE(issued.is_ok() && issued->has_value());
  EXPECT_EQ((*issued)->signature, taken.tree_head.signature);

  expect_sound(verify(dir_.sub("backups")));
  const std::string restored = dir_.sub("restored");
  auto back = restore_backup(*fs_, clock_, dir_.sub("backups"), std::nullopt, restored);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  auto copy = open_data_dir(*fs_, clock_, restored);
  ASSERT_TRUE(copy.is_ok()) << copy.status().to_string();
  EXPECT_EQ(copy->log->last_seq(), head) << "nothing after the backup's tree head";
  EXPECT_EQ(stored(*copy->log, head), stored(*store_.log, head));
  EXPECT_EQ(*copy->log->root(head), *store_.log->root(head));
  EXPECT_TRUE(verify_tree_head_signature(copy->signer->public_key_pem(), taken.tree_head));
  // The restored program serves the very head the backup ends at, not a new one for its size.
  auto kept = copy->log->tree_head_at(head);
  ASSERT_TRUE(kept.is_ok() && kept->has_value());
  EXPECT_EQ((*kept)->signature, taken.tree_head.signature);
  EXPECT_EQ((*kept)->timestamp, taken.tree_head.timestamp);
  // The restored program takes writes again, signed with the same key.
  append_comments(1);
  EXPECT_TRUE(copy->log->append(testing::one(testing::comment("finding/F-9", "after"))).is_ok());
}

TEST_F(BackupTest, AnIncrementalBackupCopiesOnlyWhatIsNew) {
  const std::string big(2'000'000, 'x');
  ASSERT_TRUE(store_.blobs->put(big).is_ok());
  for (int i = 0; i < 20; ++i) append_comments(200, "finding/F-" + std::to_string(i));
  const std::string to = dir_.sub("backups");
  const BackupSummary first = backup(to);
  EXPECT_GT(first.bytes_copied, big.size()) << "the first backup copies everything";
  EXPECT_EQ(first.bytes_copied, tree_bytes(to)) << "and bytes_copied counts what it wrote";
  // Only its owner may read a backup, whatever the umask: it holds the signing key.
  const auto others = fsys::perms::group_all | fsys::perms::others_all;
  EXPECT_EQ(fsys::status(to).permissions() & others, fsys::perms::none);
  for (const std::string part : {"/evidence/", "/files/", "/manifests/"}) {
    for (const std::string& f : files_under(to, part)) {
      EXPECT_EQ(fsys::status(f).permissions() & others, fsys::perms::none) << f;
    }
  }

  append_comments(10);
  const uint64_t size_before = tree_bytes(to);
  const BackupSummary second = backup(to);
  EXPECT_EQ(second.bytes_copied, tree_bytes(to) - size_before);
  EXPECT_LT(second.bytes_copied, (first.bytes_copied - big.size()) / 5)
      << "ten new events re-copied the log";
  EXPECT_EQ(second.tree_head.tree_size, first.tree_head.tree_size + 10);

  const std::string more(300'000, 'y');
  ASSERT_TRUE(store_.blobs->put(more).is_ok());
  const BackupSummary third = backup(to);
  EXPECT_GE(third.bytes_copied, more.size());
  EXPECT_LT(third.bytes_copied, more.size() + 200'000) << "the old evidence was copied again";
  EXPECT_EQ(third.evidence_files, 2U);
  expect_sound(verify(to));
}

TEST_F(BackupTest, AFlippedByteInAnyFileIsNamedByVerify) {
  ASSERT_TRUE(store_.blobs->put(std::string(50'000, 'q')).is_ok());
  for (int i = 0; i < 5; ++i) append_comments(300, "finding/F-" + std::to_string(i));
  const std::string to = dir_.sub("backups");
  backup(to);
  expect_sound(verify(to));
  std::vector<std::string> damaged;
  for (const std::string part : {".sst", "/evidence/", "/files/", "/manifests/"}) {
    const std::vector<std::string> files = files_under(to, part);
    ASSERT_FALSE(files.empty()) << part;
    damaged.push_back(files.back());
  }
  for (const std::string& path : damaged) {
    SCOPED_TRACE(path);
    const std::string name = fsys::path(path).filename().string();
    flip_byte(path);
    const std::vector<BackupCheck> checks = verify(to);
    ASSERT_EQ(checks.size(), 1U);
    EXPECT_NE(checks[0].problem.find(name), std::string::npos)
        << "the problem does not name the file: " << checks[0].problem;
    // A damaged backup is not restored, and nothing is left where it would have gone.
    auto back = restore_backup(*fs_, clock_, to, std::nullopt, dir_.sub("restored"));
    EXPECT_FALSE(back.is_ok());
    EXPECT_FALSE(fsys::exists(dir_.sub("restored")));
    for (const auto& e : fsys::directory_iterator(dir_.path())) {
      EXPECT_EQ(e.path().filename().string().find(".partial-"), std::string::npos) << e.path();
    }
    flip_byte(path);  // and back
    expect_sound(verify(to));
  }
}

TEST_F(BackupTest, DamagedEvidenceIsNamedForEveryBackupThatHoldsIt) {
  ASSERT_TRUE(store_.blobs->put(std::string(20'000, 'd')).is_ok());
  const std::string to = dir_.sub("backups");
  backup(to);
  append_comments(3);
  backup(to);
  const std::vector<std::string> evidence = files_under(to, "/evidence/");
  ASSERT_EQ(evidence.size(), 1U);
  flip_byte(evidence[0]);
  const std::vector<BackupCheck> checks = verify(to);
  ASSERT_EQ(checks.size(), 2U);
  for (const BackupCheck& c : checks) {
    EXPECT_NE(c.problem.find(fsys::path(evidence[0]).filename().string()), std::string::npos)
        << "backup " << c.id << ": " << c.problem;
  }
}

TEST(BackupManifest, NamesNoFileToRestoreButKeysAndWebhookSecrets) {
  const std::string head = "gaplog-backup-manifest-1\ncreated_at_us 1\ntree_size 1\nroot " +
                           std::string(64, 'a') + "\ntree_head_timestamp_us 1\nsignature abcd\n";
  const std::string sha(64, 'b');
  EXPECT_TRUE(parse_manifest(head + "file " + sha + " 3 keys/tree-head.key\n", "m").is_ok());
  EXPECT_TRUE(parse_manifest(head + "file " + sha + " 3 webhook-secrets/wh_1\n", "m").is_ok());
  for (const std::string path : {"events/CURRENT", "keys/../events/CURRENT", "/etc/passwd", "keys/",
                                 "sessions/x", "keys/a.tmp"}) {
    auto parsed = parse_manifest(head + "file " + sha + " 3 " + path + "\n", "m");
    EXPECT_EQ(parsed.status().code(), Code::kCorruption) << path;
  }
}

TEST_F(BackupTest, OlderBackupsRestoreAsOfTheirOwnHeadAndKeepPurgesTheOldest) {
  const std::string to = dir_.sub("backups");
  append_comments(5);
  const BackupSummary one = backup(to);
  append_comments(5);
  const BackupSummary two = backup(to);
  append_comments(5);
  backup(to);
  auto listed = list_backups(*fs_, to);
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 3U);
  EXPECT_EQ((*listed)[0].tree_head.tree_size, one.tree_head.tree_size);

  auto back = restore_backup(*fs_, clock_, to, one.id, dir_.sub("one"));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  {
    auto copy = open_data_dir(*fs_, clock_, dir_.sub("one"));
    ASSERT_TRUE(copy.is_ok());
    EXPECT_EQ(copy->log->last_seq(), one.tree_head.tree_size);
  }

  auto again = restore_backup(*fs_, clock_, to, two.id, dir_.sub("one"));
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists) << "restore never writes over a directory";
  auto missing = restore_backup(*fs_, clock_, to, 99, dir_.sub("ninety-nine"));
  EXPECT_EQ(missing.status().code(), Code::kNotFound);

  append_comments(5);
  backup(to, /*keep=*/2);
  listed = list_backups(*fs_, to);
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ(files_under(to, "/manifests/").size(), 2U) << "a purged backup's manifest is gone";
  expect_sound(verify(to));
}

TEST_F(BackupTest, ADirectoryOfAnotherProgramOrOfNothingIsRefused) {
  const std::string to = dir_.sub("backups");
  backup(to);
  // Another program (another signing key) may not share the directory.
  const std::string other = dir_.sub("other");
  ASSERT_TRUE(init_data_dir(*fs_, clock_, other).is_ok());
  auto other_store = open_data_dir(*fs_, clock_, other);
  ASSERT_TRUE(other_store.is_ok());
  auto refused = create_backup(*fs_, clock_, *other_store, {other, to, 0});
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("another gaplog program"), std::string::npos);
  // verify and restore of a directory that holds no backups say so.
  auto nothing = verify_backups(*fs_, clock_, dir_.sub("data"), std::nullopt, dir_.path());
  EXPECT_EQ(nothing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(nothing.status().message().find("not a gaplog backup directory"), std::string::npos);
  // A second backup into a directory that is being backed up into is refused at once.
  auto lock = BackupDirLock::acquire(to, /*exclusive=*/true);
  ASSERT_TRUE(lock.is_ok());
  auto busy = create_backup(*fs_, clock_, store_, {data_, to, 0});
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace gaplog
