// `forescale generate export`: a forescale profile as a script for the load tool a user already
// runs (src/generate/export.h does the work).
//
//   forescale generate export --profile profile.csv --format k6 --out load.js
//   forescale generate export --profile profile.csv --format locust --target http://svc:8080/api
//   forescale generate export --profile profile.csv --format vegeta --out load.sh
//       (also writes load.targets beside the script)
//   forescale generate export --profile profile.csv --format gatling --max-stages 50 --out Load.scala
//
// The summary (stages, request-count error, peak error, shape error) goes to stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "core/error.h"
#include "generate/export.h"

namespace forescale::app {

struct GenerateExportOptions {
  std::string profile_path;             // CSV timestamp,rps ("-" is stdin)
  std::string format;                   // k6 | locust | vegeta | gatling
  std::string out = "-";                // the script; "-" is stdout
  generate::CompressOptions compress;
  generate::ExportOptions export_options;  // `format` is filled from the string above
  bool quiet = false;                   // no summary on stderr
};

// Reads the profile, compresses it into stages, writes the script (and, for Vegeta with a file
// --out, the targets file beside it: load.sh -> load.targets).
Result<void> GenerateExportCommand(const GenerateExportOptions& options);

// Adds `export` to the `generate` subcommand. The returned callable, called after parsing,
// runs it when it was parsed and returns nullopt otherwise; it owns the option storage.
std::function<std::optional<Result<void>>()> AddGenerateExportCommand(CLI::App& generate);

}  // namespace forescale::app
