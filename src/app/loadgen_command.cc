#include "app/loadgen_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/output_file.h"
#include "loadgen/loadgen.h"

namespace forescale::app {
namespace {

Result<double> Seconds(const std::string& text, const std::string& flag) {
  auto d = ParseDuration(text);
  if (!d) return std::unexpected(d.error().WithContext(flag));
  return std::chrono::duration<double>(*d).count();
}

Result<void> WriteJson(const nlohmann::json& j, const std::string& path) {
  return WriteOutputFile(path, j.dump(2) + "\n");  // whole or not at all; a device stays one
}

std::string Ms(const LogHistogram& h, double q) {
  return h.count() ? fmt::format("{:.3f}", h.Quantile(q) * 1e3) : "-";
}

void PrintSummary(const loadgen::LoadgenResult& r, const loadgen::LoadgenOptions& o) {
  fmt::print("loadgen: {} for {:.2f} s ({}), {} threads, {} connections\n", r.target, r.duration_s,
             r.mode == "max" ? "as fast as possible" : "open loop", o.threads, o.connections);
  const auto& e = r.totals.errors;
  fmt::print(
      "  scheduled {} ({:.1f}/s), sent {}, achieved {:.1f}/s; ok {}, errors {} (connect {}, "
      "reset {}, timeout {}, 4xx {}, 5xx {}, protocol {}), unfinished {}, not sent {}\n",
      r.totals.scheduled, r.scheduled_rate, r.totals.sent, r.achieved_rate, r.totals.ok,
      r.totals.ErrorTotal(), e[0], e[1], e[2], e[3], e[4], e[5], r.unfinished, r.not_sent);
  fmt::print("  latency ms (from intended send time): p50 {} p90 {} p99 {} p99.9 {} max {}\n",
             Ms(r.latency, 0.5), Ms(r.latency, 0.9), Ms(r.latency, 0.99), Ms(r.latency, 0.999),
             Ms(r.latency, 1.0));
  if (r.mode != "max") {
    fmt::print("  schedule lag ms: p50 {} p99 {} max {}; schedule {}\n", Ms(r.lag, 0.5),
               Ms(r.lag, 0.99), Ms(r.lag, 1.0), r.schedule_kept ? "kept" : "NOT kept");
  }
  for (const std::string& note : r.notes) fmt::print("  note: {}\n", note);
  std::fflush(stdout);
}

}  // namespace

Result<void> LoadgenCommand(const LoadgenCommandOptions& o) {
  auto bad = [](const std::string& m) { return Fail(ErrorCode::kInvalidArgument, m); };
  const int sources = !o.profile.input.empty() + !o.requests.empty() + !o.rate.empty();
  if (sources != 1) return bad("give exactly one of --profile FILE, --requests FILE or --rate R");
  if (!(o.time_scale > 0) || !std::isfinite(o.time_scale))
    return bad("--time-scale must be positive");
  auto target = loadgen::ParseTarget(o.target, {.allow_remote = o.allow_remote});
  if (!target) return std::unexpected(target.error());
  auto arrivals = loadgen::ParseArrivals(o.arrivals);
  if (!arrivals) return std::unexpected(arrivals.error().WithContext("--arrivals"));
  double duration_s = 0;
  if (!o.duration.empty()) {
    auto d = Seconds(o.duration, "--duration");
    if (!d) return std::unexpected(d.error());
    if (*d <= 0) return bad("--duration must be positive");
    duration_s = *d;
  }
  auto timeout = Seconds(o.timeout, "--timeout");
  if (!timeout) return std::unexpected(timeout.error());
  auto drain = Seconds(o.drain, "--drain");
  if (!drain) return std::unexpected(drain.error());
  const loadgen::ProfileScheduleOptions so{
      .arrivals = *arrivals, .seed = o.seed, .time_scale = o.time_scale};

  Result<loadgen::Schedule> schedule = Fail(ErrorCode::kInternal, "no schedule");
  if (!o.profile.input.empty()) {
    std::string label;
    auto series = LoadSeries(o.profile, &label);
    if (!series) return std::unexpected(series.error().WithContext("--profile"));
    schedule = loadgen::Schedule::FromProfile(*series, so);
    if (!schedule) return std::unexpected(schedule.error().WithContext(o.profile.input));
  } else if (!o.requests.empty()) {
    schedule = loadgen::Schedule::FromRequestsFile(o.requests, o.time_scale);
  } else if (o.rate == "max") {
    if (duration_s <= 0 && o.max_requests == 0) duration_s = 10;
    schedule = loadgen::Schedule::Max();
  } else {
    double rate = 0;
    auto [p, ec] = std::from_chars(o.rate.data(), o.rate.data() + o.rate.size(), rate);
    if (ec != std::errc() || p != o.rate.data() + o.rate.size() || !(rate > 0) ||
        !std::isfinite(rate)) {
      return bad("--rate: '" + o.rate + "' is not a positive number of requests/s (or max)");
    }
    if (duration_s <= 0) duration_s = 10;
    schedule = loadgen::Schedule::ConstantRate(rate, duration_s, so);
  }
  if (!schedule) return std::unexpected(schedule.error());

  const loadgen::LoadgenOptions lo{.target = *target,
                                   .threads = o.threads,
                                   .connections = o.connections,
                                   .duration_s = duration_s,
                                   .max_requests = o.max_requests,
                                   .timeout_s = *timeout,
                                   .drain_s = *drain,
                                   .lag_tolerance_ms = o.lag_tolerance_ms,
                                   .metrics_port = o.metrics_port};
  // SIGINT/SIGTERM end the run early but still produce a result: block them here (the worker
  // threads inherit the mask) and wait for them alongside the run.
  sigset_t stop_signals, old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  // Where the results go is checked before the load is sent, not after (a missing directory
  // failed only once the run was over).
  if (!o.out.empty()) {
    const std::string staging = StagingPathFor(o.out);
    std::FILE* probe = std::fopen(staging.c_str(), "ab");
    if (!probe) return Fail(ErrorCode::kIo, o.out + ": cannot write: " + std::strerror(errno));
    std::fclose(probe);
    if (staging != o.out) std::filesystem::remove(staging);
  }
  auto gen = loadgen::Loadgen::Start(*schedule, lo);
  if (!gen) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return std::unexpected(gen.error());
  }
  if ((*gen)->metrics_port() >= 0) {
    fmt::print(stderr, "loadgen: metrics on http://127.0.0.1:{}/metrics\n", (*gen)->metrics_port());
  }
  const timespec tick{0, 50'000'000};
  while (!(*gen)->Done()) {
    if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
      fmt::print(stderr, "loadgen: signal received; stopping early\n");
      (*gen)->Stop();
    }
  }
  const loadgen::LoadgenResult result = (*gen)->Wait();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (!o.quiet) PrintSummary(result, lo);
  if (!o.out.empty()) {
    if (auto ok = WriteJson(loadgen::ResultToJson(result), o.out); !ok) return ok;
  }
  // A run in which not one request succeeded did not load the target: a script that checks
  // the exit code must see it (every request refused exited 0; found by probing).
  if (result.totals.ok == 0 && result.totals.ErrorTotal() > 0) {
    return Fail(ErrorCode::kIo, fmt::format("no request to {} succeeded ({} errors)", result.target,
                                            result.totals.ErrorTotal()));
  }
  return {};
}

