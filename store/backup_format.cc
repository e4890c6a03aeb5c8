#include "store/backup_format.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "domain/hex.h"
#include "store/log_format.h"
#include "store/sha256.h"
#include "store/tree_head.h"

namespace gaplog {
namespace {

constexpr std::string_view kManifestMagic = "gaplog-backup-manifest-1";
constexpr std::string_view kMetadataPrefix = "gaplog-manifest ";
constexpr std::string_view kMarkerMagic = "gaplog-backup-1";
constexpr size_t kChunk = static_cast<size_t>(1) << 20;

bool is_backed_up_path(std::string_view path) {
  for (std::string_view folder : {"keys/", "webhook-secrets/"}) {
    if (path.starts_with(folder)) return is_backed_up_name(path.substr(folder.size()));
  }
  return false;
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// One "word word ..." line of a manifest, split on single spaces.
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

Result<uint64_t> parse_u64(const std::string& text, std::string_view name) {
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return corruption(fmt::format("{}: not a number: {}", name, text));
  }
  return static_cast<uint64_t>(std::stoull(text));
}

// Applies one manifest line to `m`.
Status apply_manifest_line(const std::vector<std::string>& w, BackupManifest& m,
                           std::string_view name) {
  const auto bad = [&] {
    return corruption(fmt::format("{}: a line of the manifest does not parse", name));
  };
  if (w.size() == 2 && w[0] == "created_at_us") {
    GAPLOG_ASSIGN_OR_RETURN(uint64_t v, parse_u64(w[1], name));
    m.created_at = static_cast<Micros>(v);
  } else if (w.size() == 2 && w[0] == "tree_size") {
    GAPLOG_ASSIGN_OR_RETURN(m.tree_head.tree_size, parse_u64(w[1], name));
  } else if (w.size() == 2 && w[0] == "root") {
    std::optional<std::string> root = from_hex(w[1]);
    if (!root || root->size() != m.tree_head.root.size()) return bad();
    std::memcpy(m.tree_head.root.data(), root->data(), root->size());
  } else if (w.size() == 2 && w[0] == "tree_head_timestamp_us") {
    GAPLOG_ASSIGN_OR_RETURN(uint64_t v, parse_u64(w[1], name));
    m.tree_head.timestamp = static_cast<Micros>(v);
  } else if (w.size() == 2 && w[0] == "signature") {
    std::optional<std::string> sig = from_hex(w[1]);
    if (!sig) return bad();
    m.tree_head.signature = *sig;
  } else if ((w.size() == 4 && w[0] == "file") || (w.size() == 3 && w[0] == "evidence")) {
    if (!is_sha256_hex(w[1])) return bad();
    GAPLOG_ASSIGN_OR_RETURN(uint64_t size, parse_u64(w[2], name));
    BackupManifest::File f{w[1], size, w.size() == 4 ? w[3] : ""};
    // A file's path is keys/NAME or webhook-secrets/NAME: a manifest names nothing else to restore.
    if (w[0] == "file" && !is_backed_up_path(f.path)) return bad();
    (w[0] == "file" ? m.files : m.evidence).push_back(std::move(f));
  } else {
    return bad();
  }
  return Status::ok();
}

}  // namespace

bool is_backed_up_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find(".tmp") == std::string_view::npos &&
         name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string_view::npos;
}

std::string format_manifest(const BackupManifest& m) {
  std::string out = fmt::format(
      "{}\ncreated_at_us {}\ntree_size {}\nroot {}\ntree_head_timestamp_us {}\nsignature {}\n",
      kManifestMagic, m.created_at, m.tree_head.tree_size, hash_hex(m.tree_head.root),
      m.tree_head.timestamp, to_hex(m.tree_head.signature));
  for (const auto& f : m.files) out += fmt::format("file {} {} {}\n", f.sha256, f.size, f.path);
  for (const auto& e : m.evidence) out += fmt::format("evidence {} {}\n", e.sha256, e.size);
  return out;
}

Result<BackupManifest> parse_manifest(std::string_view text, std::string_view name) {
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != kManifestMagic) {
    return corruption(fmt::format("{} is not a gaplog backup manifest", name));
  }
  BackupManifest m;
  while (std::getline(in, line)) {
    GAPLOG_RETURN_IF_ERROR(apply_manifest_line(words(line), m, name));
  }
  if (m.tree_head.signature.empty()) {
    return corruption(fmt::format("{}: the manifest has no signed tree head", name));
  }
  return m;
}

std::string manifest_metadata(std::string_view manifest_sha256) {
  return std::string(kMetadataPrefix) + std::string(manifest_sha256);
}

