// Turns access-log records into per-step series.
//
// For a dataset NAME it produces (values are per step, not per second):
//   NAME:requests                         requests
//   NAME:bytes                            response bytes ("-" counts as 0)
//   NAME:status{class="2xx"}              requests by status class, 1xx..5xx
//   NAME:endpoint_requests{path="/x/{id}"} requests of the top endpoints, the rest as "{other}"
//   NAME:latency_seconds{quantile="0.95"} request-time quantiles, when the log carries them
// Count series cover every step from the first to the last record (0 where nothing came);
// latency quantiles are missing (NaN) where no request was timed. Records may arrive in any
// order. Per-step latency histograms are kept so that a later append can merge exactly.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/histogram.h"
#include "core/labels.h"
#include "core/series.h"
#include "ingest/access_log.h"

namespace forescale::ingest {

struct AccessAggregatorOptions {
  Duration step{std::chrono::minutes(1)};
  size_t top_endpoints = 20;  // endpoints beyond these are summed into path="{other}"
  std::vector<double> latency_quantiles = {0.5, 0.9, 0.95, 0.99};
};

struct OutputSeries {
  SeriesId id;
  Series series;
  bool additive = true;  // counts add up across appends; quantiles do not
  std::string unit;
};

struct AccessSeries {
  std::vector<OutputSeries> series;
  // Latency histogram per bucket start, for exact merging with what is already stored.
  std::vector<std::pair<TimePoint, LogHistogram>> latency_histograms;
};

class AccessAggregator {
 public:
  explicit AccessAggregator(AccessAggregatorOptions options);

  void Add(const AccessRecord& record);
  uint64_t records() const { return records_; }
  // Series for `dataset`; `known_endpoints` (from earlier ingests of the same dataset) are
  // kept as series of their own even when they are no longer in the top.
  AccessSeries Finish(const std::string& dataset,
                      const std::vector<std::string>& known_endpoints = {});

 private:
  struct Bucket {
    uint64_t requests = 0;
    uint64_t bytes = 0;
    uint32_t status[5] = {0, 0, 0, 0, 0};
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  size_t BucketIndex(TimePoint t);
  uint32_t EndpointOf(std::string_view target);

  AccessAggregatorOptions options_;
  int64_t step_ms_;
  int64_t first_bucket_ = 0;  // bucket number (time / step) of buckets_[0]
  std::vector<Bucket> buckets_;
  std::unordered_map<size_t, LogHistogram> latency_;  // by bucket index
  // Raw URI (before the query) -> endpoint id; normalising is slow, lookups are not.
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> raw_to_endpoint_;
  std::unordered_map<std::string, uint32_t> endpoint_ids_;
  std::vector<std::string> endpoint_names_;
  // Endpoint counts: the current bucket's are kept in a dense array indexed by endpoint (one
  // increment per line, no hashing); when the bucket changes they move to `endpoint_cells_`.
  // Logs are time-ordered, so that happens once per step, not per line.
  struct EndpointCell {
    int64_t bucket;  // absolute bucket number (time / step)
    uint32_t endpoint;
    uint32_t count;
  };
  void FlushEndpointCounts();
  int64_t current_bucket_ = 0;
  std::vector<uint32_t> current_counts_;
  std::vector<uint32_t> touched_;
  std::vector<EndpointCell> endpoint_cells_;
  uint64_t records_ = 0;
};

}  // namespace forescale::ingest
