#include "loadgen/http_client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loadgen/http_parser.h"
#include "loadgen/loadgen.h"

namespace forescale::loadgen {

Result<HttpGetResult> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                              std::chrono::milliseconds timeout) {
  const std::string where = "http://" + host + ":" + std::to_string(port) + path;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (host.find(':') != std::string::npos) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1)
      return Fail(ErrorCode::kInvalidArgument, where + ": bad address");
    std::memcpy(&addr, &a, sizeof a);
    len = sizeof a;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
      return Fail(ErrorCode::kInvalidArgument, where + ": bad address");
    std::memcpy(&addr, &a, sizeof a);
    len = sizeof a;
  }
  const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(ErrorCode::kIo, where + ": socket: " + std::strerror(errno));
  const int64_t deadline = MonotonicNs() + timeout.count() * 1'000'000;
  auto wait = [&](short events) -> bool {
    while (true) {
      const int64_t left_ms = (deadline - MonotonicNs()) / 1'000'000;
      if (left_ms <= 0) return false;
      pollfd p{fd, events, 0};
      const int n = poll(&p, 1, static_cast<int>(left_ms));
      if (n > 0) return true;
      if (n == 0 || errno != EINTR) return false;
    }
  };
  auto fail = [&](const std::string& why) {
    close(fd);
    return Fail(ErrorCode::kIo, where + ": " + why);
  };
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) return fail(std::string("connect: ") + std::strerror(errno));
    if (!wait(POLLOUT)) return fail("connect timed out");
    int err = 0;
    socklen_t elen = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  size_t off = 0;
  while (off < request.size()) {
    const ssize_t n = send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait(POLLOUT)) return fail("send timed out");
    } else {
      return fail(std::string("send: ") + std::strerror(errno));
    }
  }
  ResponseParser parser;
  HttpGetResult result;
  char buf[16384];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t used = 0;
      const std::string_view chunk(buf, static_cast<size_t>(n));
      const ParseStatus st = parser.Feed(chunk, &used);
      result.body.append(chunk.substr(0, used));  // head included; trimmed below
      if (st == ParseStatus::kError) return fail("bad response: " + parser.error());
      if (st == ParseStatus::kComplete) break;
    } else if (n == 0) {
      if (parser.Finish() != ParseStatus::kComplete) return fail("connection closed early");
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait(POLLIN)) return fail("timed out waiting for the answer");
    } else {
      return fail(std::string("read: ") + std::strerror(errno));
    }
  }
  close(fd);
  result.status = parser.status();
  // The body is the tail of what was read: its last body_bytes() bytes.
  const uint64_t body = parser.body_bytes();
  result.body = result.body.substr(result.body.size() - std::min<size_t>(body, result.body.size()));
  return result;
}

}  // namespace forescale::loadgen
