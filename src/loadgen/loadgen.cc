#include "loadgen/loadgen.h"

#include <fmt/format.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>

#include "loadgen/http_parser.h"

namespace forescale::loadgen {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kReset:
      return "reset";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kHttp4xx:
      return "http_4xx";
    case ErrorKind::kHttp5xx:
      return "http_5xx";
    case ErrorKind::kProtocol:
      return "protocol";
  }
  return "unknown";
}

uint64_t Counts::ErrorTotal() const {
  uint64_t n = 0;
  for (uint64_t e : errors) n += e;
  return n;
}

void Counts::Add(const Counts& o) {
  scheduled += o.scheduled;
  sent += o.sent;
  ok += o.ok;
  for (size_t i = 0; i < kErrorKinds; ++i) errors[i] += o.errors[i];
}

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {

constexpr int64_t kNsPerS = 1'000'000'000;

int64_t ToNs(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

std::string BuildRequest(const RequestSpec& spec, const Target& target) {
  std::string r = spec.method;
  r += ' ';
  r += spec.path.empty() ? target.path : spec.path;
  r += " HTTP/1.1\r\nHost: ";
  r += target.host_header;
  r += "\r\nUser-Agent: forescale-loadgen\r\n";
  if (spec.method != "GET" && spec.method != "HEAD") r += "Content-Length: 0\r\n";
  r += "\r\n";
  return r;
}

}  // namespace

// One thread: its connections, its share of the schedule, its counts.
struct Loadgen::Worker {
  enum class State { kDown, kConnecting, kIdle, kBusy };
  struct Conn {
    int fd = -1;
    State state = State::kDown;
    ResponseParser parser;
    const std::string* out = nullptr;  // request being written
    size_t out_off = 0;
    int64_t intended_ns = 0;
    int64_t sent_ns = 0;
    int64_t since_ns = 0;     // connecting since / busy since
    int64_t retry_at_ns = 0;  // kDown: next connect attempt
    bool want_out = false;
    uint32_t request = 0;     // kBusy: which request
    uint32_t answered = 0;    // responses read on this connection since it opened
    bool got_bytes = false;   // kBusy: some of the response has arrived
    bool is_resend = false;   // kBusy: the request already went out once on a closed connection
  };
  struct Pending {
    int64_t intended_ns;
    uint32_t request;
    bool is_resend = false;
  };

  // Live counters, read by Live() from other threads.
  struct alignas(64) LiveCounters {
    std::atomic<uint64_t> scheduled{0}, sent{0}, ok{0}, in_flight{0}, waiting{0},
        connect_failures{0}, latency_count{0};
    std::array<std::atomic<uint64_t>, kErrorKinds> errors{};
    std::atomic<int64_t> lag_max_ns{0}, lag_sum_ns{0}, latency_sum_ns{0};
  };

  Loadgen* owner = nullptr;
  Schedule::Cursor cursor;
  bool max_mode = false;
  int connections = 1;
  std::vector<std::string> request_bytes;
  std::vector<bool> request_is_head;
  std::vector<bool> request_is_idempotent;
  LiveCounters live;

  // Results, read after the thread is joined.
  std::vector<SecondStats> seconds;
  uint64_t unfinished = 0, not_sent = 0, connect_failures = 0, opened = 0, resent = 0;
  uint64_t max_waiting = 0;
  bool hit_cap = false;
  int64_t send_end_ns = 0;  // when it stopped sending

  // Loop state.
  int ep = -1;
  int64_t start_ns = 0;
  int64_t timeout_ns = 0;
  std::vector<Conn> conns;
  std::vector<int> idle;
  int up = 0;  // connections connecting, idle or busy
  uint64_t in_flight = 0;
  std::deque<Pending> pending;
  bool draining = false;  // sending is over; only answers in flight are awaited
  char buf[65536];

  SecondStats& At(int64_t t_ns) {
    const int64_t s = std::max<int64_t>(0, (t_ns - start_ns) / kNsPerS);
    const size_t i = static_cast<size_t>(std::min<int64_t>(s, 10'000'000));
    if (i >= seconds.size()) seconds.resize(i + 1);
    return seconds[i];
  }

  bool Claim() {
    const uint64_t cap = owner->options_.max_requests;
    if (cap == 0) return true;
    if (owner->claimed_.fetch_add(1, std::memory_order_relaxed) < cap) return true;
    hit_cap = true;
    return false;
  }

  void SetEvents(int i, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev);
  }

  void Close(int i) {
    Conn& c = conns[i];
    if (c.fd >= 0) close(c.fd);
    if (c.state != State::kDown) --up;
    if (c.state == State::kIdle) idle.erase(std::find(idle.begin(), idle.end(), i));
    if (c.state == State::kBusy) {
      --in_flight;
      live.in_flight.store(in_flight, std::memory_order_relaxed);
    }
    c.fd = -1;
    c.state = State::kDown;
    c.want_out = false;
  }

  void ConnectFailed(int i, int64_t now) {
    Close(i);
    ++connect_failures;
    live.connect_failures.fetch_add(1, std::memory_order_relaxed);
    conns[i].retry_at_ns = now + ToNs(owner->options_.connect_backoff_s);
  }

  void BecomeIdle(int i) {
    Conn& c = conns[i];
    if (c.state == State::kBusy) {
      --in_flight;
      live.in_flight.store(in_flight, std::memory_order_relaxed);
    }
    c.state = State::kIdle;
    idle.push_back(i);
  }

  void Connect(int i, int64_t now) {
    Conn& c = conns[i];
    const Target& t = owner->options_.target;
    c.fd = socket(t.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      ConnectFailed(i, now);
      return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++up;
    c.state = State::kConnecting;
    c.since_ns = now;
    c.answered = 0;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    c.want_out = true;
    const int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&t.address), t.address_len);
    if (rc == 0) {
      Connected(i);
    } else if (errno != EINPROGRESS) {
      ConnectFailed(i, now);
    }
  }

  void Connected(int i) {
    ++opened;
    conns[i].want_out = false;
    SetEvents(i, EPOLLIN | EPOLLRDHUP);
    BecomeIdle(i);
  }

  // A request ended (any way but "not sent"); `t` is when that was known.
  void Outcome(int64_t t, std::optional<ErrorKind> error, int64_t intended, bool answered) {
    SecondStats& s = At(t);
    if (error) {
      const auto k = static_cast<size_t>(*error);
      ++s.counts.errors[k];
      live.errors[k].fetch_add(1, std::memory_order_relaxed);
    } else {
      ++s.counts.ok;
      live.ok.fetch_add(1, std::memory_order_relaxed);
    }
    if (answered) {
      const int64_t latency = t - intended;
      s.latency.Add(static_cast<double>(latency) / 1e9);
      live.latency_sum_ns.fetch_add(latency, std::memory_order_relaxed);
      live.latency_count.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // A server may close an idle keep-alive connection at the moment a request goes out on it
  // (its keep-alive timeout, a reload, a replica leaving): the request was never processed.
  // Like Go's net/http, send an idempotent request again, on another connection, whenever a
  // *reused* connection closed before a byte of the response came back — a reloading nginx
  // closes every idle connection of its old worker at once, so the next one may close too. Its
  // latency clock keeps running from the first intended time. A fresh connection that breaks
  // is a real error, so a server that closes everything ends the chain within the pool size.
  bool ShouldResend(const Conn& c, ErrorKind kind) const {
    return kind == ErrorKind::kReset && c.state == State::kBusy && c.answered > 0 && !c.got_bytes &&
           request_is_idempotent[c.request];
  }

  // The connection broke with a request on it (or the response was malformed).
  void Broken(int i, int64_t now, ErrorKind kind) {
    Conn& c = conns[i];
    if (ShouldResend(c, kind)) {
      pending.push_front({c.intended_ns, c.request, /*is_resend=*/true});
      ++resent;
    } else if (c.state == State::kBusy) {
      Outcome(now, kind, c.intended_ns, false);
    }
    Reopen(i, now);
  }

  // Replace a connection that ended. At once, so that requests due now find it (with one
  // connection, "none up" would otherwise fail them as unreachable); a dead server fails the
  // connect, and that backs off.
  void Reopen(int i, int64_t now) {
    Close(i);
    conns[i].retry_at_ns = now;
    // Open loop: the next due request opens a connection if it finds none idle.
    if (max_mode && (!draining || !pending.empty())) Connect(i, now);
  }

  // Open loop: connections are opened as due requests need them, up to the pool size, so an
  // idle pool never holds connections that have not sent a request (a reloading nginx keeps an
  // old worker alive for as long as it holds one) and a slow target still gets its requests on
  // time while the pool grows. Max mode opens the whole pool at once.
  void ConnectForDemand(int64_t now) {
    if (max_mode || pending.empty()) return;
    int64_t want = static_cast<int64_t>(pending.size()) - static_cast<int64_t>(idle.size());
    if (want <= 0) return;
    for (int i = 0; i < connections && want > 0; ++i) {
      if (conns[i].state == State::kConnecting) --want;
    }
    for (int i = 0; i < connections && want > 0; ++i) {
      if (conns[i].state == State::kDown && conns[i].retry_at_ns <= now) {
        Connect(i, now);
        --want;
      }
    }
  }

  void Send(int i, int64_t intended, uint32_t request, bool is_resend = false) {
    Conn& c = conns[i];
    const int64_t now = MonotonicNs();
    // Callers take the connection idle the longest (idle.front()): every connection of the pool
    // carries requests, so none sits unused for long — a load balancer being reloaded keeps an
    // old worker alive for as long as it holds a connection that has not sent its request yet.
    idle.erase(idle.begin());
    c.state = State::kBusy;
    ++in_flight;
    live.in_flight.store(in_flight, std::memory_order_relaxed);
    c.intended_ns = max_mode ? now : intended;
    c.sent_ns = now;
    c.since_ns = now;
    c.request = request;
    c.got_bytes = false;
    c.is_resend = is_resend;
    c.parser.Reset();
    c.parser.ExpectNoBody(request_is_head[request]);
    c.out = &request_bytes[request];
    c.out_off = 0;
    if (is_resend) {  // counted as sent (and its lag recorded) the first time
      Write(i, now);
      return;
    }
    SecondStats& s = At(now);
    ++s.counts.sent;
    live.sent.fetch_add(1, std::memory_order_relaxed);
    if (!max_mode) {
      const int64_t lag = std::max<int64_t>(0, now - intended);
      s.lag.Add(static_cast<double>(lag) / 1e9);
      live.lag_sum_ns.fetch_add(lag, std::memory_order_relaxed);
      if (lag > live.lag_max_ns.load(std::memory_order_relaxed)) {
        live.lag_max_ns.store(lag, std::memory_order_relaxed);
      }
    } else {
      ++s.counts.scheduled;
      live.scheduled.fetch_add(1, std::memory_order_relaxed);
    }
    Write(i, now);
  }

  void Write(int i, int64_t now) {
    Conn& c = conns[i];
    while (c.out_off < c.out->size()) {
      const ssize_t n =
          send(c.fd, c.out->data() + c.out_off, c.out->size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!c.want_out) {
          c.want_out = true;
          SetEvents(i, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
        }
        return;
      } else {
        Broken(i, now, ErrorKind::kReset);
        return;
      }
    }
    if (c.want_out) {
      c.want_out = false;
      SetEvents(i, EPOLLIN | EPOLLRDHUP);
    }
  }

  void Readable(int i, int64_t now) {
    Conn& c = conns[i];
    while (true) {
      const ssize_t n = read(c.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) {  // EOF or error
        if (c.state == State::kBusy && n == 0 && c.parser.Finish() == ParseStatus::kComplete) {
          Answered(i, now, /*reuse=*/false);
          return;
        }
        Broken(i, now, ErrorKind::kReset);
        return;
      }
      if (c.state != State::kBusy) {  // bytes nobody asked for: the connection is not usable
        Broken(i, now, ErrorKind::kProtocol);
        return;
      }
      c.got_bytes = true;
      size_t used = 0;
      const ParseStatus st = c.parser.Feed(std::string_view(buf, static_cast<size_t>(n)), &used);
      if (st == ParseStatus::kError ||
          (st == ParseStatus::kComplete && used != static_cast<size_t>(n))) {
        Broken(i, now, ErrorKind::kProtocol);
        return;
      }
      if (st == ParseStatus::kComplete) {
        Answered(i, now, c.parser.keep_alive());
        return;
      }
      if (static_cast<size_t>(n) < sizeof buf) return;
    }
  }

  void Answered(int i, int64_t now, bool reuse) {
    Conn& c = conns[i];
    const int status = c.parser.status();
    std::optional<ErrorKind> error;
    if (status >= 500) {
      error = ErrorKind::kHttp5xx;
    } else if (status >= 400) {
      error = ErrorKind::kHttp4xx;
    } else if (status < 200) {
      error = ErrorKind::kProtocol;
    }
    Outcome(now, error, c.intended_ns, true);
    ++c.answered;
    if (reuse) {
      BecomeIdle(i);
    } else {
      Reopen(i, now);
    }
  }

  void Run();
};

void Loadgen::Worker::Run() {
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake at the arrival, not up to 50 us later
  const LoadgenOptions& o = owner->options_;
  ep = epoll_create1(EPOLL_CLOEXEC);
  timeout_ns = ToNs(o.timeout_s);
  const double window_s = owner->result_.duration_s;
  const int64_t end_ns = start_ns + ToNs(window_s);
  conns.resize(static_cast<size_t>(connections));
  int64_t now = MonotonicNs();
  // Max mode: the whole pool at once; open loop: one to start (ConnectForDemand adds more).
  for (int i = 0; i < (max_mode ? connections : 1); ++i) Connect(i, now);
  std::optional<Arrival> next;
  if (!max_mode) next = cursor.Next();
  int64_t next_scan_ns = now;
  std::vector<epoll_event> events(static_cast<size_t>(connections) + 1);
  auto fail_pending = [&](ErrorKind kind, int64_t t) {
    Outcome(t, kind, pending.front().intended_ns, false);
    pending.pop_front();
  };
  int64_t drain_end = 0;
  while (true) {
    now = MonotonicNs();
    const bool ending = now >= end_ns || owner->stop_.load(std::memory_order_relaxed);
    if (draining && ((in_flight == 0 && pending.empty()) || now >= drain_end)) break;
    if (draining) {
      // Only resends wait now: requests that were sent in time and met a closing connection.
      ConnectForDemand(now);
      while (!idle.empty() && !pending.empty()) {
        const Pending p = pending.front();
        pending.pop_front();
        Send(idle.front(), p.intended_ns, p.request, p.is_resend);
      }
    } else {
      // Due arrivals join the queue; their latency clock started at their intended time. At
      // the end, everything due inside the window still gets its chance to go out.
      const int64_t due_until = std::min(now, end_ns - 1);
      while (next && start_ns + next->at_ns <= due_until) {
        if (!Claim()) {
          next.reset();
          break;
        }
        pending.push_back({start_ns + next->at_ns, next->request});
        ++At(start_ns + next->at_ns).counts.scheduled;
        live.scheduled.fetch_add(1, std::memory_order_relaxed);
        next = cursor.Next();
      }
      ConnectForDemand(now);
      if (!pending.empty()) {
        if (up == 0) {
          // No connection is up or coming up: the target refuses connections. Failing the
          // requests now (not after the timeout) keeps the counts true to the second.
          while (!pending.empty()) fail_pending(ErrorKind::kConnect, now);
        } else {
          while (!pending.empty() && pending.front().intended_ns + timeout_ns <= now) {
            fail_pending(ErrorKind::kTimeout, now);
          }
        }
      }
      // Idle connections take the oldest due requests (closed loop: any request).
      while (!idle.empty()) {
        if (max_mode) {
          if (ending || hit_cap || !Claim()) break;
          Send(idle.front(), 0, 0);
        } else if (!pending.empty()) {
          const Pending p = pending.front();
          pending.pop_front();
          Send(idle.front(), p.intended_ns, p.request, p.is_resend);
        } else {
          break;
        }
      }
      max_waiting = std::max<uint64_t>(max_waiting, pending.size());
      live.waiting.store(pending.size(), std::memory_order_relaxed);
      const bool exhausted = max_mode ? hit_cap : !next;
      if (ending || (exhausted && pending.empty())) {
        // Sending is over; what is still due was not sent, what is in flight may drain.
        draining = true;
        send_end_ns = std::min(now, end_ns);
        drain_end = now + ToNs(o.drain_s);
        std::erase_if(pending, [&](const Pending& p) {
          if (!p.is_resend) ++not_sent;
          return !p.is_resend;
        });
        live.waiting.store(0, std::memory_order_relaxed);
        if (in_flight == 0 && pending.empty()) break;
      }
    }
    // Timeouts of requests in flight and of connects; reconnects that are due.
    int64_t wake = draining ? drain_end : end_ns;
    if (now >= next_scan_ns) {
      next_scan_ns = now + 1'000'000;
      for (int i = 0; i < connections; ++i) {
        Conn& c = conns[i];
        if (c.state == State::kBusy && c.since_ns + timeout_ns <= now) {
          Broken(i, now, ErrorKind::kTimeout);
        } else if (c.state == State::kConnecting && c.since_ns + timeout_ns <= now) {
          ConnectFailed(i, now);
        }
        if (max_mode && c.state == State::kDown && (!draining || !pending.empty()) &&
            c.retry_at_ns <= now) {
          Connect(i, now);
        }
      }
    }
    if (in_flight > 0 || (up < connections && (max_mode || !pending.empty()))) {
      wake = std::min(wake, next_scan_ns);
    }
    if (!draining) {
      if (next) wake = std::min(wake, start_ns + next->at_ns);
      if (!pending.empty()) wake = std::min(wake, pending.front().intended_ns + timeout_ns);
      if (max_mode && !idle.empty() && !hit_cap) wake = now;
      if (!idle.empty() && !pending.empty()) wake = now;
    } else if (!pending.empty()) {
      wake = idle.empty() ? std::min(wake, next_scan_ns) : now;
    }
    const int64_t wait = std::max<int64_t>(0, wake - MonotonicNs());
    timespec ts{static_cast<time_t>(wait / kNsPerS), static_cast<long>(wait % kNsPerS)};
    const int n = epoll_pwait2(ep, events.data(), static_cast<int>(events.size()), &ts, nullptr);
    if (n <= 0) continue;
    now = MonotonicNs();
    for (int e = 0; e < n; ++e) {
      const int i = static_cast<int>(events[e].data.u32);
      Conn& c = conns[i];
      if (c.fd < 0) continue;
      const uint32_t ev = events[e].events;
      if (c.state == State::kConnecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
          ConnectFailed(i, now);
        } else if (ev & EPOLLOUT) {
          Connected(i);
        }
        continue;
      }
      if ((ev & EPOLLOUT) && c.state == State::kBusy && c.out_off < c.out->size()) Write(i, now);
      if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) Readable(i, now);
    }
  }
  // Whatever is still in flight, or waiting to go out again, had its chance.
  while (!pending.empty()) fail_pending(ErrorKind::kReset, now);
  for (int i = 0; i < connections; ++i) {
    if (conns[i].state == State::kBusy) ++unfinished;
    if (conns[i].fd >= 0) Close(i);
  }
  if (send_end_ns == 0) send_end_ns = MonotonicNs();
  close(ep);
  owner->running_.fetch_sub(1);
}

