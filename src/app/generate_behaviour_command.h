// `forescale generate behaviour` and `forescale generate requests`: the user-behaviour model
// (src/generate/behaviour.h) and request sequences (src/generate/requests.h) on the command line.
//
//   forescale generate behaviour --log access.log.1.gz access.log --out behaviour.yaml
//   forescale generate requests --profile profile.csv --behaviour behaviour.yaml --seed 42
//       --out requests.jsonl --series-out requests_per_s.csv
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "generate/behaviour.h"
#include "generate/requests.h"

namespace forescale::app {

struct GenerateBehaviourOptions {
  std::vector<std::string> logs;  // access logs (gzip ok; "-" is stdin)
  std::string out;                // behaviour YAML to write
  generate::BehaviourOptions learn;
  bool quiet = false;  // no summary on stderr
};
// Learns the behaviour model from the logs, writes it, prints a summary to stderr.
Result<void> GenerateBehaviourCommand(const GenerateBehaviourOptions& options);

struct GenerateRequestsOptions {
  std::string profile_path;    // CSV timestamp,rps[,...] (generate profile writes it)
  std::string behaviour_path;  // learned or hand-written behaviour YAML
  std::string out = "-";       // JSONL; "-" is stdout
  std::string series_out;      // CSV timestamp,rps,bytes_per_s; empty: none
  generate::RequestsOptions requests;
  bool quiet = false;
};
// Generates the request sequence; a summary (requests, sessions, rate, time taken) to stderr.
Result<void> GenerateRequestsCommand(const GenerateRequestsOptions& options);

// Adds `behaviour` and `requests` to the given `generate` subcommand. The returned callable,
// called after parsing, runs whichever of them was parsed, or returns nullopt when neither
// was. The option storage lives in the callable.
std::function<std::optional<Result<void>>()> AddGenerateBehaviourCommands(CLI::App& generate);

}  // namespace forescale::app
