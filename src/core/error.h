// Expected failures as values.
//
// Every operation that can fail on outside input (a file, a flag, a line of a log) returns
// `Result<T>`: either the value or an `Error` whose message names the file, line and problem
// the way a user needs to read it. Exceptions are kept for programming errors and the CLI
// boundary.
//
//   Result<Duration> d = ParseDuration("5m");
//   if (!d) return std::unexpected(d.error().WithContext("--step"));
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace forescale {

enum class ErrorCode {
  kInvalidArgument,  // a flag, a value or a line that does not parse
  kNotFound,         // a file, a series or a key that does not exist
  kIo,               // reading or writing failed
  kCorrupt,          // input that cannot be decoded at all (binary, truncated gzip)
  kConflict,         // a request that contradicts what is stored
  kInternal,         // a bug: reported, never expected
};

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with where it happened: "access.log:12: bad status".
  Error WithContext(const std::string& where) const {
    return Error(code_, where + ": " + message_);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for returning a failure: `return Fail(ErrorCode::kIo, "cannot open " + path);`
inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}

}  // namespace forescale
