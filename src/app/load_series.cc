#include "app/load_series.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>

#include "core/labels.h"
#include "ingest/format.h"
#include "ingest/input_stream.h"
#include "ingest/metric_parsers.h"
#include "store/store.h"

namespace forescale::app {
namespace {

// A Prometheus counter: its name ends in _total, as the exposition formats name counters, or
// _count/_sum of a histogram or summary...
bool CounterName(std::string_view name) {
  return name.ends_with("_total") || name.ends_with("_count") || name.ends_with("_sum");
}

// ...and it only ever rises, but for resets. Forecasting its raw value forecasts a line that
// climbs for ever; what loads a service is its rate.
bool OnlyRises(const Series& s) {
  size_t pairs = 0, falls = 0;
  double previous = std::numeric_limits<double>::quiet_NaN();
  for (double v : s.values) {
    if (std::isnan(v)) continue;
    if (v < 0) return false;
    if (!std::isnan(previous)) {
      ++pairs;
      falls += v < previous;
    }
    previous = v;
  }
  // A reset (a restart) is a fall; a gauge that happens to be named like a counter falls often.
  return pairs >= 10 && 100 * falls <= pairs;
}

// Per-second rate of a counter: the increase over each step divided by the step, as Prometheus'
// rate() reads it; after a reset the counter restarted from 0, so the increase is its value.
// The first step, and a step after a missing one, have no increase to read: missing.
Series CounterRate(const Series& counter) {
  Series rate = counter;
  const double seconds = std::chrono::duration<double>(counter.step).count();
  double previous = std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 0; i < counter.size(); ++i) {
    const double v = counter.values[i];
    rate.values[i] = std::isnan(v) || std::isnan(previous)
                         ? std::numeric_limits<double>::quiet_NaN()
                         : (v >= previous ? v - previous : v) / seconds;
    previous = v;
  }
  return rate;
}

// A counter at its own step as its per-second rate, resampled to `step` by mean (a rate over a
// longer step is the mean of the rates over its steps); `label` says so.
Result<Series> CounterRateAt(const Series& counter, std::optional<Duration> step,
                             std::string* label) {
  Series rate = CounterRate(counter);
  if (label) *label += ", per-second rate of a counter";
  if (step && *step != rate.step) return Resample(rate, *step, Aggregation::Mean());
  return rate;
}

// Series of one metric told apart by labels only (a Prometheus export per instance): when the
// user did not say which, taking the first is arbitrary, unlike a CSV's first column.
void WarnAboutOtherSeries(const std::string& shown, const std::vector<ingest::MetricSeries>& all,
                          const ingest::MetricSeries& chosen) {
  std::string others;
  size_t count = 0;
  for (const auto& m : all) {
    if (&m == &chosen || m.name != chosen.name) continue;
    if (++count <= 3) others += (others.empty() ? "" : ", ") + FormatSeriesId(m.name, m.labels);
    if (count == 4) others += ", ...";
  }
  if (count == 0) return;
  fmt::print(stderr,
             "forescale: warning: {}: {} other series of '{}' ({}); this reads the first, {}. "
             "Choose one with --column, or export their sum\n",
             shown, count, chosen.name, others, FormatSeriesId(chosen.name, chosen.labels));
}

}  // namespace

bool NamedAsRate(const std::string& label) {
  const std::string name = label.substr(0, label.find_first_of(" {"));
  return name == "rps" || name.ends_with("_rps") || name.ends_with("_per_s") ||
         name.ends_with("_per_second") || name.ends_with("_rate") ||
         label.find("per-second rate") != std::string::npos;
}

