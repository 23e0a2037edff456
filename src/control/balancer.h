// The load balancer in front of the live test's replicas: one loopback port the load generator
// sends to, and a backend list the actuator replaces whenever the set of *ready* replicas
// changes (as Kubernetes endpoints list only ready pods).
//
// NginxBalancer runs the Debian `nginx` binary with a generated configuration in a private run
// directory (prefix, pid file, error log, temp paths — it never touches the system's nginx):
// round-robin upstream of the backends with keep-alive connections to them; with no backend,
// every request is answered 503 at once. SetBackends rewrites the configuration and reloads
// (SIGHUP to the master, which is what `nginx -s reload` sends): new workers take the new list,
// old ones finish their requests. It returns once the old workers have exited (bounded by
// `reload_timeout`, `worker_shutdown_timeout` in the configuration bounds their drain), so
// after it no request goes to a removed backend.
//
// BuiltinBalancer is the fallback when nginx is missing: an HTTP/1.1 proxy on src/loadgen's epoll
// server that forwards each request round-robin (one blocking GET per request from a small pool
// of threads; a backend that refuses is skipped) — enough for the live test's rates, GET only.
//
// Thread safety: SetBackends from one thread at a time; port() from any.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "control/process.h"
#include "core/error.h"
#include "loadgen/http_server.h"

namespace forescale::control {

class Balancer {
 public:
  virtual ~Balancer() = default;
  virtual std::string_view kind() const = 0;  // "nginx" or "builtin"
  virtual uint16_t port() const = 0;
  virtual Result<void> SetBackends(const std::vector<uint16_t>& ports) = 0;
  virtual std::vector<pid_t> pids() const { return {}; }  // processes it runs
};

struct NginxOptions {
  std::string binary = "nginx";
  std::string run_dir;  // required, must exist
  std::chrono::milliseconds start_timeout{10000};
  std::chrono::milliseconds reload_timeout{3000};  // SetBackends: until the old workers are gone
};

class NginxBalancer final : public Balancer {
 public:
  // Fails (kNotFound) without the binary, (kIo) when it does not listen in time.
  static Result<std::unique_ptr<NginxBalancer>> Start(const NginxOptions& options);
  ~NginxBalancer() override;
  std::string_view kind() const override { return "nginx"; }
  uint16_t port() const override { return port_; }
  Result<void> SetBackends(const std::vector<uint16_t>& ports) override;
  std::vector<pid_t> pids() const override;
  uint64_t reloads() const { return reloads_; }

 private:
  NginxBalancer() = default;
  Result<void> WriteConfig(const std::vector<uint16_t>& ports);
  NginxOptions options_;
  uint16_t port_ = 0;
  uint64_t reloads_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The configuration NginxBalancer writes (exposed for tests).
std::string NginxConfig(const std::string& run_dir, uint16_t port,
                        const std::vector<uint16_t>& backends);

struct BuiltinBalancerOptions {
  int threads = 8;  // concurrent upstream requests
  std::chrono::milliseconds upstream_timeout{10000};
};

class BuiltinBalancer final : public Balancer {
 public:
  static Result<std::unique_ptr<BuiltinBalancer>> Start(const BuiltinBalancerOptions& options = {});
  ~BuiltinBalancer() override;
  std::string_view kind() const override { return "builtin"; }
  uint16_t port() const override { return server_->port(); }
  Result<void> SetBackends(const std::vector<uint16_t>& ports) override;

 private:
  struct Job {
    std::string target;
    loadgen::Responder respond;
  };
  BuiltinBalancer() = default;
  void Work();

  BuiltinBalancerOptions options_;
  std::unique_ptr<loadgen::HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;           // guarded by mu_
  std::vector<uint16_t> backends_;  // guarded by mu_
  size_t next_ = 0;                 // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace forescale::control
