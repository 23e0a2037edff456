#include "app/load_series.h"

#include "core/labels.h"
#include "ingest/format.h"
#include "ingest/input_stream.h"
#include "ingest/metric_parsers.h"
#include "store/store.h"

namespace forescale::app {

Result<Series> LoadSeries(const SeriesSource& source, std::string* label) {
  if (source.input.empty()) {
    if (source.series.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "give --input FILE or --series NAME");
    }
    auto id = ParseSeriesId(source.series);
    if (!id) return std::unexpected(id.error());
    auto db = store::Store::Open(source.db_path);
    if (!db) return std::unexpected(db.error());
    auto series = (*db)->ReadSeries(*id);
    if (!series) return std::unexpected(series.error());
    if (label) *label = source.series;
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
  if (label) *label = FormatSeriesId(chosen->name, chosen->labels) + " (" + shown + ")";
  const Duration step = source.step.value_or(NativeStep(chosen->samples));
  return BucketSamples(chosen->samples, step, source.aggregation);
}

}  // namespace forescale::app
