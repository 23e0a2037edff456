// `forescale loadgen`: open-loop HTTP load from a profile, a request file or a fixed rate, with
// latency from the intended send time; prints a summary and writes the result JSON.
//
//   forescale loadgen --target http://127.0.0.1:8080/ --rate 2000 --duration 30s --out r.json
//   forescale loadgen --target http://127.0.0.1:8080/ --profile profile.csv --time-scale 60
//       --metrics-port 9100 --out r.json
//
// Library users (the live test) call loadgen::Loadgen directly; this is the command-line face.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "app/load_series.h"
#include "core/error.h"

namespace forescale::app {

struct LoadgenCommandOptions {
  std::string target;
  SeriesSource profile;  // --profile: a series of requests/s
  std::string requests;  // --requests: JSONL from `generate requests`
  std::string rate;      // --rate: requests/s, or "max" (closed loop, as fast as possible)
  std::string duration;  // --duration: cap (default: the profile's length; 10s with --rate)
  double time_scale = 1.0;
  int connections = 64;
  int threads = 2;
  std::string arrivals = "poisson";
  uint64_t seed = 1;
  uint64_t max_requests = 0;
  std::string timeout = "5s";
  std::string drain = "1s";
  double lag_tolerance_ms = 1.0;
  int metrics_port = -1;
  bool allow_remote = false;
  std::string out;     // result JSON; empty: none
  bool quiet = false;  // no summary on stdout
};

// Runs until the schedule, --duration or --max-requests ends it (or SIGINT/SIGTERM: the run
// stops early and the result is still written). Bad input is kInvalidArgument/kNotFound.
Result<void> LoadgenCommand(const LoadgenCommandOptions& options);

// Registers the subcommand; the returned function runs it when it was parsed.
std::function<std::optional<Result<void>>()> AddLoadgenCommand(CLI::App& app);

}  // namespace forescale::app
