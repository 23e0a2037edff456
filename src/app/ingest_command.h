// `forescale ingest`: reads access logs and metric exports into the store.
//
// One run is one transaction: either every file's series land, or (on an error, or on the
// first bad line with --strict) nothing does. Each input is fingerprinted, so ingesting the
// same content again adds nothing, and a log that grew since is read from where it stopped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/labels.h"
#include "core/series.h"
#include "ingest/access_log.h"
#include "ingest/format.h"
#include "ingest/parse_report.h"

namespace forescale::app {

struct IngestOptions {
  std::vector<std::string> paths;   // "-" is standard input
  ingest::Format format = ingest::Format::kAuto;
  std::optional<Duration> step;     // access logs: 60s when unset; metrics: their own step
  std::string db_path = "forescale.db";
  std::string name;                 // dataset name; default: the file name without extensions
  bool strict = false;
  Duration default_offset{0};       // for timestamps written without a zone
  ingest::RequestTimeUnit request_time_unit = ingest::RequestTimeUnit::kAuto;
  size_t top_endpoints = 20;
  Aggregation metric_aggregation = Aggregation::Mean();
  bool progress = false;
};

struct FileOutcome {
  std::string path;
  std::string dataset;
  ingest::Format format = ingest::Format::kAuto;
  ingest::ParseReport report;
  enum class Kind { kNew, kAppended, kUnchanged } kind = Kind::kNew;
  uint64_t skipped_bytes = 0;       // already ingested earlier
  std::vector<SeriesId> written;    // the series this file wrote to
  size_t outage_missing = 0;        // values stored as missing where column `outage` is 1
  // Metric values this file, read for the first time, wrote over differing values another
  // source had stored (per series). A changed snapshot of the same path replaces silently.
  std::vector<std::pair<SeriesId, size_t>> replaced;
  // Values bucketing combined without a trace: a time given twice with different values, or
  // times off the series' own grid sharing a step. One line each, for the user.
  std::vector<std::string> combined;
  TimePoint first{}, last{};        // span of the buckets written
  // The log's last line had no newline and did not parse (a line still being written): it was
  // left for the next ingest.
  bool held_last_line = false;
};

struct IngestOutcome {
  std::vector<FileOutcome> files;
  // Every series written by the run, per dataset, in the order first written.
  std::vector<std::pair<std::string, std::vector<SeriesId>>> datasets;
};

// Runs the whole ingest. The error names the file (and line, for --strict).
Result<IngestOutcome> RunIngest(const IngestOptions& options, const Clock& clock);

// The default dataset name for a path: "logs/access.log.gz" -> "access".
std::string DefaultDatasetName(const std::string& path);

}  // namespace forescale::app
