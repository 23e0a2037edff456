#include "ingest/access_aggregator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ingest/endpoint.h"

namespace forescale::ingest {
namespace {

// Distinct endpoints are bounded so that a scan with random paths cannot exhaust memory.
constexpr uint32_t kMaxEndpoints = (1u << 24) - 1;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

std::string FormatQuantile(double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", q);
  return buf;
}

}  // namespace

AccessAggregator::AccessAggregator(AccessAggregatorOptions options)
    : options_(std::move(options)), step_ms_(options_.step.count()) {}

size_t AccessAggregator::BucketIndex(TimePoint t) {
  const int64_t bucket = FloorDiv(t.time_since_epoch().count(), step_ms_);
  if (buckets_.empty()) {
    first_bucket_ = bucket;
    buckets_.resize(1);
    return 0;
  }
  if (bucket < first_bucket_) {
    // Out-of-order lines before everything seen so far: grow at the front. Rare, so the
    // cost of shifting the keyed maps is paid only then.
    const size_t shift = static_cast<size_t>(first_bucket_ - bucket);
    buckets_.insert(buckets_.begin(), shift, Bucket{});
    std::unordered_map<size_t, LogHistogram> latency;
    for (auto& [index, h] : latency_) latency.emplace(index + shift, std::move(h));
    latency_ = std::move(latency);
    first_bucket_ = bucket;
    return 0;
  }
  const size_t index = static_cast<size_t>(bucket - first_bucket_);
  if (index >= buckets_.size()) buckets_.resize(index + 1);
  return index;
}

uint32_t AccessAggregator::EndpointOf(std::string_view target) {
  const size_t cut = target.find('?');
  if (cut != std::string_view::npos) target = target.substr(0, cut);
  if (auto it = raw_to_endpoint_.find(target); it != raw_to_endpoint_.end()) return it->second;
  const std::string name = NormaliseEndpoint(target);
  uint32_t id;
  if (auto it = endpoint_ids_.find(name); it != endpoint_ids_.end()) {
    id = it->second;
  } else if (endpoint_names_.size() < kMaxEndpoints) {
    id = static_cast<uint32_t>(endpoint_names_.size());
    endpoint_ids_.emplace(name, id);
    endpoint_names_.push_back(name);
  } else {
    id = kMaxEndpoints;  // beyond 16 million distinct endpoints everything is "{other}"
  }
  // Bounded, so that a scan with random URIs cannot exhaust memory; misses just normalise.
  if (raw_to_endpoint_.size() < (1u << 20)) raw_to_endpoint_.emplace(std::string(target), id);
  return id;
}

void AccessAggregator::Add(const AccessRecord& record) {
  const size_t b = BucketIndex(record.time);
  Bucket& bucket = buckets_[b];
  ++bucket.requests;
  if (record.bytes > 0) bucket.bytes += static_cast<uint64_t>(record.bytes);
  const int status_class = record.status / 100;
  if (status_class >= 1 && status_class <= 5) ++bucket.status[status_class - 1];
  const uint32_t endpoint = EndpointOf(record.target);
  const int64_t absolute = first_bucket_ + static_cast<int64_t>(b);
  if (absolute != current_bucket_) {
    FlushEndpointCounts();
    current_bucket_ = absolute;
  }
  if (endpoint >= current_counts_.size()) current_counts_.resize(endpoint + 1, 0);
  if (current_counts_[endpoint]++ == 0) touched_.push_back(endpoint);
  // A count near overflow is moved out early; cells with the same key simply add up later.
  if (current_counts_[endpoint] == UINT32_MAX) FlushEndpointCounts();
  if (!std::isnan(record.duration_s)) latency_[b].Add(record.duration_s);
  ++records_;
}

void AccessAggregator::FlushEndpointCounts() {
  for (uint32_t e : touched_) {
    endpoint_cells_.push_back({current_bucket_, e, current_counts_[e]});
    current_counts_[e] = 0;
  }
  touched_.clear();
}

AccessSeries AccessAggregator::Finish(const std::string& dataset,
                                      const std::vector<std::string>& known_endpoints) {
  AccessSeries out;
  FlushEndpointCounts();
  if (buckets_.empty()) return out;
  const TimePoint start{Duration{first_bucket_ * step_ms_}};
  const size_t n = buckets_.size();
  auto make = [&](std::string name, Labels labels, std::string unit, bool additive) {
    OutputSeries s;
    s.id = {dataset + ":" + std::move(name), std::move(labels)};
    s.series = Series{.start = start, .step = options_.step, .values = std::vector<double>(n, 0.0)};
    s.additive = additive;
    s.unit = std::move(unit);
    return s;
  };

  OutputSeries requests = make("requests", {}, "requests", true);
  OutputSeries bytes = make("bytes", {}, "bytes", true);
  std::vector<OutputSeries> status;
  for (int c = 1; c <= 5; ++c) {
    status.push_back(make("status", {{"class", std::to_string(c) + "xx"}}, "requests", true));
  }
  for (size_t i = 0; i < n; ++i) {
    requests.series.values[i] = static_cast<double>(buckets_[i].requests);
    bytes.series.values[i] = static_cast<double>(buckets_[i].bytes);
    for (int c = 0; c < 5; ++c) status[c].series.values[i] = buckets_[i].status[c];
  }
  out.series.push_back(std::move(requests));
  out.series.push_back(std::move(bytes));
  for (auto& s : status) out.series.push_back(std::move(s));

  // Top endpoints by total requests (ties by name, so output is stable), plus known ones.
  std::vector<uint64_t> totals(endpoint_names_.size() + 1, 0);
  for (const EndpointCell& cell : endpoint_cells_) {
    totals[std::min<size_t>(cell.endpoint, endpoint_names_.size())] += cell.count;
  }
  std::vector<uint32_t> order(endpoint_names_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return totals[a] != totals[b] ? totals[a] > totals[b] : endpoint_names_[a] < endpoint_names_[b];
  });
  std::vector<int> slot(endpoint_names_.size() + 1, -1);  // endpoint id -> output index
  std::vector<OutputSeries> endpoints;
  auto add_endpoint = [&](uint32_t e) {
    if (slot[e] >= 0) return;
    slot[e] = static_cast<int>(endpoints.size());
    endpoints.push_back(make("endpoint_requests", {{"path", endpoint_names_[e]}}, "requests", true));
  };
  for (size_t i = 0; i < order.size() && i < options_.top_endpoints; ++i) add_endpoint(order[i]);
  std::vector<OutputSeries> idle_known;  // known endpoints without a request in this batch
  for (const std::string& name : known_endpoints) {
    if (auto it = endpoint_ids_.find(name); it != endpoint_ids_.end()) {
      add_endpoint(it->second);
    } else {
      idle_known.push_back(make("endpoint_requests", {{"path", name}}, "requests", true));
    }
  }
  OutputSeries other = make("endpoint_requests", {{"path", "{other}"}}, "requests", true);
  bool has_other = false;
  for (const EndpointCell& cell : endpoint_cells_) {
    const size_t b = static_cast<size_t>(cell.bucket - first_bucket_);
    const uint32_t e = cell.endpoint;
    const double count = cell.count;
    const int s = e < endpoint_names_.size() ? slot[e] : -1;
    if (s >= 0) {
      endpoints[static_cast<size_t>(s)].series.values[b] += count;
    } else {
      other.series.values[b] += count;
      has_other = true;
    }
  }
  for (auto& s : endpoints) out.series.push_back(std::move(s));
  for (auto& s : idle_known) out.series.push_back(std::move(s));
  if (has_other) out.series.push_back(std::move(other));

  if (!latency_.empty()) {
    for (double q : options_.latency_quantiles) {
      OutputSeries s = make("latency_seconds", {{"quantile", FormatQuantile(q)}}, "seconds", false);
      std::fill(s.series.values.begin(), s.series.values.end(),
                std::numeric_limits<double>::quiet_NaN());
      for (const auto& [b, h] : latency_) s.series.values[b] = h.Quantile(q);
      out.series.push_back(std::move(s));
    }
    std::vector<size_t> indices;
    for (const auto& [b, h] : latency_) indices.push_back(b);
    std::sort(indices.begin(), indices.end());
    for (size_t b : indices) {
      out.latency_histograms.emplace_back(start + options_.step * static_cast<int64_t>(b),
                                          latency_.at(b));
    }
  }
  return out;
}

}  // namespace forescale::ingest
