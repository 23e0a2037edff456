// The forescale command line: parses flags (CLI11), calls one command, maps errors to exit codes.
//
// Exit codes: 0 success; 2 bad input or usage (a file that does not parse, an unknown flag);
// 1 anything else (I/O, database).
#include <fmt/format.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "app/cli_validators.h"
#include "app/forecast_command.h"
#include "app/generate_command.h"
#include "app/ingest_command.h"
#include "app/loadgen_command.h"
#include "app/progress.h"
#include "app/recommend_command.h"
#include "app/sample_service_command.h"
#include "app/series_command.h"
#include "app/simulate_command.h"
#include "app/test_command.h"
#include "core/clock.h"
#include "store/store.h"

namespace forescale::app {
namespace {

int ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kCorrupt:
    case ErrorCode::kConflict:
      return 2;
    default:
      return 1;
  }
}

int Report(const Result<void>& result) {
  if (result) {
    // Output that could not be written (a full disk, a closed pipe) is a failure, not success.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      fmt::print(stderr, "forescale: error: writing to standard output failed: {}\n",
                 std::strerror(errno));
      return 1;
    }
    return 0;
  }
  fmt::print(stderr, "forescale: error: {}\n", result.error().message());
  return ExitCodeFor(result.error());
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// "0.5,0.9" -> {0.5, 0.9}; the error names the flag and the bad item.
template <typename T>
Result<std::vector<T>> ParseNumberList(const std::string& text, const std::string& flag) {
  std::vector<T> out;
  const std::vector<std::string> items = SplitList(text);
  // "0.5,,0.9" was read as 0.5,0.9 (found by probing): an empty item is a typo, said as one.
  if (items.size() != static_cast<size_t>(std::count(text.begin(), text.end(), ',')) + 1 &&
      !items.empty()) {
    return Fail(ErrorCode::kInvalidArgument, flag + ": '" + text + "' has an empty item");
  }
  for (const std::string& item : items) {
    T value{};
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || p != item.data() + item.size()) {
      return Fail(ErrorCode::kInvalidArgument, flag + ": '" + item + "' is not a number");
    }
    out.push_back(value);
  }
  if (out.empty()) return Fail(ErrorCode::kInvalidArgument, flag + ": empty list");
  return out;
}

Result<std::optional<TimePoint>> OptionalTime(const std::string& text) {
  if (text.empty()) return std::optional<TimePoint>{};
  auto t = ParseTimestamp(text);
  if (!t) return std::unexpected(t.error());
  return std::optional<TimePoint>(*t);
}

