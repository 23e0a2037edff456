// Splits an InputStream into lines, reading large blocks and handing out views into them.
//
// A line is delivered without its "\n" (a "\r" before it is kept: parsers decide). A final line
// without a newline is delivered too. A line longer than `max_line` is not buffered: it is
// reported as kTooLong with its length and skipped, so a 1 GB line costs no memory.
// The scanner also keeps what a source fingerprint needs: the last (up to) `kFingerprintBytes`
// bytes consumed. Views stay valid until the next call to Next().
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ingest/input_stream.h"

namespace forescale::ingest {

class LineScanner {
 public:
  static constexpr size_t kFingerprintBytes = 4096;

  enum class Status { kLine, kTooLong, kEnd };

  struct Start {
    std::string pending;      // bytes already read from `in` that come first
    uint64_t offset = 0;      // content offset of the first pending byte
    uint64_t line = 0;        // lines before that offset
    std::string tail;         // the fingerprint window that ends at `offset`
  };

  explicit LineScanner(InputStream& in) : LineScanner(in, Start{}) {}
  LineScanner(InputStream& in, Start start, size_t max_line = 64 * 1024, size_t block = 4 << 20)
      : in_(in), max_line_(max_line), block_(std::max({block, max_line * 2, start.pending.size()})),
        consumed_(start.offset), line_number_(start.line), tail_(std::move(start.tail)) {
    buffer_.resize(block_);
    std::memcpy(buffer_.data(), start.pending.data(), start.pending.size());
    end_ = start.pending.size();
  }

  // Next line into `line`; for kTooLong, `too_long_bytes` holds its length.
  Result<Status> Next(std::string_view& line) {
    for (;;) {
      const char* begin = buffer_.data() + pos_;
      const size_t avail = end_ - pos_;
      if (const void* nl = std::memchr(begin, '\n', avail)) {
        const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - begin);
        pos_ += len + 1;
        consumed_ += len + 1;
        ++line_number_;
        if (skipping_) {
          skipping_ = false;
          too_long_bytes_ += len;
          return Status::kTooLong;
        }
        if (len > max_line_) {
          too_long_bytes_ = len;
          return Status::kTooLong;
        }
        line = std::string_view(begin, len);
        return Status::kLine;
      }
      if (eof_) {
        if (held_ || (avail == 0 && !skipping_)) return Status::kEnd;
        last_unterminated_ = !skipping_ && avail <= max_line_;
        last_start_ = pos_;
        pos_ = end_;
        consumed_ += avail;
        ++line_number_;
        if (skipping_) {
          skipping_ = false;
          too_long_bytes_ += avail;
          return Status::kTooLong;
        }
        if (avail > max_line_) {
          too_long_bytes_ = avail;
          return Status::kTooLong;
        }
        line = std::string_view(begin, avail);
        return Status::kLine;
      }
      if (auto ok = Refill(); !ok) return std::unexpected(ok.error());
    }
  }

  // Whether the line last returned was the input's last and had no newline: a log still being
  // written may hold half a line there.
  bool last_unterminated() const { return last_unterminated_; }
  // Gives that unterminated last line back: it is not consumed (consumed_bytes(), line_number()
  // and tail() are as before it), so a later run from consumed_bytes() reads it whole. Next()
  // then returns kEnd.
  void HoldLastLine() {
    if (!last_unterminated_) return;
    const size_t len = end_ - last_start_;
    pos_ = last_start_;
    consumed_ -= len;
    --line_number_;
    held_ = true;
    last_unterminated_ = false;
  }

  uint64_t line_number() const { return line_number_; }     // of the line last returned
  uint64_t consumed_bytes() const { return consumed_; }     // content offset after it
  uint64_t too_long_bytes() const { return too_long_bytes_; }
  // The (up to) kFingerprintBytes that end at consumed_bytes(), of what this scanner read.
  std::string tail() const {
    std::string t = tail_;
    t.append(buffer_.data(), pos_);
    return t.size() > kFingerprintBytes ? t.substr(t.size() - kFingerprintBytes) : t;
  }
  InputStream& input() { return in_; }

 private:
  Result<void> Refill() {
    // Keep the fingerprint window of what is about to be dropped.
    tail_.append(buffer_.data(), pos_);
    if (tail_.size() > kFingerprintBytes) tail_.erase(0, tail_.size() - kFingerprintBytes);
    size_t keep = end_ - pos_;
    if (keep > max_line_) {
      // The pending line is already too long: drop it and skip to the next newline. Its bytes
      // still count for the fingerprint window, which must end exactly at consumed_bytes().
      tail_.append(buffer_.data() + pos_, keep);
      if (tail_.size() > kFingerprintBytes) tail_.erase(0, tail_.size() - kFingerprintBytes);
      if (!skipping_) too_long_bytes_ = 0;
      skipping_ = true;
      too_long_bytes_ += keep;
      consumed_ += keep;
      keep = 0;
    } else if (keep > 0) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, keep);
    }
    pos_ = 0;
    end_ = keep;
    auto got = in_.Read(buffer_.data() + end_, buffer_.size() - end_);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) eof_ = true;
    end_ += *got;
    return {};
  }

  InputStream& in_;
  size_t max_line_;
  size_t block_;
  std::string buffer_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
  uint64_t consumed_ = 0;
  uint64_t line_number_ = 0;
  uint64_t too_long_bytes_ = 0;
  std::string tail_;
  bool last_unterminated_ = false, held_ = false;
  size_t last_start_ = 0;
};

}  // namespace forescale::ingest