Result<std::unique_ptr<Loadgen>> Loadgen::Start(const Schedule& schedule,
                                                const LoadgenOptions& options) {
  if (options.threads < 1) return Fail(ErrorCode::kInvalidArgument, "--threads must be at least 1");
  if (options.connections < 1)
    return Fail(ErrorCode::kInvalidArgument, "--connections must be at least 1");
  if (options.target.address_len == 0) {
    return Fail(ErrorCode::kInvalidArgument, "no target (use ParseTarget)");
  }
  if (!(options.timeout_s > 0) || !(options.drain_s >= 0) || !(options.connect_backoff_s >= 0)) {
    return Fail(ErrorCode::kInvalidArgument, "timeout must be positive, drain and backoff >= 0");
  }
  const bool max_mode = schedule.kind() == Schedule::Kind::kMax;
  double window_s = options.duration_s;
  if (!(window_s >= 0)) return Fail(ErrorCode::kInvalidArgument, "--duration must be positive");
  if (max_mode && window_s <= 0 && options.max_requests == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "an unbounded rate needs --duration or --max-requests");
  }
  if (max_mode && window_s <= 0) window_s = 365.0 * 86400;  // bounded by the request count
  if (!max_mode) {
    const double length_s = static_cast<double>(schedule.length_ns()) / 1e9;
    window_s = window_s > 0 ? std::min(window_s, length_s) : length_s;
  }
  std::unique_ptr<Loadgen> g(new Loadgen());
  g->schedule_ = schedule;
  g->options_ = options;
  g->result_.duration_s = window_s;
  g->result_.target = options.target.url;
  g->result_.mode = max_mode ? "max" : "schedule";
  const int threads = std::min(options.threads, options.connections);
  std::vector<std::string> bytes;
  std::vector<bool> head, idempotent;
  for (const RequestSpec& spec : g->schedule_.requests()) {
    bytes.push_back(BuildRequest(spec, options.target));
    head.push_back(spec.method == "HEAD");
    // RFC 9110 9.2.2: the methods a client may send again after a connection failure.
    idempotent.push_back(spec.method == "GET" || spec.method == "HEAD" || spec.method == "PUT" ||
                         spec.method == "DELETE" || spec.method == "OPTIONS" ||
                         spec.method == "TRACE");
  }
  for (int k = 0; k < threads; ++k) {
    auto w = std::make_unique<Worker>();
    w->owner = g.get();
    w->cursor = g->schedule_.Share(static_cast<size_t>(k), static_cast<size_t>(threads));
    w->max_mode = max_mode;
    w->connections = options.connections / threads + (k < options.connections % threads ? 1 : 0);
    w->request_bytes = bytes;
    w->request_is_head = head;
    w->request_is_idempotent = idempotent;
    g->workers_.push_back(std::move(w));
  }
  if (options.metrics_port >= 0) {
    Loadgen* raw = g.get();
    auto server = HttpServer::Start(
        {.bind = "127.0.0.1", .port = static_cast<uint16_t>(options.metrics_port)},
        [raw](const HttpRequest& r, Responder respond) {
          if (r.target.rfind("/metrics", 0) == 0) {
            respond({.status = 200,
                     .content_type = "text/plain; version=0.0.4; charset=utf-8",
                     .body = raw->MetricsText()});
          } else {
            respond({.status = 404, .body = "try /metrics\n"});
          }
        });
    if (!server) return std::unexpected(server.error().WithContext("--metrics-port"));
    g->metrics_ = std::move(*server);
  }
  // One start time for every thread, a little ahead so they all see their first arrival on time.
  g->start_ns_ = MonotonicNs() + 2'000'000;
  g->running_.store(threads);
  for (auto& w : g->workers_) {
    w->start_ns = g->start_ns_;
    g->threads_.emplace_back([raw = w.get()] { raw->Run(); });
  }
  return g;
}

