#include "ingest/metric_samples.h"

#include <cmath>
#include <unordered_set>

namespace forescale::ingest {

size_t MaskOutageRows(std::vector<MetricSeries>& series) {
  size_t masked = 0;
  for (const MetricSeries& flag : series) {
    if (flag.name != "outage") continue;
    std::unordered_set<int64_t> down;
    bool flags_only = true;
    for (const Sample& s : flag.samples) {
      if (std::isnan(s.value)) continue;
      if (s.value != 0 && s.value != 1) {
        flags_only = false;
        break;
      }
      if (s.value == 1) down.insert(s.time.time_since_epoch().count());
    }
    if (!flags_only || down.empty()) continue;
    for (MetricSeries& other : series) {
      if (&other == &flag || other.labels != flag.labels) continue;
      for (Sample& s : other.samples) {
        if (!std::isnan(s.value) && down.count(s.time.time_since_epoch().count())) {
          s.value = NAN;
          ++masked;
        }
      }
    }
  }
  return masked;
}

}  // namespace forescale::ingest
