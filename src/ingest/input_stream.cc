#include "ingest/input_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace forescale::ingest {
namespace {

constexpr size_t kRawBlock = 1 << 20;

std::string Describe(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// Reads the raw bytes of a file descriptor, with a pushback of bytes already peeked.
class RawFile {
 public:
  RawFile(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~RawFile() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  // Returns bytes read (0 at EOF) or -1 with errno set.
  ssize_t Read(char* buf, size_t n) {
    for (;;) {
      const ssize_t got = ::read(fd_, buf, n);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) position_ += static_cast<uint64_t>(got);
      return got;
    }
  }
  bool Seek(uint64_t offset) {
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) return false;
    position_ = offset;
    return true;
  }
  uint64_t position() const { return position_; }

 private:
  int fd_;
  bool owned_;
  uint64_t position_ = 0;
};

class PlainStream final : public InputStream {
 public:
  PlainStream(std::string path, std::unique_ptr<RawFile> file, std::string peeked,
              std::optional<uint64_t> size, bool seekable)
      : InputStream(std::move(path)), file_(std::move(file)), pending_(std::move(peeked)),
        size_(size), seekable_(seekable) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (pending_offset_ < pending_.size()) {
      const size_t take = std::min(n, pending_.size() - pending_offset_);
      std::memcpy(buf, pending_.data() + pending_offset_, take);
      pending_offset_ += take;
      return take;
    }
    const ssize_t got = file_->Read(buf, n);
    if (got < 0) {
      return Fail(ErrorCode::kIo, Describe(path()) + ": read failed: " + std::strerror(errno));
    }
    return static_cast<size_t>(got);
  }

  Result<void> Skip(uint64_t n) override {
    const uint64_t from_pending = std::min<uint64_t>(n, pending_.size() - pending_offset_);
    pending_offset_ += from_pending;
    n -= from_pending;
    if (n == 0) return {};
    if (seekable_ && size_) {
      const uint64_t target = file_->position() + n;
      if (target > *size_) return Fail(ErrorCode::kCorrupt, Describe(path()) + ": shorter than before");
      if (file_->Seek(target)) return {};
    }
    return SkipByReading(n);
  }

  bool compressed() const override { return false; }
  uint64_t raw_position() const override { return file_->position(); }
  std::optional<uint64_t> raw_size() const override { return size_; }

 private:
  std::unique_ptr<RawFile> file_;
  std::string pending_;
  size_t pending_offset_ = 0;
  std::optional<uint64_t> size_;
  bool seekable_;
};