Loadgen::~Loadgen() {
  if (!waited_) {
    Stop();
    Wait();
  }
}

void Loadgen::Stop() { stop_.store(true); }

bool Loadgen::Done() const { return running_.load() == 0; }

int Loadgen::metrics_port() const { return metrics_ ? metrics_->port() : -1; }

LiveStats Loadgen::Live() const {
  LiveStats s;
  for (const auto& w : workers_) {
    const Worker::LiveCounters& l = w->live;
    s.totals.scheduled += l.scheduled.load(std::memory_order_relaxed);
    s.totals.sent += l.sent.load(std::memory_order_relaxed);
    s.totals.ok += l.ok.load(std::memory_order_relaxed);
    for (size_t k = 0; k < kErrorKinds; ++k)
      s.totals.errors[k] += l.errors[k].load(std::memory_order_relaxed);
    s.in_flight += l.in_flight.load(std::memory_order_relaxed);
    s.waiting += l.waiting.load(std::memory_order_relaxed);
    s.connect_failures += l.connect_failures.load(std::memory_order_relaxed);
    s.lag_max_s = std::max(s.lag_max_s,
                           static_cast<double>(l.lag_max_ns.load(std::memory_order_relaxed)) / 1e9);
    s.lag_sum_s += static_cast<double>(l.lag_sum_ns.load(std::memory_order_relaxed)) / 1e9;
    s.latency_sum_s += static_cast<double>(l.latency_sum_ns.load(std::memory_order_relaxed)) / 1e9;
    s.latency_count += l.latency_count.load(std::memory_order_relaxed);
  }
  s.elapsed_s = std::max<double>(0, static_cast<double>(MonotonicNs() - start_ns_) / 1e9);
  return s;
}