void PrintIngestSummary(const IngestOutcome& outcome, const IngestOptions& options) {
  for (const auto& file : outcome.files) {
    const auto& r = file.report;
    const std::string shown = file.path == "-" ? "<stdin>" : file.path;
    if (file.kind == FileOutcome::Kind::kUnchanged) {
      fmt::print("{}: unchanged since it was ingested into '{}' ({} bytes); nothing to add\n",
                 shown, file.dataset, file.skipped_bytes);
      continue;
    }
    fmt::print("{}: {} → dataset '{}'{}\n", shown, ingest::FormatName(file.format), file.dataset,
               file.kind == FileOutcome::Kind::kAppended
                   ? fmt::format(" (appended: skipped {} bytes read before)", file.skipped_bytes)
                   : "");
    fmt::print("  lines {}, records {}, malformed {}, recovered {}\n", r.lines, r.records,
               r.malformed, r.recovered);
    if (file.held_last_line) {
      fmt::print(
          "  the last line has no newline: left for the next ingest (a log still being "
          "written; run again once it is complete to read it as it stands)\n");
    }
    std::fflush(stdout);  // the warnings below, on stderr, follow their file's header in a pipe
    // Line 0: a whole-document format (Prometheus JSON) names the place by its JSON path.
    auto where = [&](uint64_t line) {
      return line > 0 ? fmt::format("{}:{}", shown, line) : shown;
    };
    for (const auto& issue : r.first_malformed) {
      fmt::print(stderr, "  {}: skipped: {}\n", where(issue.line), issue.reason);
    }
    if (r.malformed > r.first_malformed.size()) {
      fmt::print(stderr, "  ... and {} more malformed lines\n", r.malformed - r.first_malformed.size());
    }
    for (const auto& issue : r.first_recovered) {
      fmt::print(stderr, "  {}: recovered: {}\n", where(issue.line), issue.reason);
    }
    if (!file.written.empty()) {
      fmt::print("  {} series, {} .. {}\n", file.written.size(), FormatRfc3339(file.first),
                 FormatRfc3339(file.last));
    }
    for (const std::string& line : file.combined) fmt::print(stderr, "  warning: {}\n", line);
    for (const auto& [id, count] : file.replaced) {
      fmt::print(stderr,
                 "  warning: {} value{} of {} replaced different values another file had stored\n",
                 count, count == 1 ? "" : "s", FormatSeriesId(id.name, id.labels));
    }
    if (file.outage_missing > 0) {
      fmt::print("  {} values stored as missing where column outage is 1\n", file.outage_missing);
    }
  }
  // What the datasets now hold, so the user sees the result without another command.
  for (const auto& [dataset, ids] : outcome.datasets) {
    if (ids.empty()) continue;
    fmt::print("\n");
    if (auto ok = PrintDatasetSummary(options.db_path, dataset, ids); !ok) {
      fmt::print(stderr, "forescale: warning: cannot summarise '{}': {}\n", dataset,
                 ok.error().message());
    }
  }
  fmt::print("\nstored in {}\n", options.db_path);
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"forescale: learn load from history, forecast it, and scale ahead of it.",
               "forescale"};
  app.set_version_flag("--version", "forescale " FORESCALE_VERSION);
  app.require_subcommand(1);
  app.get_formatter()->column_width(34);
  app.option_defaults()->always_capture_default();

  // ingest
  IngestOptions ingest_options;
  std::string format = "auto", step, offset = "+00:00", time_unit = "auto", agg = "mean";
  bool quiet = false;
  CLI::App* ingest = app.add_subcommand(
      "ingest", "Read access logs or metric exports into the time-series store");
  ingest->add_option("files", ingest_options.paths, "Input files (gzip is recognised; - is stdin)")
      ->required();
  ingest->add_option("--format", format, "auto|clf|combined|csv|prom-json|prom-text")
      ->check(CLI::IsMember({"auto", "clf", "combined", "csv", "prom-json", "prom-text"}));
  ingest->add_option("--step", step,
                     "Bucket size, e.g. 30s, 1m, 1h (access logs: 60s; metrics: their own step)")
      ->check(PositiveDuration());
  ingest->add_option("--db", ingest_options.db_path, "SQLite database file");
  ingest->add_option("--name", ingest_options.name,
                     "Dataset name (series are NAME:requests, ...); default: the file name");
  ingest->add_flag("--strict", ingest_options.strict,
                   "Stop at the first malformed line and store nothing");
  ingest->add_option("--utc-offset", offset,
                     "Zone of timestamps written without one, e.g. -04:00");
  ingest->add_option("--request-time-unit", time_unit,
                     "Unit of a trailing request-time field: auto|s|ms|us")
      ->check(CLI::IsMember({"auto", "s", "ms", "us"}));
  ingest->add_option("--top-endpoints", ingest_options.top_endpoints,
                     "Endpoints with a series of their own (the rest: {other})");
  ingest->add_option("--agg", agg,
                     "Metrics: how samples in one step combine: mean|sum|max|min|last|pNN");
  ingest->add_flag("--quiet", quiet, "No progress bar");

  // series
  SeriesQuery query;
  std::string from, to, series_step, series_agg = "sum";
  CLI::App* series = app.add_subcommand("series", "List, show and export stored series");
  series->require_subcommand(1);
  auto add_common = [&](CLI::App* cmd, bool with_range) {
    cmd->add_option("--db", query.db_path, "SQLite database file");
    if (!with_range) return;
    cmd->add_option("--from", from, "Start time (RFC 3339 or unix seconds)");
    cmd->add_option("--to", to, "End time, exclusive");
    cmd->add_option("--step", series_step, "Resample to this step (a multiple of the stored one)")
        ->check(PositiveDuration());
    cmd->add_option("--agg", series_agg, "How resampled steps combine: sum|mean|max|min|last|pNN");
  };
  CLI::App* list = series->add_subcommand("list", "List series with their step, size and span");
  list->add_option("filter", query.name, "Only series whose name contains this");
  add_common(list, false);
  CLI::App* show = series->add_subcommand("show", "Statistics and shape of one series");
  show->add_option("name", query.name, "Series, e.g. 'nasa:requests' or 'nasa:status{class=\"5xx\"}'")
      ->required();
  add_common(show, true);
  CLI::App* exp = series->add_subcommand("export", "Write one series as CSV or JSON to stdout");
  exp->add_option("name", query.name, "Series name")->required();
  exp->add_option("--format", query.format, "csv|json")->check(CLI::IsMember({"csv", "json"}));
  add_common(exp, true);

  // forecast and backtest share their series options
  ForecastCommandOptions fc;
  std::string fc_step, fc_offset = "+00:00", quantiles = "0.5,0.9,0.99", seasons;
  auto add_series_source = [&](CLI::App* cmd) {
    cmd->add_option("--input", fc.source.input,
                    "CSV timestamp,value[,...] or Prometheus export (gzip ok; - is stdin)");
    cmd->add_option("--column", fc.source.column, "Which series of a multi-series file");
    cmd->add_option("--series", fc.source.series, "A stored series, e.g. 'nasa:requests'");
    cmd->add_option("--db", fc.source.db_path, "SQLite database file (with --series)");
    cmd->add_option("--step", fc_step, "Resample to this step first (sum within a step)")
        ->check(PositiveDuration());
    cmd->add_option("--utc-offset", fc_offset, "Zone of timestamps written without one");
    cmd->add_option("--horizon", fc.horizon, "Steps (60) or a duration (1h, 1d)")->required();
    cmd->add_option("--folds", fc.folds,
                    "Rolling-origin backtest folds (default: 10, fewer down to 5 on long horizons)")
        ->check(CLI::Range(1, 50));
    cmd->add_option("--seasons", seasons,
                    "Seasonal periods in steps, e.g. 1440,10080 (default: detected)");
    cmd->add_option("--events", fc.events_path,
                    "YAML of known events: campaigns, scheduled jobs, outages (see README)");
  };
  CLI::App* forecast_cmd = app.add_subcommand(
      "forecast", "Forecast a series, with quantiles calibrated on backtest errors");
  add_series_source(forecast_cmd);
  forecast_cmd->add_option("--model", fc.model,
                           "auto|naive|snaive|mean|ets|mstl|mstl-arima|prophet|theta|arima");
  forecast_cmd->add_option("--quantiles", quantiles, "Quantiles to forecast, in (0, 1)");
  forecast_cmd->add_option("--format", fc.format, "csv|json")->check(CLI::IsMember({"csv", "json"}));
  forecast_cmd->add_flag("--quiet", fc.quiet, "No model summary on stderr");
  CLI::App* backtest_cmd = app.add_subcommand(
      "backtest", "Score models by rolling-origin backtest: MASE, pinball, coverage, fit time");
  add_series_source(backtest_cmd);
  std::string models;
  backtest_cmd->add_option("--models", models, "Comma-separated families (default: all that apply)");
  std::string backtest_format = "table";
  backtest_cmd->add_option("--format", backtest_format, "table|json")
      ->check(CLI::IsMember({"table", "json"}));

  const auto run_generate = AddGenerateCommands(app);
  const auto run_simulate = AddSimulateCommand(app);
  const auto run_recommend = AddRecommendCommand(app);
  const auto run_test = AddTestCommand(app, [](const Error& e) { return Report(std::unexpected(e)); });
  const auto run_loadgen = AddLoadgenCommand(app);
  const auto run_sample_service = AddSampleServiceCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  SystemClock clock;
  if (std::optional<Result<void>> generated = run_generate()) return Report(*generated);
  if (std::optional<Result<void>> simulated = run_simulate()) return Report(*simulated);
  if (std::optional<Result<void>> recommended = run_recommend()) return Report(*recommended);
  if (std::optional<int> tested = run_test()) return *tested;
  if (std::optional<Result<void>> loaded = run_loadgen()) return Report(*loaded);
  if (std::optional<Result<void>> served = run_sample_service()) return Report(*served);
  if (ingest->parsed()) {
    auto fmt_ok = ingest::ParseFormat(format);
    auto off = ParseRfc3339("1970-01-01T00:00:00" + offset);
    auto aggregation = ParseAggregation(agg);
    if (!off) return Report(Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + offset + "'"));
    if (!aggregation) return Report(std::unexpected(aggregation.error()));
    ingest_options.format = *fmt_ok;
    if (!step.empty()) ingest_options.step = *ParseDuration(step);
    ingest_options.default_offset = -off->time_since_epoch();
    ingest_options.request_time_unit =
        time_unit == "s"    ? ingest::RequestTimeUnit::kSeconds
        : time_unit == "ms" ? ingest::RequestTimeUnit::kMilliseconds
        : time_unit == "us" ? ingest::RequestTimeUnit::kMicroseconds
                            : ingest::RequestTimeUnit::kAuto;
    ingest_options.metric_aggregation = *aggregation;
    ingest_options.progress = ProgressBar::ShouldShow(quiet);
    auto outcome = RunIngest(ingest_options, clock);
    if (!outcome) return Report(std::unexpected(outcome.error()));
    PrintIngestSummary(*outcome, ingest_options);
    return 0;
  }
  if (forecast_cmd->parsed() || backtest_cmd->parsed()) {
    if (!fc_step.empty()) {
      fc.source.step = *ParseDuration(fc_step);
      fc.source.aggregation = Aggregation::Sum();
    }
    auto off = ParseRfc3339("1970-01-01T00:00:00" + fc_offset);
    if (!off) return Report(Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + fc_offset + "'"));
    fc.source.default_offset = -off->time_since_epoch();
    auto parsed_q = ParseNumberList<double>(quantiles, "--quantiles");
    if (!parsed_q) return Report(std::unexpected(parsed_q.error()));
    fc.quantiles = *parsed_q;
    if (!seasons.empty()) {
      auto parsed_s = ParseNumberList<size_t>(seasons, "--seasons");
      if (!parsed_s) return Report(std::unexpected(parsed_s.error()));
      fc.seasons = *parsed_s;
    }
    if (forecast_cmd->parsed()) return Report(ForecastCommand(fc));
    fc.format = backtest_format;
    fc.models = SplitList(models);
    return Report(BacktestCommand(fc));
  }
  if (series->parsed()) {
    auto f = OptionalTime(from);
    auto t = OptionalTime(to);
    auto aggregation = ParseAggregation(series_agg);
    if (!f) return Report(std::unexpected(f.error().WithContext("--from")));
    if (!t) return Report(std::unexpected(t.error().WithContext("--to")));
    if (!aggregation) return Report(std::unexpected(aggregation.error()));
    if (*f && *t && **f >= **t) {
      return Report(Fail(ErrorCode::kInvalidArgument,
                         "--from " + from + " is not before --to " + to + ": an empty range"));
    }
    query.from = *f;
    query.to = *t;
    query.aggregation = *aggregation;
    if (!series_step.empty()) query.step = *ParseDuration(series_step);
    if (list->parsed()) return Report(ListSeriesCommand(query));
    if (show->parsed()) return Report(ShowSeriesCommand(query));
    return Report(ExportSeriesCommand(query));
  }
  return 2;
}

}  // namespace forescale::app

int main(int argc, char** argv) {
  // forescale allocates large arrays in phases (a parsed file, then a series, then a timeline):
  // keep freed memory in the heap for the next phase instead of unmapping it and taking a page
  // fault per 4 KiB when it is needed again (measured: ~20 % of a month-long simulation).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    return forescale::app::Main(argc, argv);
  } catch (const std::system_error& e) {
    // fmt::print throws when its output cannot be written (a full disk, a closed pipe).
    std::fprintf(stderr, "forescale: error: writing output failed: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forescale: internal error: %s\n", e.what());
    return 1;
  }
}
