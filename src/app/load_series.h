// One series for the commands that analyse a series (forecast, backtest): from a file
// (CSV `timestamp,value[,...]` or a Prometheus JSON/text export, gzip or not) or from the store.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/series.h"

namespace forescale::store {
class Store;
}  // namespace forescale::store

namespace forescale::app {

struct SeriesSource {
  std::string input;        // a file ("-" for stdin); or empty to read `series` from `db_path`
  std::string column;       // which series of a multi-series file; empty: the only/first one
  std::string series;       // a stored series id
  std::string db_path = "forescale.db";
  std::optional<Duration> step;  // resample to this step (a multiple of the native one)
  Aggregation aggregation = Aggregation::Mean();
  Duration default_offset{0};
};

// The series on a regular grid; the error names the file or series and what is wrong.
// `label` is set to what was read, e.g. "requests (nasa.csv)". A Prometheus counter (named
// *_total, *_count or *_sum, only ever rising but for resets) comes back as its per-second rate
// at its own step (then resampled by mean), as rate() reads it, and `label` says so: its raw
// value only climbs, and what loads a service is how fast it climbs.
Result<Series> LoadSeries(const SeriesSource& source, std::string* label = nullptr);

// Whether a series LoadSeries labelled holds a rate (requests/s) rather than a count per step:
// its name says so (rps, *_rps, *_per_s, *_per_second, *_rate) or it is a counter read as its
// per-second rate. Every command that must tell the two apart asks this one rule.
bool NamedAsRate(const std::string& label);

// The database at `path`, which must exist: reading creates nothing (kNotFound, saying how to
// make one).
Result<std::unique_ptr<store::Store>> OpenExistingStore(const std::string& path);

// What bucketing `samples` combines without a trace, as sentences for the user (empty: none):
// a time given twice with different values, and, at `own_step` (0: not looked for, as a
// coarser --step combines on purpose), times off the grid that share a step.
struct CombinedSamples {
  std::string repeated_times;
  std::string shared_steps;
};
CombinedSamples DescribeCombinedSamples(std::span<const Sample> samples, Duration own_step,
                                        Aggregation aggregation);

}  // namespace forescale::app
