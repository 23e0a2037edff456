#include "core/histogram.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace forescale {
namespace {

// Buckets past ~1.3e6 seconds (15 days) are clamped: no request lasts that long and an
// unbounded index would let one bad value allocate gigabytes.
constexpr uint32_t kMaxBucket = 1700;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

uint32_t LogHistogram::BucketOf(double value) {
  if (!(value > kMin)) return 0;
  const double i = std::floor(std::log(value / kMin) / std::log(kGrowth));
  if (!(i < kMaxBucket)) return kMaxBucket;
  return static_cast<uint32_t>(i);
}

double LogHistogram::Midpoint(uint32_t bucket) {
  return kMin * std::pow(kGrowth, static_cast<double>(bucket) + 0.5);
}

void LogHistogram::Add(double value, uint64_t count) {
  if (std::isnan(value) || count == 0) return;
  count_ += count;
  if (value <= 0) {
    zeros_ += count;
    return;
  }
  const uint32_t b = BucketOf(value);
  if (b >= counts_.size()) counts_.resize(b + 1, 0);
  counts_[b] += count;
}

void LogHistogram::Merge(const LogHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  zeros_ += other.zeros_;
  count_ += other.count_;
}

double LogHistogram::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::min(std::max(q, 0.0), 1.0);
  // Rank of the wanted order statistic, 1-based, nearest-rank: HdrHistogram's definition.
  const auto rank = static_cast<uint64_t>(std::max(1.0, std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = zeros_;
  if (seen >= rank) return 0.0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return Midpoint(static_cast<uint32_t>(i));
  }
  return Midpoint(static_cast<uint32_t>(counts_.size() - 1));
}

std::string LogHistogram::Serialize() const {
  // Version byte, zeros, then (gap, count) pairs of the non-empty buckets.
  std::string out(1, '\x01');
  PutVarint(out, zeros_);
  uint32_t previous = 0;
  for (uint32_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    PutVarint(out, i - previous);
    PutVarint(out, counts_[i]);
    previous = i;
  }
  return out;
}

Result<LogHistogram> LogHistogram::Deserialize(std::string_view data) {
  auto corrupt = [] { return Fail(ErrorCode::kCorrupt, "corrupt histogram blob"); };
  if (data.empty() || data.front() != '\x01') return corrupt();
  data.remove_prefix(1);
  LogHistogram h;
  if (!GetVarint(data, h.zeros_)) return corrupt();
  h.count_ = h.zeros_;
  uint64_t bucket = 0;
  while (!data.empty()) {
    uint64_t gap = 0, count = 0;
    if (!GetVarint(data, gap) || !GetVarint(data, count)) return corrupt();
    bucket += gap;
    if (bucket > kMaxBucket) return corrupt();
    if (bucket >= h.counts_.size()) h.counts_.resize(bucket + 1, 0);
    h.counts_[bucket] += count;
    h.count_ += count;
  }
  return h;
}

}  // namespace forescale
