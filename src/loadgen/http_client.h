// A blocking one-shot HTTP/1.1 GET: health checks (/healthz), metric scrapes (/metrics) and
// tests. Not for load: every call opens and closes its own connection. Bodies framed by
// Content-Length or by the close come back as sent; a chunked body keeps its chunk framing.
// Thread-safe.
//
//   Result<HttpGetResult> r = HttpGet("127.0.0.1", 8080, "/healthz", std::chrono::seconds(1));
//   bool ready = r && r->status == 200;
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace forescale::loadgen {

struct HttpGetResult {
  int status = 0;
  std::string body;
};

// Fails (kIo) when it cannot connect, the response is malformed or `timeout` passes.
Result<HttpGetResult> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace forescale::loadgen
