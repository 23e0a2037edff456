// A small HTTP/1.1 server on one epoll I/O thread: the sample service and the load
// generator's /metrics endpoint are built on it.
//
// The I/O thread accepts, reads and parses requests (keep-alive, one request at a time per
// connection: a pipelined request waits until the previous response is written) and calls the
// handler for each. The handler must not block: it answers through the `Responder` at once or
// hands it to another thread that answers later (the sample service's workers do). A responder
// must be called exactly once; calling it after the connection closed is harmless.
//
// Stop() is graceful: it stops accepting, closes idle connections, waits up to `grace` for
// requests already received to be answered and written, then closes the rest and joins.
//
// Thread safety: Start/Stop from one owner thread; a Responder from any thread.
//
//   auto server = HttpServer::Start({.port = 0}, [](const HttpRequest& r, Responder respond) {
//     respond({.status = 200, .body = "hello\n"});
//   });
//   uint16_t port = (*server)->port();
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/error.h"
#include "loadgen/http_parser.h"

namespace forescale::loadgen {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  bool close = false;  // ask the client to close the connection after this response
};

using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, Responder)>;

struct HttpServerOptions {
  std::string bind = "127.0.0.1";  // numeric IPv4 or IPv6 address
  uint16_t port = 0;               // 0: any free port (see HttpServer::port)
  int backlog = 4096;
  size_t max_connections = 20000;  // beyond this, new connections are closed at once
};

// "OK", "Service Unavailable", ...; "Unknown" for codes it does not know.
const char* ReasonPhrase(int status);

class HttpServer {
 public:
  // Binds, listens and starts the I/O thread; fails (kIo) when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();  // Stop(0 s) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct Shared;  // state shared with responders (internal)

 private:
  HttpServer() = default;
  void Loop();

  std::shared_ptr<Shared> shared_;
  HttpHandler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  size_t max_connections_ = 0;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace forescale::loadgen
