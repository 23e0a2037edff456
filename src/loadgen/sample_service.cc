#include "loadgen/sample_service.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>

namespace forescale::loadgen {
namespace {

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

void BurnThreadCpu(std::chrono::nanoseconds cpu) {
  const int64_t end = ThreadCpuNs() + cpu.count();
  volatile uint64_t sink = 0;
  while (ThreadCpuNs() < end) {
    for (int i = 0; i < 64; ++i) sink = sink + static_cast<uint64_t>(i);
  }
}

Result<std::unique_ptr<SampleService>> SampleService::Start(const SampleServiceOptions& options) {
  if (options.workers < 1) return Fail(ErrorCode::kInvalidArgument, "--workers must be at least 1");
  if (options.cpu_per_request.count() < 0) {
    return Fail(ErrorCode::kInvalidArgument, "--cpu-per-request must not be negative");
  }
  if (options.wait_per_request.count() < 0) {
    return Fail(ErrorCode::kInvalidArgument, "--wait-per-request must not be negative");
  }
  std::unique_ptr<SampleService> s(new SampleService());
  s->options_ = options;
  s->started_ = std::chrono::steady_clock::now();
  SampleService* raw = s.get();
  auto server = HttpServer::Start(
      {.bind = options.bind, .port = options.port},
      [raw](const HttpRequest& r, Responder respond) { raw->Handle(r, std::move(respond)); });
  if (!server) return std::unexpected(server.error());
  s->server_ = std::move(*server);
  for (int i = 0; i < options.workers; ++i) s->workers_.emplace_back([raw] { raw->Work(); });
  return s;
}

SampleService::~SampleService() { Stop(); }

bool SampleService::ready() const {
  return std::chrono::steady_clock::now() - started_ >= options_.startup_delay;
}

void SampleService::Handle(const HttpRequest& request, Responder respond) {
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  if (path == "/healthz") {
    respond(ready() ? HttpResponse{.status = 200, .body = "ready\n"}
                    : HttpResponse{.status = 503, .body = "starting\n"});
    return;
  }
  if (path == "/metrics") {
    respond({.status = 200,
             .content_type = "text/plain; version=0.0.4; charset=utf-8",
             .body = MetricsText()});
    return;
  }
  const auto received = std::chrono::steady_clock::now();
  if (!ready()) {
    not_ready_.fetch_add(1, std::memory_order_relaxed);
    respond({.status = 503, .body = "starting\n"});
    return;
  }
  {
    std::unique_lock lock(mu_);
    // Admission counts the requests being served too: the queue may not yet have handed a
    // request to a free worker, and that must not cost a later request its place.
    const auto limit = static_cast<int64_t>(options_.queue_limit) + options_.workers;
    if (stopping_ || in_flight_.load(std::memory_order_relaxed) >= limit) {
      const bool stopping = stopping_;
      lock.unlock();
      rejected_.fetch_add(1, std::memory_order_relaxed);
      Finish(received, 503);
      respond({.status = 503, .body = stopping ? "stopping\n" : "overloaded\n"});
      return;
    }
    queue_.push_back({std::move(respond), received});
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void SampleService::Finish(std::chrono::steady_clock::time_point received, int code) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - received)
                      .count();
  const double seconds = static_cast<double>(ns) / 1e9;
  size_t b = 0;
  while (b < kSampleLatencyBuckets.size() && seconds > kSampleLatencyBuckets[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
  if (code == 200) ok_.fetch_add(1, std::memory_order_relaxed);
}

void SampleService::Work() {
  while (true) {
    Job job;
    bool past_grace = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
      past_grace = stopping_ && std::chrono::steady_clock::now() >= stop_deadline_;
    }
    if (past_grace) {  // shutting down and out of time: answer rather than leave it hanging
      rejected_.fetch_add(1, std::memory_order_relaxed);
      Finish(job.received, 503);
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      job.respond({.status = 503, .body = "stopping\n"});
      continue;
    }
    BurnThreadCpu(options_.cpu_per_request);
    if (options_.wait_per_request.count() > 0)
      std::this_thread::sleep_for(options_.wait_per_request);
    // Counted before answering, so a client that reads its answer then reads /metrics sees it.
    Finish(job.received, 200);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    job.respond({.status = 200, .body = "ok\n"});
  }
}

SampleServiceStats SampleService::Stats() const {
  SampleServiceStats s;
  s.ok = ok_.load();
  s.rejected = rejected_.load();
  s.not_ready = not_ready_.load();
  s.in_flight = in_flight_.load();
  {
    std::lock_guard lock(mu_);
    s.queue_length = static_cast<int64_t>(queue_.size());
  }
  s.ready = ready();
  return s;
}

std::string SampleService::MetricsText() const {
  const SampleServiceStats s = Stats();
  std::string out;
  auto add = [&](std::string_view text) { out.append(text); };
  add("# HELP forescale_sample_requests_total Work requests answered, by HTTP status.\n"
      "# TYPE forescale_sample_requests_total counter\n");
  add(fmt::format("forescale_sample_requests_total{{code=\"200\"}} {}\n", s.ok));
  add(fmt::format("forescale_sample_requests_total{{code=\"503\"}} {}\n",
                  s.rejected + s.not_ready));
  add("# HELP forescale_sample_rejected_total 503 answers, by reason.\n"
      "# TYPE forescale_sample_rejected_total counter\n");
  add(fmt::format("forescale_sample_rejected_total{{reason=\"queue_full\"}} {}\n", s.rejected));
  add(fmt::format("forescale_sample_rejected_total{{reason=\"starting\"}} {}\n", s.not_ready));
  add("# HELP forescale_sample_in_flight Requests queued or being served.\n"
      "# TYPE forescale_sample_in_flight gauge\n");
  add(fmt::format("forescale_sample_in_flight {}\n", s.in_flight));
  add("# HELP forescale_sample_queue_length Requests waiting for a worker.\n"
      "# TYPE forescale_sample_queue_length gauge\n");
  add(fmt::format("forescale_sample_queue_length {}\n", s.queue_length));
  add("# HELP forescale_sample_request_duration_seconds Time from receipt to answer.\n"
      "# TYPE forescale_sample_request_duration_seconds histogram\n");
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kSampleLatencyBuckets.size(); ++b) {
    cumulative += buckets_[b].load();
    add(fmt::format("forescale_sample_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                    kSampleLatencyBuckets[b], cumulative));
  }
  cumulative += buckets_.back().load();
  add(fmt::format("forescale_sample_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                  cumulative));
  add(fmt::format("forescale_sample_request_duration_seconds_sum {:.9f}\n",
                  static_cast<double>(latency_sum_ns_.load()) / 1e9));
  add(fmt::format("forescale_sample_request_duration_seconds_count {}\n", latency_count_.load()));
  add("# HELP forescale_sample_ready 1 once the start-up delay has passed.\n"
      "# TYPE forescale_sample_ready gauge\n");
  add(fmt::format("forescale_sample_ready {}\n", s.ready ? 1 : 0));
  add("# HELP forescale_sample_workers Worker threads.\n# TYPE forescale_sample_workers gauge\n");
  add(fmt::format("forescale_sample_workers {}\n", options_.workers));
  add("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\n");
  add(fmt::format("process_cpu_seconds_total {:.6f}\n", ProcessCpuSeconds()));
  return out;
}

void SampleService::Stop() {
  if (stopped_ || !server_) return;
  stopped_ = true;
  // Refuse new work but finish what is queued, then let the server flush those answers.
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + options_.shutdown_grace;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  server_->Stop(options_.shutdown_grace);
}

}  // namespace forescale::loadgen
