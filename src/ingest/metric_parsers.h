// Parsers for metric exports. Each takes the whole (decompressed) file content, because these
// files are snapshots, and returns the series found in it.
//
// Contract shared by all three:
//  - A bad line is counted in `report` (line number + reason) and skipped; with
//    `options.strict` the first bad line is returned as an error instead.
//  - Content with no usable sample at all is an error (ErrorCode::kInvalidArgument) whose
//    message says why ("no data rows", "not a Prometheus query_range response", ...).
//  - Messages name the line ("line 12: ..."); the caller prefixes the file name.
//  - Never crash, whatever the bytes (each parser has a fuzz target).
#pragma once

#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "ingest/metric_samples.h"
#include "ingest/parse_report.h"

namespace forescale::ingest {

struct MetricParseOptions {
  bool strict = false;
  // Offset applied to timestamps written without one ("1995-08-01 00:00:00").
  Duration default_offset{0};
  // Time given to Prometheus text samples that carry no timestamp (the scrape time).
  TimePoint default_time{};
};

// CSV with a header row: the first column is the time (RFC 3339, "YYYY-MM-DD hh:mm:ss",
// unix seconds or milliseconds, CLF), every further column a series named by its header.
// Empty cells and "NaN" are gaps. Quoted fields (RFC 4180) and CRLF line ends are accepted.
Result<std::vector<MetricSeries>> ParseCsvMetrics(std::string_view content,
                                                  const MetricParseOptions& options,
                                                  ParseReport& report);

// Prometheus HTTP API responses of /api/v1/query_range (resultType "matrix") and /api/v1/query
// ("vector", "scalar"), with or without the {"status":"success","data":...} envelope.
// A response with "status":"error" is returned as an error carrying its errorType and error.
Result<std::vector<MetricSeries>> ParsePromJson(std::string_view content,
                                                const MetricParseOptions& options,
                                                ParseReport& report);

// Prometheus text exposition format 0.0.4 (also what OpenMetrics text mostly is):
// `# HELP`, `# TYPE`, `name{labels} value [timestamp_ms]`. Histogram and summary samples keep
// their _bucket/_sum/_count names and le/quantile labels.
Result<std::vector<MetricSeries>> ParsePromText(std::string_view content,
                                                const MetricParseOptions& options,
                                                ParseReport& report);

}  // namespace forescale::ingest