std::string Loadgen::MetricsText() const {
  const LiveStats s = Live();
  std::string out;
  out +=
      "# HELP forescale_loadgen_requests_total Requests that ended, by result.\n"
      "# TYPE forescale_loadgen_requests_total counter\n";
  out += fmt::format("forescale_loadgen_requests_total{{result=\"ok\"}} {}\n", s.totals.ok);
  for (size_t k = 0; k < kErrorKinds; ++k) {
    out += fmt::format("forescale_loadgen_requests_total{{result=\"{}\"}} {}\n",
                       ErrorKindName(static_cast<ErrorKind>(k)), s.totals.errors[k]);
  }
  out +=
      "# HELP forescale_loadgen_scheduled_total Requests whose intended send time has come.\n"
      "# TYPE forescale_loadgen_scheduled_total counter\n";
  out += fmt::format("forescale_loadgen_scheduled_total {}\n", s.totals.scheduled);
  out +=
      "# HELP forescale_loadgen_sent_total Requests written to a connection.\n"
      "# TYPE forescale_loadgen_sent_total counter\n";
  out += fmt::format("forescale_loadgen_sent_total {}\n", s.totals.sent);
  out +=
      "# HELP forescale_loadgen_in_flight Requests sent and not yet answered.\n"
      "# TYPE forescale_loadgen_in_flight gauge\n";
  out += fmt::format("forescale_loadgen_in_flight {}\n", s.in_flight);
  out +=
      "# HELP forescale_loadgen_waiting Requests due but not yet sent (no free connection).\n"
      "# TYPE forescale_loadgen_waiting gauge\n";
  out += fmt::format("forescale_loadgen_waiting {}\n", s.waiting);
  out +=
      "# HELP forescale_loadgen_connect_failures_total Failed connection attempts.\n"
      "# TYPE forescale_loadgen_connect_failures_total counter\n";
  out += fmt::format("forescale_loadgen_connect_failures_total {}\n", s.connect_failures);
  out +=
      "# HELP forescale_loadgen_schedule_lag_seconds Actual minus intended send time.\n"
      "# TYPE forescale_loadgen_schedule_lag_seconds summary\n";
  out += fmt::format("forescale_loadgen_schedule_lag_seconds_sum {:.9f}\n", s.lag_sum_s);
  out += fmt::format("forescale_loadgen_schedule_lag_seconds_count {}\n", s.totals.sent);
  out +=
      "# HELP forescale_loadgen_schedule_lag_max_seconds Largest schedule lag so far.\n"
      "# TYPE forescale_loadgen_schedule_lag_max_seconds gauge\n";
  out += fmt::format("forescale_loadgen_schedule_lag_max_seconds {:.9f}\n", s.lag_max_s);
  out +=
      "# HELP forescale_loadgen_latency_seconds Intended send time to answer.\n"
      "# TYPE forescale_loadgen_latency_seconds summary\n";
  out += fmt::format("forescale_loadgen_latency_seconds_sum {:.9f}\n", s.latency_sum_s);
  out += fmt::format("forescale_loadgen_latency_seconds_count {}\n", s.latency_count);
  return out;
}

