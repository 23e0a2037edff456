// The bytes of one input: a file, standard input ("-"), either of them gzip-compressed.
//
// Compression is recognised from the content (the gzip magic bytes), never from the file name.
// Concatenated gzip members (what `cat a.gz b.gz` and logrotate produce) are read as one stream.
// A gzip stream that ends early is an error (ErrorCode::kCorrupt) naming the offset: its last
// lines cannot be trusted. Not thread-safe.
//
//   auto in = InputStream::Open("access.log.gz");
//   char buf[1 << 16];
//   while (size_t n = *(*in)->Read(buf, sizeof buf)) { ... }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace forescale::ingest {

class InputStream {
 public:
  // Errors name the path: missing file, a directory, permission denied.
  static Result<std::unique_ptr<InputStream>> Open(const std::string& path);
  virtual ~InputStream() = default;

  // Reads up to `n` content (decompressed) bytes; 0 at the end of the input.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Discards `n` content bytes (seeks when the input is a plain file); kCorrupt if it is shorter.
  virtual Result<void> Skip(uint64_t n) = 0;

  virtual bool compressed() const = 0;
  // Raw (on-disk) bytes consumed so far and the raw size when known, for progress reporting.
  virtual uint64_t raw_position() const = 0;
  virtual std::optional<uint64_t> raw_size() const = 0;
  const std::string& path() const { return path_; }

 protected:
  explicit InputStream(std::string path) : path_(std::move(path)) {}
  // Skip() for streams that cannot seek: reads and discards.
  Result<void> SkipByReading(uint64_t n);

 private:
  std::string path_;
};

// The whole (decompressed) content of `path`; kInvalidArgument when it exceeds `limit` bytes.
Result<std::string> ReadWholeInput(const std::string& path, size_t limit = size_t{1} << 30);

// 64-bit FNV-1a: the fingerprint of a source's first and last consumed bytes.
uint64_t Fingerprint(std::string_view bytes);

}  // namespace forescale::ingest
