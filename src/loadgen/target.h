// The target of a load test: an http:// URL resolved to one socket address.
//
// Only plain HTTP (no TLS). Traffic may go to loopback only (127.0.0.0/8, ::1, "localhost")
// unless the caller says `allow_remote`: a load generator pointed at the wrong host is a
// denial-of-service tool, and tests and benchmarks must never leave the machine.
//
//   Result<Target> t = ParseTarget("http://127.0.0.1:8080/api", {.allow_remote = false});
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "core/error.h"

namespace forescale::loadgen {

struct Target {
  std::string url;   // as given
  std::string host;  // as written in the URL ("127.0.0.1", "::1", "localhost")
  uint16_t port = 80;
  std::string path = "/";   // path and query sent in the request line
  std::string host_header;  // "127.0.0.1:8080"
  sockaddr_storage address{};
  socklen_t address_len = 0;
  bool loopback = true;
};

struct TargetOptions {
  bool allow_remote = false;  // permit non-loopback addresses
};

// Fails (kInvalidArgument) on anything but http://HOST[:PORT][/PATH], on a host that does not
// resolve, and on a non-loopback address without `allow_remote`.
Result<Target> ParseTarget(const std::string& url, const TargetOptions& options = {});

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback.
bool IsLoopback(const sockaddr_storage& address);

}  // namespace forescale::loadgen
