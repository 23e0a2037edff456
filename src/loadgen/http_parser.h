// Incremental HTTP/1.1 parsing for the load generator (responses) and the sample service
// (requests): just what a keep-alive client and a small server need, fast and strict.
//
// Both parsers are fed bytes as they arrive from a socket and say how many they used, so one
// buffer can hold several pipelined messages. Bodies are framed by Content-Length, by chunked
// transfer coding (chunk extensions and trailers are skipped), or — responses only — by the
// server closing the connection (`Finish()`). Headers are matched case-insensitively; only
// those that affect framing or keep-alive are kept. Lines end in CRLF; a bare LF is accepted,
// as most servers do. Limits (head size, chunk size line) make a hostile peer an error, not an
// allocation.
//
// Not thread-safe; one parser per connection.
//
//   ResponseParser p;
//   size_t used = 0;
//   ParseStatus s = p.Feed(buffer, &used);
//   if (s == ParseStatus::kComplete) Record(p.status()), buffer.erase(0, used), p.Reset();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace forescale::loadgen {

enum class ParseStatus {
  kIncomplete,  // need more bytes; all bytes offered so far were used
  kComplete,    // one whole message; `*used` bytes belong to it
  kError,       // malformed: the connection cannot be trusted any more
};

// The largest head (status/request line + headers) either parser accepts.
inline constexpr size_t kMaxHeadBytes = 64 * 1024;

struct HttpRequest {
  std::string method;
  std::string target;  // path and query as sent, e.g. "/api/x?id=3"
  bool keep_alive = true;
  uint64_t body_bytes = 0;
};

namespace internal {

// The framing state machine both parsers share; see ResponseParser for the contract.
class MessageParser {
 public:
  explicit MessageParser(bool response) : response_(response) {}
  ParseStatus Feed(std::string_view data, size_t* used);
  ParseStatus Finish();
  void Reset();

  bool response_ = true;
  bool no_body_ = false;  // response to HEAD
  int status = 0;
  bool keep_alive = true;
  uint64_t body_bytes = 0;
  HttpRequest request;
  std::string error;

 private:
  enum class State {
    kStartLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kUntilClose,
    kDone
  };
  ParseStatus StartLine(std::string_view line);
  ParseStatus Header(std::string_view line);
  ParseStatus EndOfHead();
  ParseStatus Fail(std::string message);

  State state_ = State::kStartLine;
  std::string line_;  // a line split across reads
  size_t head_bytes_ = 0;
  bool chunked_ = false;
  bool has_length_ = false;
  uint64_t remaining_ = 0;  // body or chunk bytes still to come
};

}  // namespace internal

class ResponseParser {
 public:
  // The request was HEAD: the response has no body whatever its headers say (as 1xx, 204
  // and 304 responses never do). Applies to the next message; Reset keeps it.
  void ExpectNoBody(bool no_body) { core_.no_body_ = no_body; }

  // Consumes bytes from the start of `data`. On kIncomplete every byte was used and the parser
  // remembers where it is; feed only the *new* bytes next time. On kComplete `*used` is the
  // number of bytes of `data` that ended the message (the rest belongs to the next one).
  ParseStatus Feed(std::string_view data, size_t* used) { return core_.Feed(data, used); }
  // The peer closed the connection: completes a body framed by the close (no Content-Length,
  // not chunked); anything else still pending is an error.
  ParseStatus Finish() { return core_.Finish(); }
  // Ready for the next message on the same connection.
  void Reset() { core_.Reset(); }

  int status() const { return core_.status; }
  bool keep_alive() const { return core_.keep_alive; }
  uint64_t body_bytes() const { return core_.body_bytes; }
  const std::string& error() const { return core_.error; }

 private:
  internal::MessageParser core_{true};
};

class RequestParser {
 public:
  // Same contract as ResponseParser::Feed. Request bodies (Content-Length or chunked) are
  // consumed and discarded; a request cannot be framed by closing the connection.
  ParseStatus Feed(std::string_view data, size_t* used) { return core_.Feed(data, used); }
  void Reset() { core_.Reset(); }
  const HttpRequest& request() const { return core_.request; }
  const std::string& error() const { return core_.error; }

 private:
  internal::MessageParser core_{false};
};

}  // namespace forescale::loadgen
