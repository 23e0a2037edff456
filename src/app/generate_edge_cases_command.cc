#include "app/generate_edge_cases_command.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "app/cli_validators.h"
#include "core/output_file.h"
#include "generate/model_file.h"
#include "generate/profile.h"

namespace forescale::app {

void AddEdgeCaseHistoryFlags(CLI::App& command, EdgeCaseHistoryFlags& flags,
                             const std::string& purpose) {
  command.add_option("--input", flags.source.input,
                     purpose + ": CSV timestamp,value[,...] or Prometheus export (gzip ok)");
  command.add_option("--column", flags.source.column, purpose + ": which series of a multi-series file");
  command.add_option("--series", flags.source.series, purpose + ": a stored series, e.g. 'nasa:requests'");
  command.add_option("--db", flags.source.db_path, "SQLite database file (with --series)");
  command.add_option("--utc-offset", flags.utc_offset, "Zone of timestamps written without one");
  command
      .add_option("--values", flags.values,
                  purpose +
                      ": count (requests per step, as ingested) or rate (requests/s); "
                      "default: rate when the series is named as one (rps, *_per_s, *_rate, a "
                      "counter), else count")
      ->check(CLI::IsMember({"count", "rate"}));
}

Result<Series> LoadEdgeCaseHistory(const EdgeCaseHistoryFlags& flags, std::string* label) {
  if (flags.source.input.empty() && flags.source.series.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "edge cases are taken from the history: give --input FILE or --series NAME");
  }
  auto offset = ParseRfc3339("1970-01-01T00:00:00" + flags.utc_offset);
  if (!offset) return Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + flags.utc_offset + "'");
  SeriesSource source = flags.source;
  source.default_offset = -offset->time_since_epoch();
  std::string read;
  auto history = LoadSeries(source, &read);
  if (!history) return std::unexpected(history.error());
  if (label) *label = read;
  for (size_t i = 0; i < history->size(); ++i) {
    if (history->values[i] < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("{}: value {} at {} is negative; edge cases replay a load, which "
                              "never is",
                              read, history->values[i], FormatRfc3339(history->TimeAt(i))));
    }
  }
  const bool rate = flags.values.empty() ? NamedAsRate(read) : flags.values == "rate";
  if (rate) {
    const double seconds = std::chrono::duration<double>(history->step).count();
    for (double& v : history->values) v *= seconds;  // NaN (missing) stays NaN
  }
  return history;
}

Result<StagedEdgeCases> StagedEdgeCases::Write(const std::vector<generate::EdgeCase>& cases,
                                               const std::string& dir,
                                               std::optional<double> bytes_per_request) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, dir + ": cannot create: " + ec.message());
  StagedEdgeCases staged;
  staged.dir_ = dir;
  auto stage = [&](const std::string& name, std::string summary) -> File& {
    staged.files_.push_back(
        {.staging = dir + "/." + name + ".staging", .path = dir + "/" + name, .summary = summary});
    return staged.files_.back();
  };
  nlohmann::json index = nlohmann::json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    const generate::EdgeCase& c = cases[i];
    const std::string file = fmt::format("{:02d}-{}.csv", i + 1, c.label);
    std::vector<double> bytes;
    std::vector<generate::ProfileColumn> extra;
    if (bytes_per_request) {
      bytes.reserve(c.profile.size());
      for (double rps : c.profile.values) bytes.push_back(rps * *bytes_per_request);
      extra.push_back({"bytes_per_s", bytes});
    }
    const File& f = stage(file, fmt::format("{:<22} {}  ({})", c.label, file, c.description));
    if (auto ok = generate::WriteProfileCsv(c.profile, f.staging, extra); !ok) {
      return Fail(ErrorCode::kIo, f.path + ": cannot write: " + ok.error().message());
    }
    index.push_back({{"label", c.label},
                     {"file", file},
                     {"description", c.description},
                     {"score", c.score},
                     {"start", FormatRfc3339(c.profile.start)},
                     {"step", FormatDuration(c.profile.step)},
                     {"points", c.profile.size()}});
  }
  const File& json = stage("edge_cases.json", "");
  if (auto ok = WriteOutputFile(json.staging, index.dump(2) + "\n"); !ok) {
    return Fail(ErrorCode::kIo, json.path + ": cannot write: " + ok.error().message());
  }
  // A name taken by something that is not a file fails now, before the command writes its
  // other outputs (found by probing: the profile had been written beside this error).
  if (auto ok = staged.CheckTargets(); !ok) return std::unexpected(ok.error());
  return staged;
}

Result<void> StagedEdgeCases::CheckTargets() const {
  // A name taken by something that is not a file would fail the renames half-way.
  std::error_code ec;
  for (const File& f : files_) {
    if (std::filesystem::exists(f.path, ec) && !std::filesystem::is_regular_file(f.path, ec)) {
      return Fail(ErrorCode::kIo, f.path + ": cannot write: exists and is not a regular file");
    }
  }
  return {};
}

