#include "forecast/backtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

namespace forescale::forecast {

std::vector<size_t> FoldOrigins(std::span<const double> values, const BacktestOptions& options,
                                size_t min_train) {
  const size_t h = std::max<size_t>(options.horizon, 1);
  std::vector<size_t> observed_before(values.size() + 1, 0);  // observed steps in [0, i)
  for (size_t i = 0; i < values.size(); ++i) {
    observed_before[i + 1] = observed_before[i] + (std::isnan(values[i]) ? 0 : 1);
  }
  std::vector<size_t> origins;
  size_t end = values.size();  // the next test window ends here (exclusive)
  while (origins.size() < options.folds && end >= h + min_train) {
    const size_t origin = end - h;
    if (2 * (observed_before[end] - observed_before[origin]) >= h) {
      origins.push_back(origin);
      end = origin;
    } else {
      --end;
    }
  }
  std::reverse(origins.begin(), origins.end());
  return origins;
}

double MaseScale(const std::vector<double>& train, size_t period) {
  const size_t m = std::max<size_t>(period, 1);
  double sum = 0;
  size_t count = 0;
  for (size_t i = m; i < train.size(); ++i) {
    if (std::isnan(train[i]) || std::isnan(train[i - m])) continue;
    sum += std::fabs(train[i] - train[i - m]);
    ++count;
  }
  return count ? sum / static_cast<double>(count) : 0.0;
}

Result<ModelBacktest> Backtest(const Series& history, const FitContext& context,
                               std::string_view model, const BacktestOptions& options) {
  ModelBacktest out;
  out.model = std::string(model);
  constexpr size_t min_train = 2;
  const std::vector<size_t> origins = FoldOrigins(history.values, options, min_train);
  if (origins.empty()) {
    const size_t h = std::max<size_t>(options.horizon, 1);
    if (history.size() >= h + min_train) {
      return Fail(ErrorCode::kInvalidArgument,
                  "no " + std::to_string(h) +
                      "-step stretch of the history is even half observed: "
                      "nothing to backtest on");
    }
    return Fail(ErrorCode::kInvalidArgument,
                "history of " + std::to_string(history.size()) + " steps is too short for a " +
                    std::to_string(options.horizon) + "-step backtest");
  }
  double seconds = 0;
  // A model that rolls forward (Forecaster::RollsForward) is fitted once and extended to later
  // origins, as a live forecaster between refits would be; it refits when the steps since its
  // fit would be more than half its training window.
  std::unique_ptr<Forecaster> rolling;
  size_t fitted_at = 0, rolled_to = 0, rolling_window = 0;
  for (size_t origin : origins) {
    const size_t from = options.max_train && origin > options.max_train ? origin - options.max_train : 0;
    // Fit time is measured with the monotonic clock: it is a duration, not a time of day.
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<Forecaster> fresh;
    Forecaster* forecaster = nullptr;
    Regressors shifted;
    if (rolling && 2 * (origin - fitted_at) <= rolling_window) {
      const std::span<const double> arrived(history.values.data() + rolled_to, origin - rolled_to);
      if (auto ok = rolling->Extend(arrived); !ok) return std::unexpected(ok.error());
      rolled_to = origin;
      forecaster = rolling.get();
    } else {
      const Series train = history.Slice(from, origin);
      bool any = false;
      for (double v : train.values) any |= !std::isnan(v);
      if (!any) continue;  // a fold inside an outage has nothing to fit on
      auto made = MakeForecaster(model);
      if (!made) return std::unexpected(made.error());
      // Regressor rows follow the training window, which starts at `from`, not at the history's
      // start; the model reads them until its Predict(), so they live as long as the fold.
      auto fitted = (*made)->Fit(train, context.FromRow(from, shifted));
      if (!fitted) return std::unexpected(fitted.error());
      fresh = std::move(*made);
      forecaster = fresh.get();
      if (forecaster->RollsForward() && !context.regressors) {
        rolling = std::move(fresh);
        fitted_at = rolled_to = origin;
        rolling_window = origin - from;
      } else {
        rolling.reset();
      }
    }
    auto mean = forecaster->Predict(options.horizon);
    if (!mean) return std::unexpected(mean.error());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    FoldForecast fold{.origin = origin, .actual = {}, .mean = std::move(*mean)};
    fold.actual.assign(history.values.begin() + static_cast<ptrdiff_t>(origin),
                       history.values.begin() + static_cast<ptrdiff_t>(origin + options.horizon));
    out.folds.push_back(std::move(fold));
    out.fitted = forecaster->Name();
    out.notes = forecaster->Notes();
  }
  if (out.folds.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "every backtest fold falls in missing data");
  }
  out.seconds_per_fit = seconds / static_cast<double>(out.folds.size());
  return out;
}