Result<Series> LoadSeries(const SeriesSource& source, std::string* label) {
  if (source.input.empty()) {
    if (source.series.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "give --input FILE or --series NAME");
    }
    auto id = ParseSeriesId(source.series);
    if (!id) return std::unexpected(id.error());
    // Found by probing: a failed lookup left an empty forescale.db in the working directory.
    auto db = OpenExistingStore(source.db_path);
    if (!db) return std::unexpected(db.error());
    auto series = (*db)->ReadSeries(*id);
    if (!series) return std::unexpected(series.error());
    if (label) *label = source.series;
    if (CounterName(id->name) && OnlyRises(*series)) {
      return CounterRateAt(*series, source.step, label);
    }
    if (source.step && *source.step != series->step) {
      return Resample(*series, *source.step, source.aggregation);
    }
    return series;
  }
  const std::string shown = source.input == "-" ? "<stdin>" : source.input;
  auto content = ingest::ReadWholeInput(source.input);
  if (!content) return std::unexpected(content.error());
  auto format = ingest::DetectFormat(*content);
  if (!format) return std::unexpected(format.error().WithContext(shown));
  if (ingest::IsAccessLog(*format)) {
    return Fail(ErrorCode::kInvalidArgument,
                shown + ": is an access log; ingest it first (forescale ingest) and use --series");
  }
  ingest::ParseReport report;
  const ingest::MetricParseOptions options{.default_offset = source.default_offset};
  Result<std::vector<ingest::MetricSeries>> parsed =
      *format == ingest::Format::kCsv       ? ingest::ParseCsvMetrics(*content, options, report)
      : *format == ingest::Format::kPromJson ? ingest::ParsePromJson(*content, options, report)
                                             : ingest::ParsePromText(*content, options, report);
  if (!parsed) return std::unexpected(parsed.error().WithContext(shown));
  if (report.malformed > 0) {
    // Analyses must not quietly run on part of the data.
    const auto& first = report.first_malformed.front();
    return Fail(ErrorCode::kInvalidArgument,
                shown + ":" + std::to_string(first.line) + ": " + first.reason + " (" +
                    std::to_string(report.malformed) + " malformed lines in all)");
  }
  const size_t outage_masked = ingest::MaskOutageRows(*parsed);
  const ingest::MetricSeries* chosen = nullptr;
  std::string names;
  for (const auto& m : *parsed) {
    const std::string id = FormatSeriesId(m.name, m.labels);
    names += (names.empty() ? "" : ", ") + id;
    if (source.column.empty() ? chosen == nullptr : (id == source.column || m.name == source.column)) {
      if (!chosen) chosen = &m;
    }
  }
  if (!chosen) {
    return Fail(ErrorCode::kInvalidArgument,
                shown + ": no series '" + source.column + "' (it has: " + names + ")");
  }
  if (source.column.empty() || source.column == chosen->name) {
    WarnAboutOtherSeries(shown, *parsed, *chosen);
  }
  if (label) {
    *label = FormatSeriesId(chosen->name, chosen->labels) + " (" + shown + ")";
    if (outage_masked > 0 && chosen->name != "outage") {
      *label += ", missing where column outage is 1";
    }
  }
  // Bucketing combines samples without a trace: say it, once, where the user reads. A repeated
  // time at once; shared steps at the series' own step below (a coarser --step combines them
  // on purpose).
  const CombinedSamples combined =
      DescribeCombinedSamples(chosen->samples, Duration{0}, source.aggregation);
  if (!combined.repeated_times.empty()) {
    fmt::print(stderr,
               "forescale: warning: {}: {}. Local times across a daylight-saving change? Write "
               "times with their UTC offset, e.g. 2024-11-03T01:30:00-04:00\n",
               shown, combined.repeated_times);
  }
  const Duration native = NativeStep(chosen->samples);
  // Buckets finer than the data are half empty: a per-minute count read at 30 s doubled the
  // fitted level and forecast a minute's requests per 30 s.
  if (source.step && native.count() > 0 && source.step->count() % native.count() != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "--step " + FormatDuration(*source.step) + ": " + shown + " has a step of " +
                    FormatDuration(native) + "; --step must be a whole multiple of it");
  }
  if (!source.step || *source.step == native) {
    const std::string shared =
        DescribeCombinedSamples(chosen->samples, native, source.aggregation).shared_steps;
    if (!shared.empty()) fmt::print(stderr, "forescale: warning: {}: {}\n", shown, shared);
  }
  if (CounterName(chosen->name)) {
    // The rate at the counter's own step first: a coarser bucket's mean of the counter would
    // blur where the increases happened.
    Series at_native = BucketSamples(chosen->samples, native, source.aggregation);
    if (OnlyRises(at_native)) return CounterRateAt(at_native, source.step, label);
    if (!source.step || *source.step == native) return at_native;
  }
  return BucketSamples(chosen->samples, source.step.value_or(native), source.aggregation);
}

Result<std::unique_ptr<store::Store>> OpenExistingStore(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound,
                path + ": no such database (run `forescale ingest FILE --db " + path + "` first)");
  }
  return store::Store::Open(path);
}

CombinedSamples DescribeCombinedSamples(std::span<const Sample> samples, Duration own_step,
                                        Aggregation aggregation) {
  CombinedSamples out;
  const char* how = AggregationName(aggregation);
  if (const RepeatedTimes r = FindRepeatedTimes(samples); r.count > 0) {
    out.repeated_times = fmt::format(
        "{} time{} more than once with different values (the first, {}: {:g} and {:g}); each "
        "step gets their {}",
        r.count, r.count == 1 ? " occurs" : "s occur", FormatRfc3339(r.first), r.first_value,
        r.second_value, how);
  }
  if (own_step.count() == 0) return out;
  if (const SharedSteps sh = FindSharedSteps(samples, own_step); sh.count > 0) {
    out.shared_steps = fmt::format(
        "{} step{} of {} hold{} samples at more than one time (times off a regular grid; the "
        "first at {}); each step gets their {}",
        sh.count, sh.count == 1 ? "" : "s", FormatDuration(own_step), sh.count == 1 ? "s" : "",
        FormatRfc3339(sh.first), how);
  }
  return out;
}

}  // namespace forescale::app