StagedEdgeCases::StagedEdgeCases(StagedEdgeCases&& other) noexcept
    : dir_(std::move(other.dir_)), files_(std::move(other.files_)) {
  other.files_.clear();
}

StagedEdgeCases::~StagedEdgeCases() {
  std::error_code ec;
  for (const File& f : files_) std::filesystem::remove(f.staging, ec);
}

Result<void> StagedEdgeCases::Commit(bool quiet) {
  // An earlier run's cases that this run does not replace (it kept fewer episodes) would be
  // read with this run's as one set (found by probing). Only files the earlier run's index
  // lists are removed: a user's own 99-notes.csv beside them is not ours to delete.
  std::set<std::string> ours, earlier;
  for (const File& f : files_) ours.insert(std::filesystem::path(f.path).filename().string());
  if (std::ifstream in(dir_ + "/edge_cases.json"); in) {
    const auto index = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (index.is_array()) {
      for (const auto& entry : index) {
        if (entry.is_object() && entry.contains("file") && entry["file"].is_string()) {
          const std::string name = entry["file"].get<std::string>();
          static const std::regex kCaseFile("[0-9]{2,}-[a-z0-9-]+\\.csv");
          // Names as this command writes them, never a path out of the directory.
          if (std::regex_match(name, kCaseFile)) earlier.insert(name);
        }
      }
    }
  }
  std::error_code ec;
  if (auto ok = CheckTargets(); !ok) return ok;  // again: the directory may have changed
  for (const std::string& name : earlier) {
    const std::filesystem::path path = std::filesystem::path(dir_) / name;
    if (!ours.contains(name) && std::filesystem::is_regular_file(path, ec)) {
      std::filesystem::remove(path, ec);
    }
  }
  for (const File& f : files_) {
    std::filesystem::rename(f.staging, f.path, ec);
    if (ec) return Fail(ErrorCode::kIo, f.path + ": cannot write: " + ec.message());
    if (!quiet && !f.summary.empty()) fmt::print(stderr, "{}\n", f.summary);
  }
  if (!quiet) {
    fmt::print(stderr, "wrote    {} edge-case profiles and edge_cases.json to {}\n",
               files_.size() - 1, dir_);
  }
  files_.clear();
  return {};
}

Result<void> GenerateEdgeCasesCommand(const GenerateEdgeCasesOptions& options) {
  std::string label;
  auto history = LoadEdgeCaseHistory(options.history, &label);
  if (!history) return std::unexpected(history.error());
  Result<generate::LoadModel> model = options.model_path.empty()
                                          ? generate::FitLoadModel(*history, {})
                                          : generate::ReadModelFile(options.model_path);
  if (!model) return std::unexpected(model.error());
  auto cases = generate::BuildEdgeCases(*history, *model, options.cases);
  if (!cases) return std::unexpected(cases.error().WithContext(label));
  auto staged = StagedEdgeCases::Write(*cases, options.out_dir, std::nullopt);
  if (!staged) return std::unexpected(staged.error());
  return staged->Commit(false);
}

std::function<std::optional<Result<void>>()> AddGenerateEdgeCasesCommand(CLI::App& generate) {
  // Everything CLI11 binds to must outlive the parse: it lives in the returned callable.
  struct State {
    GenerateEdgeCasesOptions edge;
    std::string duration = "6h", step = "1s";
    CLI::App* command = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check = PositiveDuration();

  s->command = generate.add_subcommand(
      "edge-cases", "Profiles that break autoscalers: the history's most anomalous hours "
                    "(isolation forest), its steepest plausible ramp and largest plausible spike");
  CLI::App* edge = s->command;
  AddEdgeCaseHistoryFlags(*edge, s->edge.history, "History");
  edge->add_option("--model", s->edge.model_path, "Load model for the baselines (default: fitted)");
  edge->add_option("--out", s->edge.out_dir,
                   "Directory for NN-<label>.csv per case and edge_cases.json")
      ->required();
  edge->add_option("--episodes", s->edge.cases.episodes, "Anomalous real episodes to keep");
  edge->add_option("--return-period", s->edge.cases.return_period_days,
                   "Plausible = once in this many days (at least 10x the history)")
      ->check(CLI::PositiveNumber);
  edge->add_option("--duration", s->duration, "Length of the synthetic cases")->check(duration_check);
  edge->add_option("--step", s->step, "Step of the synthetic cases")->check(duration_check);
  edge->add_option("--seed", s->edge.cases.seed, "Random seed");

  return [s]() -> std::optional<Result<void>> {
    if (!s->command->parsed()) return std::nullopt;
    s->edge.cases.baseline_duration = *ParseDuration(s->duration);
    s->edge.cases.step = *ParseDuration(s->step);
    return GenerateEdgeCasesCommand(s->edge);
  };
}

}  // namespace forescale::app