Scores Score(const std::vector<FoldForecast>& folds, const FoldQuantiles& quantiles, double scale) {
  Scores s;
  const double divisor = scale > 0 ? scale : 1.0;
  double abs_sum = 0;
  size_t n = 0, in80 = 0, in95 = 0, interval80 = 0, interval95 = 0;
  for (const auto& [q, _] : quantiles) s.pinball[q] = 0;
  auto quantile_at = [&](double q, size_t f, size_t j) -> std::optional<double> {
    auto it = quantiles.find(q);
    if (it == quantiles.end()) return std::nullopt;
    return it->second[f][j];
  };
  double log_fold_sum = 0, squared_sum = 0;
  for (size_t f = 0; f < folds.size(); ++f) {
    const FoldForecast& fold = folds[f];
    double fold_abs = 0;
    size_t fold_n = 0;
    for (size_t j = 0; j < fold.actual.size(); ++j) {
      const double y = fold.actual[j];
      if (std::isnan(y)) continue;
      ++n;
      ++fold_n;
      fold_abs += std::fabs(y - fold.mean[j]);
      abs_sum += std::fabs(y - fold.mean[j]);
      squared_sum += (y - fold.mean[j]) * (y - fold.mean[j]);
      for (auto& [q, loss] : s.pinball) {
        const double pred = quantiles.at(q)[f][j];
        const double diff = y - pred;
        loss += diff >= 0 ? q * diff : (q - 1) * diff;
      }
      auto lo80 = quantile_at(0.1, f, j), hi80 = quantile_at(0.9, f, j);
      if (lo80 && hi80) {
        ++interval80;
        in80 += y >= *lo80 && y <= *hi80;
      }
      auto lo95 = quantile_at(0.025, f, j), hi95 = quantile_at(0.975, f, j);
      if (lo95 && hi95) {
        ++interval95;
        in95 += y >= *lo95 && y <= *hi95;
      }
    }
    if (fold_n > 0) {
      // Weighted by the fold's scored steps: a fold mostly inside an outage is little evidence.
      log_fold_sum += static_cast<double>(fold_n) *
                      std::log(std::max(fold_abs / static_cast<double>(fold_n) / divisor, 1e-6));
    }
  }
  s.points = n;
  if (n == 0) return s;
  s.mae = abs_sum / static_cast<double>(n);
  s.mase = s.mae / divisor;
  s.fold_mase_gmean = std::exp(log_fold_sum / static_cast<double>(n));
  s.rmsse = std::sqrt(squared_sum / static_cast<double>(n)) / divisor;
  double total = 0;
  for (auto& [q, loss] : s.pinball) {
    loss /= static_cast<double>(n) * divisor;
    total += loss;
  }
  if (!s.pinball.empty()) s.pinball_mean = total / static_cast<double>(s.pinball.size());
  if (interval80) s.coverage80 = static_cast<double>(in80) / static_cast<double>(interval80);
  if (interval95) s.coverage95 = static_cast<double>(in95) / static_cast<double>(interval95);
  return s;
}

}  // namespace forescale::forecast
