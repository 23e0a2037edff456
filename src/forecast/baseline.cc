#include "forecast/baseline.h"

#include <cmath>

namespace forescale::forecast {
namespace {

double LastPresent(const std::vector<double>& values) {
  for (size_t i = values.size(); i-- > 0;) {
    if (!std::isnan(values[i])) return values[i];
  }
  return 0.0;  // unreachable: Fit() has checked that one value is present
}

}  // namespace

Result<void> NaiveForecaster::DoFit() {
  last_ = LastPresent(history_.values);
  return {};
}

Result<std::vector<double>> NaiveForecaster::Predict(size_t horizon) const {
  return std::vector<double>(horizon, last_);
}

Result<void> NaiveForecaster::Update(double value) {
  history_.values.push_back(value);
  if (!std::isnan(value) && std::isfinite(value)) last_ = value;
  return {};
}

Result<void> MeanForecaster::DoFit() {
  sum_ = 0;
  count_ = 0;
  for (double v : history_.values) {
    if (std::isnan(v)) continue;
    sum_ += v;
    ++count_;
  }
  return {};
}

Result<std::vector<double>> MeanForecaster::Predict(size_t horizon) const {
  return std::vector<double>(horizon, sum_ / static_cast<double>(count_));
}

Result<void> MeanForecaster::Update(double value) {
  if (std::isinf(value))
    return Fail(ErrorCode::kInvalidArgument, "mean: Update with an infinite value");
  history_.values.push_back(value);
  if (!std::isnan(value)) {
    sum_ += value;
    ++count_;
  }
  return {};
}

std::string SeasonalNaiveForecaster::Name() const {
  return period_ > 1 ? "snaive(" + std::to_string(period_) + ")" : "snaive";
}

Result<void> SeasonalNaiveForecaster::DoFit() {
  const std::vector<double>& y = history_.values;
  period_ = 1;
  for (size_t s : context_.seasons) {
    if (s > 1 && s <= y.size()) {
      period_ = s;
      break;
    }
  }
  if (period_ == 1) {
    Note(context_.seasons.empty() ? "no season known: seasonal naive is naive"
                                  : "history shorter than one season: seasonal naive is naive");
  }
  const double fallback = LastPresent(y);
  last_season_.assign(period_, fallback);
  next_ = 0;
  const size_t n = y.size();
  for (size_t phase = 0; phase < period_; ++phase) {
    // The latest present value at this phase, walking back one season at a time.
    for (size_t i = n - period_ + phase;; i -= period_) {
      if (!std::isnan(y[i])) {
        last_season_[phase] = y[i];
        break;
      }
      if (i < period_) break;
    }
  }
  return {};
}

Result<std::vector<double>> SeasonalNaiveForecaster::Predict(size_t horizon) const {
  std::vector<double> out(horizon);
  for (size_t h = 0; h < horizon; ++h) out[h] = last_season_[(next_ + h) % period_];
  return out;
}

Result<void> SeasonalNaiveForecaster::Update(double value) {
  if (std::isinf(value)) return Fail(ErrorCode::kInvalidArgument, "snaive: Update with an infinite value");
  history_.values.push_back(value);
  if (!std::isnan(value)) last_season_[next_] = value;
  next_ = (next_ + 1) % period_;
  return {};
}

}  // namespace forescale::forecast