LoadgenResult Loadgen::Wait() {
  if (waited_) return result_;
  waited_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (metrics_) metrics_->Stop(std::chrono::milliseconds(0));
  LoadgenResult& r = result_;
  int64_t send_end = start_ns_;
  uint64_t max_waiting = 0;
  for (const auto& w : workers_) {
    if (w->seconds.size() > r.seconds.size()) r.seconds.resize(w->seconds.size());
    for (size_t i = 0; i < w->seconds.size(); ++i) {
      r.seconds[i].counts.Add(w->seconds[i].counts);
      r.seconds[i].latency.Merge(w->seconds[i].latency);
      r.seconds[i].lag.Merge(w->seconds[i].lag);
    }
    r.unfinished += w->unfinished;
    r.not_sent += w->not_sent;
    r.connect_failures += w->connect_failures;
    r.connections_opened += w->opened;
    r.resent += w->resent;
    r.hit_max_requests = r.hit_max_requests || w->hit_cap;
    max_waiting += w->max_waiting;
    send_end = std::max(send_end, w->send_end_ns);
  }
  for (const SecondStats& s : r.seconds) {
    r.totals.Add(s.counts);
    r.latency.Merge(s.latency);
    r.lag.Merge(s.lag);
  }
  r.stopped_early = stop_.load();
  r.elapsed_s = static_cast<double>(MonotonicNs() - start_ns_) / 1e9;
  // Rates are over the time the generator was sending: the whole window, or less when the
  // schedule or the request cap ran out, or Stop() came, first.
  const double sending_s = static_cast<double>(send_end - start_ns_) / 1e9;
  if (r.stopped_early || r.hit_max_requests || r.mode == "max") {
    r.duration_s = std::min(r.duration_s, std::max(sending_s, 1e-9));
  }
  const double window = std::max(r.duration_s, 1e-9);
  r.achieved_rate = static_cast<double>(r.totals.sent) / window;
  r.scheduled_rate =
      r.mode == "max" ? r.achieved_rate : static_cast<double>(r.totals.scheduled) / window;
  if (r.mode == "max") r.totals.scheduled = r.totals.sent;

  // What happened, in words.
  auto& notes = r.notes;
  const auto& e = r.totals.errors;
  if (r.mode == "schedule") {
    const double p99_ms = r.lag.count() ? r.lag.Quantile(0.99) * 1e3 : 0.0;
    if (r.not_sent > 0 || p99_ms > options_.lag_tolerance_ms) {
      r.schedule_kept = false;
      notes.push_back(fmt::format(
          "could not keep the schedule: p99 schedule lag {:.3f} ms (tolerance {} ms), {} due "
          "requests not sent by the end{}",
          p99_ms, options_.lag_tolerance_ms, r.not_sent,
          max_waiting > 0 ? fmt::format("; up to {} due requests found every connection busy (the "
                                        "target was slow, or this process did not get a CPU in "
                                        "time; more --connections helps with the first)",
                                        max_waiting)
                          : ""));
    }
  }
  if (r.connect_failures > 0) {
    notes.push_back(
        fmt::format("{} connection attempts failed ({} requests could not be sent: "
                    "target unreachable or refusing connections)",
                    r.connect_failures, e[static_cast<size_t>(ErrorKind::kConnect)]));
  }
  if (e[static_cast<size_t>(ErrorKind::kReset)] > 0) {
    notes.push_back(fmt::format("{} requests lost to connections closed or reset mid-request",
                                e[static_cast<size_t>(ErrorKind::kReset)]));
  }
  if (r.resent > 0) {
    notes.push_back(fmt::format(
        "{} requests sent again: a reused keep-alive connection closed before answering (the "
        "server closed it as the request went out; idempotent requests only)",
        r.resent));
  }
  if (e[static_cast<size_t>(ErrorKind::kTimeout)] > 0) {
    notes.push_back(
        fmt::format("{} requests timed out (no answer, or no free connection, within {} s)",
                    e[static_cast<size_t>(ErrorKind::kTimeout)], options_.timeout_s));
  }
  if (e[static_cast<size_t>(ErrorKind::kHttp5xx)] > 0) {
    notes.push_back(
        fmt::format("{} requests answered 5xx", e[static_cast<size_t>(ErrorKind::kHttp5xx)]));
  }
  if (e[static_cast<size_t>(ErrorKind::kHttp4xx)] > 0) {
    notes.push_back(
        fmt::format("{} requests answered 4xx", e[static_cast<size_t>(ErrorKind::kHttp4xx)]));
  }
  if (e[static_cast<size_t>(ErrorKind::kProtocol)] > 0) {
    notes.push_back(
        fmt::format("{} malformed responses", e[static_cast<size_t>(ErrorKind::kProtocol)]));
  }
  if (r.unfinished > 0) {
    notes.push_back(fmt::format("{} requests still in flight when the run ended (drain {} s)",
                                r.unfinished, options_.drain_s));
  }
  if (r.stopped_early) notes.push_back("stopped early");
  if (r.hit_max_requests)
    notes.push_back(fmt::format("stopped at --max-requests {}", options_.max_requests));
  return r;
}