std::function<std::optional<Result<void>>()> AddLoadgenCommand(CLI::App& app) {
  auto o = std::make_shared<LoadgenCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "loadgen",
      "Send open-loop HTTP load (a profile, a request file or a fixed rate) to a target");
  cmd->add_option("--target", o->target,
                  "http://HOST[:PORT][/PATH]; loopback only unless --allow-remote")
      ->required();
  cmd->add_option(
      "--profile", o->profile.input,
      "Rate profile: CSV timestamp,rps (e.g. from generate profile) or any series file");
  cmd->add_option("--column", o->profile.column, "Which column of a multi-series profile");
  cmd->add_option("--requests", o->requests, "Request file (JSONL from generate requests)");
  cmd->add_option("--rate", o->rate,
                  "Constant requests/s instead of a profile, or 'max' (closed loop)");
  cmd->add_option(
      "--duration", o->duration,
      "Run at most this long (default: the profile's length / time scale; 10s with --rate)");
  cmd->add_option(
      "--time-scale", o->time_scale,
      "Profile seconds per wall second: a profile keeps its rates, a request file is sped up");
  cmd->add_option("--connections", o->connections, "Keep-alive connections, split across threads")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--threads", o->threads, "Threads, each with its own event loop")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--arrivals", o->arrivals,
                  "poisson|uniform|compressed arrivals within each profile step (compressed: for "
                  "--time-scale X, every X-th request of the X-times-denser stream)")
      ->check(CLI::IsMember({"poisson", "uniform", "compressed"}));
  cmd->add_option("--seed", o->seed, "Random seed of the arrivals");
  cmd->add_option("--max-requests", o->max_requests, "Stop after this many requests (0: no cap)");
  cmd->add_option("--timeout", o->timeout, "A request unanswered this long is a timeout error");
  cmd->add_option("--drain", o->drain, "After the end, wait this long for answers in flight");
  cmd->add_option("--lag-tolerance-ms", o->lag_tolerance_ms,
                  "p99 schedule lag above this means the schedule was not kept");
  cmd->add_option("--metrics-port", o->metrics_port,
                  "Serve Prometheus metrics on 127.0.0.1:PORT/metrics while running (0: any port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_flag("--allow-remote", o->allow_remote, "Allow a target that is not loopback");
  cmd->add_option("--out", o->out, "Write the result JSON here");
  cmd->add_flag("--quiet", o->quiet, "No summary on stdout");
  return [cmd, o]() -> std::optional<Result<void>> {
    if (!cmd->parsed()) return std::nullopt;
    return LoadgenCommand(*o);
  };
}

}  // namespace forescale::app
