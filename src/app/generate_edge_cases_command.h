// Edge-case load profiles (src/generate/edge_cases.h) on the command line, two ways that share
// one history reader and one output layout:
//
//   forescale generate edge-cases --input nasa.csv --column requests --out edges/
//   forescale generate profile --model model.yaml --duration 6h --out profile.csv
//       --edge-cases edges/ --input nasa.csv --column requests      (generate_profile_command.h)
//
// Output layout: one profile CSV per case, named after its label and numbered in order
// (01-anomalous-episode-1.csv, ..., 04-steepest-ramp.csv, 05-largest-spike.csv), each a normal
// `timestamp,rps[,bytes_per_s]` profile the other commands read; and edge_cases.json, a list of
// {label, file, description, score, start, step, points}.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/load_series.h"
#include "generate/edge_cases.h"
#include "generate/load_model.h"

namespace forescale::app {

// Where the history comes from, as the flags give it.
struct EdgeCaseHistoryFlags {
  SeriesSource source;
  std::string utc_offset = "+00:00";  // zone of timestamps written without one
  // count: requests per step; rate: requests/s; empty: a rate when named as one (NamedAsRate)
  std::string values;
};
// Adds --input, --column, --series, --db, --utc-offset and --values to `command`; `purpose`
// starts each help line ("History for --edge-cases").
void AddEdgeCaseHistoryFlags(CLI::App& command, EdgeCaseHistoryFlags& flags, const std::string& purpose);
// The history as counts per step (what BuildEdgeCases reads); `label` names what was read.
// Fails naming the flag when neither --input nor --series was given, or the offset is bad, and
// naming the time when a value is negative (a load never is).
Result<Series> LoadEdgeCaseHistory(const EdgeCaseHistoryFlags& flags, std::string* label);

// The layout above, written into `dir` (created if missing) under hidden staging names and
// moved into place together by Commit(): a command that fails after staging (its main profile
// could not be written) leaves no case behind, as the destructor removes what was not
// committed. Commit() also removes the cases of an earlier run (those its edge_cases.json
// lists) that this one does not replace, so a directory never mixes two runs; other files stay.
// With `bytes_per_request`, every CSV gains bytes_per_s = rps * bytes_per_request, as the main
// profile does with a behaviour model.
class StagedEdgeCases {
 public:
  static Result<StagedEdgeCases> Write(const std::vector<generate::EdgeCase>& cases,
                                       const std::string& dir,
                                       std::optional<double> bytes_per_request);
  StagedEdgeCases(StagedEdgeCases&& other) noexcept;
  StagedEdgeCases& operator=(StagedEdgeCases&&) = delete;
  ~StagedEdgeCases();
  // Moves the files into place; prints what was written unless `quiet`.
  Result<void> Commit(bool quiet);

 private:
  StagedEdgeCases() = default;
  Result<void> CheckTargets() const;  // every final name free or a regular file
  struct File {
    std::string staging, path, summary;
  };
  std::string dir_;
  std::vector<File> files_;  // the cases, then edge_cases.json
};

struct GenerateEdgeCasesOptions {
  EdgeCaseHistoryFlags history;
  std::string model_path;               // empty: fit one from the history
  std::string out_dir;
  generate::EdgeCaseOptions cases;
};
// Reads the history (and model), builds the cases, writes them into out_dir.
Result<void> GenerateEdgeCasesCommand(const GenerateEdgeCasesOptions& options);

// Adds `edge-cases` to the `generate` subcommand. The returned callable, called after parsing,
// runs it when it was parsed and returns nullopt otherwise; it owns the option storage.
std::function<std::optional<Result<void>>()> AddGenerateEdgeCasesCommand(CLI::App& generate);

}  // namespace forescale::app
