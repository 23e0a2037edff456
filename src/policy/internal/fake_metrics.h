// A MetricSource for policy tests: each metric reads back what the test set, whatever the
// window (or a per-window value when one was set), and History returns the series given.
#pragma once

#include <cmath>
#include <map>
#include <utility>

#include "policy/observation.h"

namespace forescale::policy::internal {

class FakeMetrics final : public MetricSource {
 public:
  void Set(Metric metric, double value) { values_[metric] = value; }
  void SetWindow(Metric metric, Duration window, double value) {
    windowed_[{metric, window.count()}] = value;
  }
  void SetHistory(Metric metric, Series history) { history_[metric] = std::move(history); }

  double Average(Metric metric, Duration window) const override {
    if (auto it = windowed_.find({metric, window.count()}); it != windowed_.end()) return it->second;
    auto it = values_.find(metric);
    return it == values_.end() ? std::nan("") : it->second;
  }
  Series History(Metric metric, Duration span, Duration step) const override {
    auto it = history_.find(metric);
    if (it == history_.end()) return Series{.step = step};
    (void)span;
    return it->second;
  }

 private:
  std::map<Metric, double> values_;
  std::map<std::pair<Metric, int64_t>, double> windowed_;
  std::map<Metric, Series> history_;
};

}  // namespace forescale::policy::internal
