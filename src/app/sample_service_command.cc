#include "app/sample_service_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <charconv>
#include <cstdio>

#include "core/time.h"
#include "loadgen/sample_service.h"

namespace forescale::app {
namespace {

// Durations as everywhere ("2ms", "1s"), plus microseconds ("500us"), which CPU costs need.
Result<std::chrono::microseconds> ParseMicros(const std::string& text, const std::string& flag) {
  if (text.size() > 2 && text.ends_with("us")) {
    double us = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size() - 2, us);
    if (ec != std::errc() || p != text.data() + text.size() - 2 || !(us >= 0)) {
      return Fail(ErrorCode::kInvalidArgument, flag + ": bad duration '" + text + "'");
    }
    return std::chrono::microseconds(static_cast<int64_t>(us));
  }
  if (text == "0") return std::chrono::microseconds(0);
  auto d = ParseDuration(text);
  if (!d) return std::unexpected(d.error().WithContext(flag));
  if (d->count() < 0) return Fail(ErrorCode::kInvalidArgument, flag + ": must not be negative");
  return std::chrono::duration_cast<std::chrono::microseconds>(*d);
}

}  // namespace

Result<void> SampleServiceCommand(const SampleServiceCommandOptions& o) {
  // Loopback unless told otherwise, as the README promises of both commands (found by probing:
  // --bind 0.0.0.0 opened a CPU-burning service to the network without a word).
  const bool loopback = o.bind == "localhost" || o.bind == "::1" || o.bind.starts_with("127.");
  if (!loopback && !o.allow_remote) {
    return Fail(ErrorCode::kInvalidArgument,
                "--bind " + o.bind +
                    ": not a loopback address; the service burns CPU for whoever reaches it "
                    "(add --allow-remote to listen there anyway)");
  }
  auto cpu = ParseMicros(o.cpu_per_request, "--cpu-per-request");
  if (!cpu) return std::unexpected(cpu.error());
  auto delay = ParseMicros(o.startup_delay, "--startup-delay");
  if (!delay) return std::unexpected(delay.error());
  auto wait = ParseMicros(o.wait_per_request, "--wait-per-request");
  if (!wait) return std::unexpected(wait.error());
  auto grace = ParseMicros(o.shutdown_grace, "--shutdown-grace");
  if (!grace) return std::unexpected(grace.error());
  // Block the stop signals before any thread starts, so only sigwait below sees them.
  sigset_t stop_signals, old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  auto svc = loadgen::SampleService::Start(
      {.bind = o.bind,
       .port = static_cast<uint16_t>(o.port),
       .cpu_per_request = *cpu,
       .wait_per_request = *wait,
       .workers = o.workers,
       .queue_limit = o.queue_limit,
       .startup_delay = std::chrono::duration_cast<std::chrono::milliseconds>(*delay),
       .shutdown_grace = std::chrono::duration_cast<std::chrono::milliseconds>(*grace)});
  if (!svc) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return std::unexpected(svc.error());
  }
  const bool v6 = o.bind.find(':') != std::string::npos;
  fmt::print(
      "sample-service: listening on http://{}:{} (workers {}, {} us CPU and {} us wait per "
      "request, queue limit {}, ready after {} ms); pid {}\n",
      v6 ? "[" + o.bind + "]" : o.bind, (*svc)->port(), o.workers, cpu->count(), wait->count(),
      o.queue_limit, delay->count() / 1000, getpid());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*svc)->Stop();
  const loadgen::SampleServiceStats s = (*svc)->Stats();
  fmt::print(
      "sample-service: stopped on {}: {} answered 200, {} refused (queue full), {} refused "
      "(starting)\n",
      sig == SIGTERM ? "SIGTERM" : "SIGINT", s.ok, s.rejected, s.not_ready);
  std::fflush(stdout);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return {};
}

std::function<std::optional<Result<void>>()> AddSampleServiceCommand(CLI::App& app) {
  auto o = std::make_shared<SampleServiceCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sample-service",
      "A real HTTP service that burns a given CPU time per request (a load-test target)");
  cmd->add_option("--port", o->port, "TCP port (0: any free port, printed)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", o->bind, "Address to listen on (loopback unless --allow-remote)");
  cmd->add_flag("--allow-remote", o->allow_remote, "Allow a --bind address that is not loopback");
  cmd->add_option("--cpu-per-request", o->cpu_per_request,
                  "CPU time each request costs, e.g. 2ms, 500us");
  cmd->add_option("--wait-per-request", o->wait_per_request,
                  "After the CPU, hold the worker this long without a core (a downstream call), "
                  "e.g. 3ms");
  cmd->add_option("--workers", o->workers, "Worker threads")->check(CLI::Range(1, 1024));
  cmd->add_option("--queue-limit", o->queue_limit,
                  "Requests that may wait beyond the busy workers (more: 503)");
  cmd->add_option("--startup-delay", o->startup_delay, "Not ready (503) for this long after start");
  cmd->add_option("--shutdown-grace", o->shutdown_grace,
                  "On SIGTERM, finish queued work for up to this long");
  return [cmd, o]() -> std::optional<Result<void>> {
    if (!cmd->parsed()) return std::nullopt;
    return SampleServiceCommand(*o);
  };
}

}  // namespace forescale::app
