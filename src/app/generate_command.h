// `forescale generate`: the load-profile generator (src/generate) on the command line. This
// file holds `generate fit` and wires up the subcommands that live in files of their own
// (profile, edge-cases, behaviour, requests, fidelity, export).
//
//   forescale generate fit --input nasa.csv --column requests --out model.yaml
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "app/load_series.h"
#include "generate/load_model.h"

namespace forescale::app {

struct GenerateFitOptions {
  SeriesSource source;
  std::string out;                      // model file to write
  // Unset: a rate when the series says so by its name (rps, *_per_s, *_per_second, *_rate, a
  // counter read as its rate), else counts per step, and the summary says which.
  std::optional<generate::ValueKind> values;
  // Fit at this coarser step: a count per step is the coarse bucket's share of the load its
  // present fine steps carried (their mean times how many fit in the bucket), so a bucket with
  // missing minutes is not read as a drop; a rate is their mean.
  std::optional<Duration> step;
  bool quiet = false;                   // no model summary on stderr
};
// Fits a load model to the series and writes it as YAML; prints a summary to stderr.
Result<void> GenerateFitCommand(const GenerateFitOptions& options);

// Adds `generate` with all its subcommands to `app`. The returned callable, called after
// app.parse(), runs whichever of them was parsed, or returns nullopt when none was. The option
// storage lives in the callable.
std::function<std::optional<Result<void>>()> AddGenerateCommands(CLI::App& app);

}  // namespace forescale::app