Result<LoadgenResult> RunLoadgen(const Schedule& schedule, const LoadgenOptions& options) {
  auto g = Loadgen::Start(schedule, options);
  if (!g) return std::unexpected(g.error());
  return (*g)->Wait();
}

namespace {

nlohmann::json Ms(const LogHistogram& h, std::initializer_list<std::pair<const char*, double>> qs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, q] : qs) {
    if (h.count() == 0) {
      j[name] = nullptr;
    } else {
      j[name] = std::round(h.Quantile(q) * 1e6) / 1e3;  // ms, microsecond resolution
    }
  }
  return j;
}

nlohmann::json Errors(const Counts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t k = 0; k < kErrorKinds; ++k)
    j[ErrorKindName(static_cast<ErrorKind>(k))] = c.errors[k];
  return j;
}

}  // namespace

nlohmann::json ResultToJson(const LoadgenResult& r) {
  nlohmann::json j;
  j["target"] = r.target;
  j["mode"] = r.mode;
  j["duration_s"] = r.duration_s;
  j["elapsed_s"] = std::round(r.elapsed_s * 1e3) / 1e3;
  j["scheduled_rate"] = r.scheduled_rate;
  j["achieved_rate"] = r.achieved_rate;
  j["totals"] = {
      {"scheduled", r.totals.scheduled}, {"sent", r.totals.sent},      {"ok", r.totals.ok},
      {"errors", r.totals.ErrorTotal()}, {"unfinished", r.unfinished}, {"not_sent", r.not_sent}};
  j["errors"] = Errors(r.totals);
  j["connect_failures"] = r.connect_failures;
  j["connections_opened"] = r.connections_opened;
  j["resent"] = r.resent;
  j["latency_ms"] =
      Ms(r.latency, {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}, {"max", 1.0}});
  j["latency_ms"]["count"] = r.latency.count();
  j["schedule"] = {{"kept", r.schedule_kept},
                   {"lag_ms", Ms(r.lag, {{"p50", 0.5}, {"p99", 0.99}, {"max", 1.0}})}};
  j["stopped_early"] = r.stopped_early;
  j["hit_max_requests"] = r.hit_max_requests;
  j["notes"] = r.notes;
  nlohmann::json per = nlohmann::json::array();
  for (size_t i = 0; i < r.seconds.size(); ++i) {
    const SecondStats& s = r.seconds[i];
    per.push_back(
        {{"second", i},
         {"scheduled", s.counts.scheduled},
         {"sent", s.counts.sent},
         {"ok", s.counts.ok},
         {"errors", Errors(s.counts)},
         {"latency_ms", Ms(s.latency, {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"max", 1.0}})},
         {"lag_ms", Ms(s.lag, {{"p50", 0.5}, {"p99", 0.99}, {"max", 1.0}})}});
  }
  j["per_second"] = std::move(per);
  return j;
}

}  // namespace forescale::loadgen
