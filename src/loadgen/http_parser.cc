#include "loadgen/http_parser.h"

#include <charconv>

namespace forescale::loadgen::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Takes one line (without its LF, and without a CR before it) from data[pos..]. A line split
// across reads is gathered in `buf`; `line` then points into `buf`, which the caller clears
// once it has used the line. Returns false, having consumed everything, when no LF came yet.
bool TakeLine(std::string_view data, size_t& pos, std::string& buf, std::string_view& line) {
  const size_t nl = data.find('\n', pos);
  if (nl == std::string_view::npos) {
    buf.append(data.substr(pos));
    pos = data.size();
    return false;
  }
  if (buf.empty()) {
    line = data.substr(pos, nl - pos);
  } else {
    buf.append(data.substr(pos, nl - pos));
    line = buf;
  }
  pos = nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

}  // namespace

void MessageParser::Reset() {
  state_ = State::kStartLine;
  line_.clear();
  head_bytes_ = 0;
  chunked_ = false;
  has_length_ = false;
  remaining_ = 0;
  status = 0;
  keep_alive = true;
  body_bytes = 0;
  request = HttpRequest{};
  error.clear();
}

ParseStatus MessageParser::Fail(std::string message) {
  error = std::move(message);
  state_ = State::kDone;
  return ParseStatus::kError;
}

ParseStatus MessageParser::StartLine(std::string_view line) {
  if (response_) {
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
      return Fail("bad status line '" + std::string(line.substr(0, 80)) + "'");
    }
    const char* digits = line.data() + 9;
    int code = 0;
    auto [p, ec] = std::from_chars(digits, digits + 3, code);
    if (ec != std::errc() || p != digits + 3 || code < 100 || code > 999 ||
        (line.size() > 12 && line[12] != ' ')) {
      return Fail("bad status code in '" + std::string(line.substr(0, 80)) + "'");
    }
    status = code;
    keep_alive = line[7] != '0';  // HTTP/1.0 closes unless it says keep-alive
    return ParseStatus::kIncomplete;
  }
  // "GET /path HTTP/1.1"
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || sp1 == 0 || sp2 + 1 >= line.size()) {
    return Fail("bad request line '" + std::string(line.substr(0, 80)) + "'");
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.") {
    return Fail("unsupported protocol '" + std::string(version.substr(0, 20)) + "'");
  }
  request.method.assign(line.substr(0, sp1));
  request.target.assign(line.substr(sp1 + 1, sp2 - sp1 - 1));
  keep_alive = version[7] != '0';
  return ParseStatus::kIncomplete;
}

ParseStatus MessageParser::Header(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Fail("bad header line '" + std::string(line.substr(0, 80)) + "'");
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  if (EqualsIgnoreCase(name, "content-length")) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || p != value.data() + value.size()) {
      return Fail("bad Content-Length '" + std::string(value.substr(0, 40)) + "'");
    }
    if (has_length_ && n != remaining_) return Fail("conflicting Content-Length headers");
    has_length_ = true;
    remaining_ = n;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    chunked_ = HasToken(value, "chunked");
  } else if (EqualsIgnoreCase(name, "connection")) {
    if (HasToken(value, "close")) keep_alive = false;
    if (HasToken(value, "keep-alive")) keep_alive = true;
  }
  return ParseStatus::kIncomplete;
}

ParseStatus MessageParser::EndOfHead() {
  if (response_ && (no_body_ || status < 200 || status == 204 || status == 304)) {
    state_ = State::kDone;
    return ParseStatus::kComplete;
  }
  if (chunked_) {  // chunked wins over Content-Length (RFC 9112 6.3)
    state_ = State::kChunkSize;
    return ParseStatus::kIncomplete;
  }
  if (has_length_) {
    if (remaining_ == 0) {
      state_ = State::kDone;
      return ParseStatus::kComplete;
    }
    state_ = State::kBody;
    return ParseStatus::kIncomplete;
  }
  if (!response_) {  // a request without a length has no body
    state_ = State::kDone;
    return ParseStatus::kComplete;
  }
  keep_alive = false;  // the close is the end of the body
  state_ = State::kUntilClose;
  return ParseStatus::kIncomplete;
}

ParseStatus MessageParser::Feed(std::string_view data, size_t* used) {
  size_t pos = 0;
  ParseStatus result = ParseStatus::kIncomplete;
  while (result == ParseStatus::kIncomplete && pos < data.size()) {
    std::string_view line;
    switch (state_) {
      case State::kStartLine:
      case State::kHeaders: {
        const size_t before = pos;
        const bool whole = TakeLine(data, pos, line_, line);
        head_bytes_ += pos - before;
        if (head_bytes_ > kMaxHeadBytes) return Fail("message head larger than 64 KiB");
        if (!whole) break;
        if (state_ == State::kStartLine) {
          if (line.empty() && head_bytes_ <= 2) {  // tolerate CRLF between messages
            head_bytes_ = 0;
            line_.clear();
            break;
          }
          result = StartLine(line);
          state_ = State::kHeaders;
        } else if (line.empty()) {
          result = EndOfHead();
        } else {
          result = Header(line);
        }
        line_.clear();
        break;
      }
      case State::kBody:
      case State::kChunkData: {
        const uint64_t n = std::min<uint64_t>(remaining_, data.size() - pos);
        pos += n;
        remaining_ -= n;
        body_bytes += n;
        if (remaining_ == 0) {
          if (state_ == State::kBody) {
            state_ = State::kDone;
            result = ParseStatus::kComplete;
          } else {
            state_ = State::kChunkDataEnd;
          }
        }
        break;
      }
      case State::kChunkSize: {
        if (!TakeLine(data, pos, line_, line)) {
          if (line_.size() > 1024) return Fail("chunk size line longer than 1 KiB");
          break;
        }
        const std::string_view hex = Trim(line.substr(0, line.find(';')));
        uint64_t size = 0;
        auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
        if (hex.empty() || ec != std::errc() || p != hex.data() + hex.size()) {
          return Fail("bad chunk size '" + std::string(line.substr(0, 40)) + "'");
        }
        line_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kChunkData;
        break;
      }
      case State::kChunkDataEnd:
        if (!TakeLine(data, pos, line_, line)) {
          if (line_.size() > 2) return Fail("chunk data longer than its size");
          break;
        }
        if (!line.empty()) return Fail("chunk data longer than its size");
        line_.clear();
        state_ = State::kChunkSize;
        break;
      case State::kTrailer:
        if (!TakeLine(data, pos, line_, line)) {
          if (line_.size() > kMaxHeadBytes) return Fail("trailer larger than 64 KiB");
          break;
        }
        if (line.empty()) {
          state_ = State::kDone;
          result = ParseStatus::kComplete;
        }
        line_.clear();
        break;
      case State::kUntilClose:
        body_bytes += data.size() - pos;
        pos = data.size();
        break;
      case State::kDone:
        return Fail("bytes after a complete message; Reset() first");
    }
  }
  if (result == ParseStatus::kComplete) {
    request.keep_alive = keep_alive;
    request.body_bytes = body_bytes;
  }
  *used = pos;
  return result;
}

ParseStatus MessageParser::Finish() {
  if (state_ == State::kUntilClose) {
    state_ = State::kDone;
    return ParseStatus::kComplete;
  }
  if (state_ == State::kDone) return ParseStatus::kComplete;
  return Fail(state_ == State::kStartLine && head_bytes_ == 0 ? "connection closed"
                                                              : "connection closed mid-message");
}

}  // namespace forescale::loadgen::internal