Result<std::string> manifest_sha_of(std::string_view metadata) {
  if (!metadata.starts_with(kMetadataPrefix) ||
      !is_sha256_hex(metadata.substr(kMetadataPrefix.size()))) {
    return corruption("the backup's RocksDB metadata names no gaplog manifest");
  }
  return std::string(metadata.substr(kMetadataPrefix.size()));
}

Result<std::unique_ptr<BackupDirLock>> BackupDirLock::acquire(const std::string& backup_dir,
                                                              bool exclusive) {
  const std::string path = backup_dir + "/LOCK";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  if (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    ::close(fd);
    return unavailable(fmt::format(
        "{} is busy: another gaplog is taking a backup into it (or restoring from it); try again "
        "when it is done",
        backup_dir));
  }
  return std::unique_ptr<BackupDirLock>(new BackupDirLock(fd));
}

BackupDirLock::~BackupDirLock() { ::close(fd_); }

std::string backup_marker(std::string_view public_key_pem) {
  Result<std::string> fingerprint = public_key_fingerprint(public_key_pem);
  return fmt::format("{}\nprogram {}\n", kMarkerMagic, fingerprint ? *fingerprint : "unknown");
}

Status check_is_backup_dir(FileSystem& fs, const std::string& backup_dir) {
  Result<std::string> marker = read_whole_file(fs, BackupDirPaths{backup_dir}.marker());
  if (!marker || !marker->starts_with(kMarkerMagic)) {
    return invalid_argument(fmt::format(
        "{} is not a gaplog backup directory (it has no gaplog-backup file); give the --to "
        "directory of `gaplog backup` or the server's --backup-dir",
        backup_dir));
  }
  return Status::ok();
}

Result<FileDigest> digest_file(FileSystem& fs, const std::string& path) {
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<ReadableFile> in, fs.open_file(path));
  Sha256 hash;
  FileDigest digest;
  for (;;) {
    GAPLOG_ASSIGN_OR_RETURN(std::string chunk, in->read(kChunk));
    if (chunk.empty()) break;
    hash.update(chunk);
    digest.size += chunk.size();
  }
  const Hash h = hash.finish();
  digest.sha256 = hash_hex(h);
  return digest;
}

Result<FileDigest> copy_file_durably(FileSystem& fs, const std::string& from, const std::string& to,
                                     std::string_view expected_sha256, unsigned mode) {
  const std::string dir = std::filesystem::path(to).parent_path().string();
  GAPLOG_RETURN_IF_ERROR(fs.create_dirs(dir));
  const std::string tmp = fmt::format("{}.tmp-{}", to, std::random_device{}());
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<ReadableFile> in, fs.open_file(from));
  GAPLOG_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.create_file(tmp, mode));
  Sha256 hash;
  FileDigest digest;
  Status s = Status::ok();
  for (;;) {
    Result<std::string> chunk = in->read(kChunk);
    if (!chunk) {
      s = chunk.status();
      break;
    }
    if (chunk->empty()) break;
    hash.update(*chunk);
    digest.size += chunk->size();
    if (s = out->append(*chunk); !s.is_ok()) break;
  }
  if (s.is_ok()) s = out->sync();
  if (Status c = out->close(); s.is_ok()) s = c;
  const Hash h = hash.finish();
  digest.sha256 = hash_hex(h);
  if (s.is_ok() && !expected_sha256.empty() && digest.sha256 != expected_sha256) {
    s = corruption(fmt::format("{} does not match its SHA-256 (it holds {})", from, digest.sha256));
  }
  if (s.is_ok()) s = fs.rename(tmp, to);
  if (!s.is_ok()) {
    fs.remove(tmp).ignore();
    return s;
  }
  GAPLOG_RETURN_IF_ERROR(fs.sync_dir(dir));
  return digest;
}

namespace {

// BackupEngine or BackupEngineReadOnly on <dir>/rocksdb, with the same options.
template <class Engine>
Result<std::unique_ptr<Engine>> open_engine(const std::string& backup_dir) {
  rocksdb::BackupEngineOptions options(backup_dir + "/rocksdb");
  options.max_background_operations = 2;
  Engine* raw = nullptr;
  GAPLOG_RETURN_IF_ERROR(from_rocks(Engine::Open(options, rocksdb::Env::Default(), &raw),
                                    fmt::format("cannot open the backups in {}", backup_dir)));
  return std::unique_ptr<Engine>(raw);
}

}  // namespace

Result<std::unique_ptr<rocksdb::BackupEngine>> open_backup_engine(const std::string& backup_dir) {
  return open_engine<rocksdb::BackupEngine>(backup_dir);
}

Result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> open_backup_engine_read_only(
    const std::string& backup_dir) {
  return open_engine<rocksdb::BackupEngineReadOnly>(backup_dir);
}

uint64_t tree_bytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

}  // namespace gaplog