class GzipStream final : public InputStream {
 public:
  GzipStream(std::string path, std::unique_ptr<RawFile> file, std::string peeked,
             std::optional<uint64_t> size)
      : InputStream(std::move(path)), file_(std::move(file)), in_(std::move(peeked)), size_(size) {
    in_.reserve(kRawBlock);
    std::memset(&z_, 0, sizeof z_);
    // 16 + MAX_WBITS: gzip wrapper only; a zlib or raw deflate stream is not what logs are.
    ok_ = inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK;
    z_.next_in = reinterpret_cast<Bytef*>(in_.data());
    z_.avail_in = static_cast<uInt>(in_.size());
  }
  ~GzipStream() override { inflateEnd(&z_); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!ok_) return Fail(ErrorCode::kInternal, "zlib failed to initialise");
    if (finished_) return size_t{0};
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0) {
        in_.resize(kRawBlock);
        const ssize_t got = file_->Read(in_.data(), in_.size());
        if (got < 0) {
          return Fail(ErrorCode::kIo, Describe(path()) + ": read failed: " + std::strerror(errno));
        }
        in_.resize(static_cast<size_t>(got));
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(in_.size());
        if (got == 0) {
          if (in_member_) {
            return Fail(ErrorCode::kCorrupt,
                        Describe(path()) + ": truncated gzip stream (ends after " +
                            std::to_string(content_) + " decompressed bytes)");
          }
          finished_ = true;
          break;
        }
      }
      const uInt before = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      content_ += before - z_.avail_out;
      if (rc == Z_STREAM_END) {
        // Another member may follow; trailing zero padding (tape-style) is ignored.
        in_member_ = false;
        while (z_.avail_in > 0 && *z_.next_in == 0) {
          ++z_.next_in;
          --z_.avail_in;
        }
        if (inflateReset(&z_) != Z_OK) return Fail(ErrorCode::kInternal, "zlib reset failed");
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Fail(ErrorCode::kCorrupt,
                    Describe(path()) + ": corrupt gzip data after " + std::to_string(content_) +
                        " decompressed bytes (" + (z_.msg ? z_.msg : "zlib error") + ")");
      }
      in_member_ = true;
    }
    return n - z_.avail_out;
  }

  Result<void> Skip(uint64_t n) override {
    return SkipByReading(n);
  }

  bool compressed() const override { return true; }
  uint64_t raw_position() const override { return file_->position() - z_.avail_in; }
  std::optional<uint64_t> raw_size() const override { return size_; }

 private:
  std::unique_ptr<RawFile> file_;
  std::string in_;
  std::optional<uint64_t> size_;
  z_stream z_;
  bool ok_ = false;
  bool finished_ = false;
  bool in_member_ = false;
  uint64_t content_ = 0;
};

}  // namespace

Result<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path) {
  int fd = 0;
  const bool is_stdin = path == "-";
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                  path + ": cannot open: " + std::strerror(errno));
    }
  }
  auto file = std::make_unique<RawFile>(fd, !is_stdin);
  struct stat st {};
  std::optional<uint64_t> size;
  bool seekable = false;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Fail(ErrorCode::kInvalidArgument, path + ": is a directory");
    if (S_ISREG(st.st_mode)) {
      size = static_cast<uint64_t>(st.st_size);
      seekable = true;
    }
  }
  // Peek at the first two bytes for the gzip magic; they are handed back to the reader.
  std::string peeked(2, '\0');
  size_t have = 0;
  while (have < 2) {
    const ssize_t got = file->Read(peeked.data() + have, 2 - have);
    if (got < 0) return Fail(ErrorCode::kIo, Describe(path) + ": read failed: " + std::strerror(errno));
    if (got == 0) break;
    have += static_cast<size_t>(got);
  }
  peeked.resize(have);
  if (have == 2 && static_cast<unsigned char>(peeked[0]) == 0x1f &&
      static_cast<unsigned char>(peeked[1]) == 0x8b) {
    return std::unique_ptr<InputStream>(
        new GzipStream(path, std::move(file), std::move(peeked), size));
  }
  return std::unique_ptr<InputStream>(
      new PlainStream(path, std::move(file), std::move(peeked), size, seekable));
}

Result<void> InputStream::SkipByReading(uint64_t n) {
  std::vector<char> sink(kRawBlock);
  while (n > 0) {
    auto got = Read(sink.data(), std::min<uint64_t>(n, sink.size()));
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return Fail(ErrorCode::kCorrupt, Describe(path()) + ": shorter than before");
    n -= *got;
  }
  return {};
}

Result<std::string> ReadWholeInput(const std::string& path, size_t limit) {
  auto in = InputStream::Open(path);
  if (!in) return std::unexpected(in.error());
  std::string content;
  std::vector<char> block(kRawBlock);
  for (;;) {
    auto got = (*in)->Read(block.data(), block.size());
    if (!got) return std::unexpected(got.error());
    if (*got == 0) break;
    if (content.size() + *got > limit) {
      return Fail(ErrorCode::kInvalidArgument,
                  Describe(path) + ": larger than " + std::to_string(limit >> 20) + " MiB");
    }
    content.append(block.data(), *got);
  }
  return content;
}

uint64_t Fingerprint(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace forescale::ingest
