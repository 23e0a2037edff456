// `forescale generate fidelity`: how close a synthetic profile is to real load
// (generate/fidelity.h), as a table or JSON on stdout.
//
//   forescale generate fidelity --real held_back.csv --column requests --synthetic profile.csv
//   forescale generate fidelity --real a.csv --synthetic b.csv --format json --no-tstr
//
// Units: each file's values are a count per step or a rate (requests/s). By default (`auto`) a
// series called `rps`, or whose name ends in `_rps` or `_per_s`, is a rate (what `generate
// profile` writes) and anything else a count per step (what `ingest` stores and `generate fit`
// assumes); `--real-values` and `--synthetic-values` say it explicitly.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "app/load_series.h"
#include "generate/fidelity.h"

namespace forescale::app {

struct GenerateFidelityOptions {
  SeriesSource real;
  SeriesSource synthetic;
  std::string real_values = "auto";  // auto|count|rate
  std::string synthetic_values = "auto";
  generate::FidelityOptions fidelity;
  std::string format = "table";  // table|json
};

// Loads both series, compares them and prints the report to stdout.
Result<void> GenerateFidelityCommand(const GenerateFidelityOptions& options);

// Adds the `fidelity` subcommand to `generate` (the `generate` subcommand itself). The
// returned callable, called after parsing, runs it when it was parsed and returns nullopt
// otherwise. The option storage lives in the callable.
std::function<std::optional<Result<void>>()> AddGenerateFidelityCommand(CLI::App& generate);

}  // namespace forescale::app
