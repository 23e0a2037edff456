// `forescale sample-service`: the sample service (src/loadgen/sample_service.h) as a process,
// until SIGTERM or SIGINT, then a graceful shutdown (queued requests are still answered).
//
//   forescale sample-service --port 8080 --cpu-per-request 2ms --workers 2 --startup-delay 5s
//
// Prints one line when it listens ("sample-service: listening on http://127.0.0.1:8080 ...")
// and one when it has stopped, with what it served.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "core/error.h"

namespace forescale::app {

struct SampleServiceCommandOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;                      // 0: any free port (printed)
  std::string cpu_per_request = "2ms";  // also "500us"
  std::string wait_per_request = "0";   // sleep after the CPU, holding the worker
  int workers = 2;
  size_t queue_limit = 100;
  std::string startup_delay = "0s";
  std::string shutdown_grace = "5s";
  bool allow_remote = false;  // listen on an address that is not loopback
};

Result<void> SampleServiceCommand(const SampleServiceCommandOptions& options);

// Registers the subcommand; the returned function runs it when it was parsed.
std::function<std::optional<Result<void>>()> AddSampleServiceCommand(CLI::App& app);

}  // namespace forescale::app
