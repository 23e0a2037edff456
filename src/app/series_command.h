// `forescale series list|show|export`: what is in the store, read back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/series.h"

namespace forescale::app {

struct SeriesQuery {
  std::string db_path = "forescale.db";
  std::string name;                 // formatted series id; for list, a substring filter
  std::optional<TimePoint> from, to;
  std::optional<Duration> step;     // resample to this step
  Aggregation aggregation = Aggregation::Sum();
  std::string format = "csv";       // export: csv | json
};

// Each prints to standard output; errors name the series or the database.
Result<void> ListSeriesCommand(const SeriesQuery& query);
Result<void> ShowSeriesCommand(const SeriesQuery& query);
Result<void> ExportSeriesCommand(const SeriesQuery& query);

// A table of a dataset's series (as stored now) with their statistics, as `ingest` prints
// after a run; endpoint series beyond the `max_endpoints` busiest are counted, not listed.
Result<void> PrintDatasetSummary(const std::string& db_path, const std::string& dataset,
                                 const std::vector<SeriesId>& ids, size_t max_endpoints = 5);

// Statistics of one series, as the summaries print them.
struct SeriesStats {
  size_t points = 0, missing = 0;
  double min = 0, mean = 0, p50 = 0, p95 = 0, max = 0, total = 0;
};
SeriesStats ComputeStats(const Series& series);

}  // namespace forescale::app
