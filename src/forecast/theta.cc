#include "forecast/theta.h"

#include <cmath>

#include "forecast/internal/decompose.h"
#include "forecast/internal/fill.h"

namespace forescale::forecast {
namespace {

// SSE of simple exponential smoothing with weight `alpha`, starting from the first value.
double SesSse(const std::vector<double>& y, double alpha, double* final_level) {
  double level = y[0], sse = 0;
  for (size_t i = 1; i < y.size(); ++i) {
    const double e = y[i] - level;
    sse += e * e;
    level += alpha * e;
  }
  if (final_level) *final_level = level;
  return sse;
}

}  // namespace

std::string ThetaForecaster::Name() const {
  if (period_ <= 1) return "theta";
  return std::string("theta[") + std::to_string(period_) + (multiplicative_ ? ",mult]" : ",add]");
}

Result<void> ThetaForecaster::DoFit() {
  const size_t n = history_.size();
  period_ = 1;
  for (size_t p : context_.seasons) {
    if (p >= 2 && n >= 2 * p) {
      period_ = p;
      break;
    }
  }
  std::vector<double> y = internal::FillMissing(history_.values, period_);
  n_ = n;
  multiplicative_ = false;
  season_.assign(period_, 0.0);
  if (period_ > 1) {
    multiplicative_ = true;
    for (double v : y) multiplicative_ &= v > 0;
    const std::vector<double> trend = internal::CenteredMovingAverage(y, period_);
    std::vector<double> ratio(n);
    for (size_t i = 0; i < n; ++i) {
      ratio[i] = multiplicative_ ? (trend[i] > 0 ? y[i] / trend[i] : 1.0) : y[i] - trend[i];
    }
    season_ = internal::PhaseMeans(ratio, period_, period_ / 2, n - period_ / 2);  // sum 0 ...
    // Only the part the centred moving average covers: past it, `ratio` is not detrended.
    const std::vector<double> detrended(ratio.begin() + static_cast<ptrdiff_t>(period_ / 2),
                                        ratio.end() - static_cast<ptrdiff_t>(period_ / 2));
    const size_t window = internal::CrossValidatedSeasonWindow(
        detrended, period_, internal::WidestSeasonWindow(period_));
    season_ = internal::SmoothSeasonal(season_, period_, window);
    if (multiplicative_) {
      for (double& s : season_) s = std::max(s + 1.0, 1e-3);  // ... ratios that average 1
    }
    for (size_t i = 0; i < n; ++i) {
      y[i] = multiplicative_ ? y[i] / season_[i % period_] : y[i] - season_[i % period_];
    }
  } else if (!context_.seasons.empty()) {
    Note("history shorter than two seasons: theta without seasonal adjustment");
  }
  // Drift: half the least-squares slope on time.
  const double nn = static_cast<double>(n);
  double mean_t = (nn - 1) / 2, mean_y = internal::MeanPresent(y), sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dt = static_cast<double>(i) - mean_t;
    sxy += dt * (y[i] - mean_y);
    sxx += dt * dt;
  }
  slope_ = sxx > 0 ? sxy / sxx : 0.0;
  // Golden-section search for alpha: SSE of SES is unimodal enough in practice on (0, 1).
  if (n < 2) {
    alpha_ = 0.5;
    level_ = y[0];
    return {};
  }
  double lo = 1e-4, hi = 0.9999;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = SesSse(y, a, nullptr), fb = SesSse(y, b, nullptr);
  for (int it = 0; it < 40; ++it) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = SesSse(y, a, nullptr);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = SesSse(y, b, nullptr);
    }
  }
  alpha_ = (lo + hi) / 2;
  SesSse(y, alpha_, &level_);
  return {};
}

Result<void> ThetaForecaster::Update(double value) {
  if (n_ == 0) return Forecaster::Update(value);
  if (std::isinf(value)) return Fail(ErrorCode::kInvalidArgument, "theta: Update with an infinite value");
  history_.values.push_back(value);
  if (!std::isnan(value)) {
    const double s = season_[n_ % period_];
    const double adjusted = multiplicative_ ? value / s : value - s;
    level_ += alpha_ * (adjusted - level_);
  }
  ++n_;
  return {};
}

Result<std::vector<double>> ThetaForecaster::Predict(size_t horizon) const {
  std::vector<double> out(horizon);
  const double decay = std::pow(1 - alpha_, static_cast<double>(n_)) / alpha_;
  for (size_t h = 0; h < horizon; ++h) {
    const double steps = static_cast<double>(h + 1);
    double f = level_ + 0.5 * slope_ * (steps - 1 + 1 / alpha_ - decay);
    const double s = season_[(n_ + h) % period_];
    f = multiplicative_ ? f * s : f + s;
    out[h] = std::isfinite(f) ? f : level_;
  }
  return out;
}

}  // namespace forescale::forecast
