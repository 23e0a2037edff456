#include "loadgen/http_server.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace forescale::loadgen {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

namespace {

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;

std::string Serialize(const HttpResponse& r, bool close) {
  std::string out;
  out.reserve(128 + r.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += ReasonPhrase(r.status);
  out += "\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(r.body.size());
  out += close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace

struct HttpServer::Shared {
  std::mutex mu;
  struct Completion {
    uint64_t conn;
    HttpResponse response;
  };
  std::vector<Completion> completions;  // guarded by mu
  int wake_fd = -1;
  std::thread::id io_thread;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> grace_ms{0};

  ~Shared() {
    if (wake_fd >= 0) close(wake_fd);
  }
  void Complete(uint64_t conn, HttpResponse response) {
    {
      std::lock_guard lock(mu);
      completions.push_back({conn, std::move(response)});
    }
    // The I/O thread drains completions after every batch of events; only other threads
    // need to wake it.
    if (std::this_thread::get_id() != io_thread) {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof one);
    }
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->handler_ = std::move(handler);
  s->max_connections_ = options.max_connections;
  s->shared_ = std::make_shared<Shared>();
  const bool v6 = options.bind.find(':') != std::string::npos;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(options.port);
    if (inet_pton(AF_INET6, options.bind.c_str(), &a.sin6_addr) != 1) {
      return Fail(ErrorCode::kInvalidArgument, "bad bind address '" + options.bind + "'");
    }
    std::memcpy(&addr, &a, sizeof a);
    len = sizeof a;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(options.port);
    if (inet_pton(AF_INET, options.bind.c_str(), &a.sin_addr) != 1) {
      return Fail(ErrorCode::kInvalidArgument, "bad bind address '" + options.bind + "'");
    }
    std::memcpy(&addr, &a, sizeof a);
    len = sizeof a;
  }
  const std::string where = options.bind + ":" + std::to_string(options.port);
  s->listen_fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0)
    return Fail(ErrorCode::kIo, "socket: " + std::string(std::strerror(errno)));
  const int one = 1;
  setsockopt(s->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(s->listen_fd_, options.backlog) != 0) {
    const std::string why = std::strerror(errno);
    close(s->listen_fd_);
    s->listen_fd_ = -1;
    return Fail(ErrorCode::kIo, "cannot listen on " + where + ": " + why);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  s->port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                      : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  s->shared_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->shared_->wake_fd < 0) {
    close(s->listen_fd_);
    s->listen_fd_ = -1;
    return Fail(ErrorCode::kIo, "eventfd: " + std::string(std::strerror(errno)));
  }
  s->thread_ = std::thread([raw = s.get()] { raw->Loop(); });
  return s;
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  if (!shared_) return;
  shared_->grace_ms.store(grace.count());
  shared_->stopping.store(true);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(shared_->wake_fd, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Loop() {
  shared_->io_thread = std::this_thread::get_id();
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  struct Conn {
    int fd = -1;
    RequestParser parser;
    std::string in;   // bytes read but not yet parsed (only while a request is answered)
    std::string out;  // response bytes not yet written
    size_t out_off = 0;
    bool busy = false;  // a request is with the handler
    bool close_after = false;
    bool want_out = false;
  };
  std::unordered_map<uint64_t, Conn> conns;
  uint64_t next_id = 2;
  auto add = [&](int fd, uint64_t id, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  add(listen_fd_, kListenId, EPOLLIN);
  add(shared_->wake_fd, kWakeId, EPOLLIN);
  auto drop = [&](uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    close(it->second.fd);  // also removes it from the epoll set
    conns.erase(it);
  };
  auto set_out = [&](uint64_t id, Conn& c, bool want) {
    if (c.want_out == want) return;
    c.want_out = want;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
    ev.data.u64 = id;
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
  };
  // Writes what it can; false when the connection was closed.
  auto flush = [&](uint64_t id, Conn& c) -> bool {
    while (c.out_off < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_out(id, c, true);
        return true;
      } else {
        drop(id);
        return false;
      }
    }
    c.out.clear();
    c.out_off = 0;
    set_out(id, c, false);
    if (c.close_after) {
      drop(id);
      return false;
    }
    return true;
  };
  // Parses buffered bytes into at most one request and hands it to the handler.
  auto process = [&](uint64_t id, Conn& c) {
    while (!c.busy && !c.in.empty() && !c.close_after) {
      size_t used = 0;
      const ParseStatus st = c.parser.Feed(c.in, &used);
      if (st == ParseStatus::kIncomplete) {
        c.in.clear();
        return;
      }
      if (st == ParseStatus::kError) {
        c.in.clear();
        c.close_after = true;
        c.out += Serialize({.status = 400, .body = c.parser.error() + "\n"}, true);
        flush(id, c);
        return;
      }
      c.in.erase(0, used);
      const HttpRequest request = c.parser.request();
      c.parser.Reset();
      c.busy = true;
      std::shared_ptr<Shared> shared = shared_;
      const bool keep = request.keep_alive;
      handler_(request, [shared, id, keep](HttpResponse r) {
        if (!keep) r.close = true;
        shared->Complete(id, std::move(r));
      });
    }
  };

  std::vector<epoll_event> events(256);
  std::vector<Shared::Completion> done;
  char buf[16384];
  bool listening = true;
  std::chrono::steady_clock::time_point deadline{};
  while (true) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenId) {
        while (listening) {
          const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          if (conns.size() >= max_connections_) {
            close(fd);
            continue;
          }
          const int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          const uint64_t cid = next_id++;
          conns[cid].fd = fd;
          add(fd, cid, EPOLLIN | EPOLLRDHUP);
        }
        continue;
      }
      if (id == kWakeId) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = read(shared_->wake_fd, &v, sizeof v);
        continue;
      }
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      if (events[i].events & EPOLLOUT) {
        if (!flush(id, c)) continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        bool closed = false;
        while (true) {
          const ssize_t r = read(c.fd, buf, sizeof buf);
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            if (static_cast<size_t>(r) < sizeof buf) break;
          } else if (r < 0 && errno == EINTR) {
            continue;
          } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
          } else {
            closed = true;  // EOF or error: a pending answer has nowhere to go
            break;
          }
        }
        if (closed) {
          drop(id);
          continue;
        }
        process(id, c);
      }
    }
    {
      std::lock_guard lock(shared_->mu);
      done.swap(shared_->completions);
    }
    for (Shared::Completion& d : done) {
      auto it = conns.find(d.conn);
      if (it == conns.end()) continue;  // the client went away first
      Conn& c = it->second;
      const bool close_conn = d.response.close || shared_->stopping.load();
      c.out += Serialize(d.response, close_conn);
      c.busy = false;
      c.close_after = close_conn;
      if (flush(d.conn, c)) process(d.conn, c);
    }
    done.clear();
    if (shared_->stopping.load()) {
      if (listening) {
        listening = false;
        close(listen_fd_);
        listen_fd_ = -1;
        deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(shared_->grace_ms.load());
      }
      std::vector<uint64_t> idle;
      for (auto& [cid, c] : conns) {
        if (!c.busy && c.out.empty()) idle.push_back(cid);
      }
      for (uint64_t cid : idle) drop(cid);
      if (conns.empty() || std::chrono::steady_clock::now() >= deadline) break;
    }
  }
  for (auto& [cid, c] : conns) close(c.fd);
  conns.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
  close(ep);
}

}  // namespace forescale::loadgen
