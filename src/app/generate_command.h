// `forescale generate fit` and `forescale generate profile`: the load-profile generator
// (src/generate) on the command line.
//
//   forescale generate fit --input nasa.csv --column requests --out model.yaml
//   forescale generate profile --model model.yaml --events events.yaml --duration 7d
//       --step 1s --seed 42 --mean-rps 300 --out profile.csv
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "app/load_series.h"
#include "generate/edge_cases.h"
#include "generate/load_model.h"
#include "generate/profile.h"

namespace forescale::app {

struct GenerateFitOptions {
  SeriesSource source;
  std::string out;                      // model file to write
  generate::ValueKind values = generate::ValueKind::kCountPerStep;
  bool quiet = false;                   // no model summary on stderr
};
// Fits a load model to the series and writes it as YAML; prints a summary to stderr.
Result<void> GenerateFitCommand(const GenerateFitOptions& options);

struct GenerateProfileCommandOptions {
  std::string model_path;
  std::string events_path;              // YAML of events (core/events.h); empty: none
  std::string out = "-";                // CSV timestamp,rps; "-" is stdout
  generate::ProfileOptions profile;
  bool quiet = false;
};
// Reads the model (and events), generates the profile, writes the CSV; a summary (points,
// mean, peak, time taken) goes to stderr.
Result<void> GenerateProfileCommand(const GenerateProfileCommandOptions& options);

// Adds `generate` with its `fit` and `profile` subcommands to `app`. The returned callable,
// called after app.parse(), runs whichever of them was parsed, or returns nullopt when
// neither was. The option storage lives in the callable.
struct GenerateEdgeCasesOptions {
  SeriesSource source;                  // the history
  std::string model_path;               // empty: fit one from the history
  std::string out_dir;
  generate::EdgeCaseOptions cases;
};
// Writes one profile CSV per edge case and an index (edge_cases.json) into out_dir.
Result<void> GenerateEdgeCasesCommand(const GenerateEdgeCasesOptions& options);

std::function<std::optional<Result<void>>()> AddGenerateCommands(CLI::App& app);

}  // namespace forescale::app
