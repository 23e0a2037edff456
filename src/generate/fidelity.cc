#include "generate/fidelity.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <span>
#include <string_view>

#include "core/rng.h"
#include "forecast/backtest.h"
#include "forecast/engine.h"
#include "forecast/forecaster.h"
#include "generate/internal/stats.h"

namespace forescale::generate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Duration kDay = std::chrono::days(1);
constexpr size_t kMinPresent = 20;

std::vector<double> Present(const std::vector<double>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) out.push_back(v);
  }
  return out;
}

double Mean(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

// Steps of `of` in `step`, or 0 when `of` is not a whole number of steps.
size_t StepsIn(Duration of, Duration step) {
  return of.count() > 0 && of % step == Duration{0} ? static_cast<size_t>(of / step) : 0;
}

Series ToRate(const Series& s, ValueKind kind) {
  Series out = s;
  if (kind == ValueKind::kCountPerStep) {
    const double seconds = std::chrono::duration<double>(s.step).count();
    for (double& v : out.values) v /= seconds;
  }
  return out;
}

// Time of day in hours of the middle of step i.
double HourOfDay(const Series& s, size_t i) {
  const TimePoint mid = s.TimeAt(i) + s.step / 2;
  const auto since = mid.time_since_epoch();
  const Duration in_day = since - std::chrono::floor<std::chrono::days>(since);
  return std::chrono::duration<double, std::ratio<3600>>(in_day).count();
}

int64_t DayNumber(TimePoint t) {
  return std::chrono::floor<std::chrono::days>(t.time_since_epoch()).count();
}

double CircularHours(double a, double b) {
  const double d = std::fmod(std::fabs(a - b), 24.0);
  return std::min(d, 24.0 - d);
}

double CircularMeanHour(const std::vector<double>& hours) {
  if (hours.empty()) return kNaN;
  double s = 0, c = 0;
  for (double h : hours) {
    s += std::sin(2 * std::numbers::pi * h / 24);
    c += std::cos(2 * std::numbers::pi * h / 24);
  }
  double h = std::atan2(s, c) * 24 / (2 * std::numbers::pi);
  return h < 0 ? h + 24 : h;
}

// --- ACF ----------------------------------------------------------------------------------

void AcfDistance(const Series& real, const Series& syn, const FidelityOptions& options,
                 FidelityReport& r) {
  const size_t n = std::min(real.size(), syn.size());
  const size_t max_lag = std::min(options.max_lag, n / 4);
  for (size_t lag = 1; lag <= max_lag; ++lag) r.acf_lags.push_back(lag);
  for (Duration period : {Duration(kDay), Duration(std::chrono::days(7))}) {
    const size_t lag = StepsIn(period, r.step);
    if (lag == 0 || lag <= max_lag) continue;
    if (n >= 2 * lag) {
      r.acf_lags.push_back(lag);
    } else if (period == kDay) {
      r.notes.push_back("ACF: series shorter than two days, the daily lag is left out");
    }
  }
  double sum = 0;
  for (size_t lag : r.acf_lags) {
    // A constant series has no autocorrelation to speak of: it counts as 0.
    double a = internal::Autocorrelation(real.values, lag);
    double b = internal::Autocorrelation(syn.values, lag);
    if (std::isnan(a)) a = 0;
    if (std::isnan(b)) b = 0;
    r.acf_real.push_back(a);
    r.acf_synthetic.push_back(b);
    sum += (a - b) * (a - b);
  }
  r.acf_distance =
      r.acf_lags.empty() ? kNaN : std::sqrt(sum / static_cast<double>(r.acf_lags.size()));
}

// --- marginals ----------------------------------------------------------------------------

// W1 (area between the empirical CDFs) and KS (largest gap between them) of sorted samples.
std::pair<double, double> MarginalDistances(const std::vector<double>& a,
                                            const std::vector<double>& b) {
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  size_t i = 0, j = 0;
  double w1 = 0, ks = 0, x = std::min(a.front(), b.front());
  while (i < a.size() || j < b.size()) {
    const double next = j == b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    const double gap = std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb);
    w1 += gap * (next - x);
    x = next;
    while (i < a.size() && a[i] == next) ++i;
    while (j < b.size() && b[j] == next) ++j;
    ks = std::max(ks, std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return {w1, ks};
}

// --- daily peaks --------------------------------------------------------------------------

// Centred moving average over `width` steps; NaN where fewer than half are present.
std::vector<double> Smooth(const std::vector<double>& v, size_t width) {
  const size_t n = v.size();
  std::vector<double> sum(n + 1, 0), count(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    const bool ok = !std::isnan(v[i]);
    sum[i + 1] = sum[i] + (ok ? v[i] : 0);
    count[i + 1] = count[i] + (ok ? 1 : 0);
  }
  std::vector<double> out(n, kNaN);
  for (size_t i = 0; i < n; ++i) {
    const size_t lo = i >= width / 2 ? i - width / 2 : 0;
    const size_t hi = std::min(n, lo + width);
    const double c = count[hi] - count[lo];
    if (2 * c >= static_cast<double>(hi - lo)) out[i] = (sum[hi] - sum[lo]) / c;
  }
  return out;
}

// Day number -> hour of day of that day's maximum of the smoothed series.
std::map<int64_t, double> DailyPeaks(const Series& s, size_t width, size_t per_day) {
  const std::vector<double> smooth = Smooth(s.values, width);
  struct Day {
    size_t present = 0;
    double best = -INFINITY, least = INFINITY;
    double hour = kNaN;
  };
  std::map<int64_t, Day> days;
  for (size_t i = 0; i < smooth.size(); ++i) {
    if (std::isnan(smooth[i])) continue;
    Day& d = days[DayNumber(s.TimeAt(i))];
    ++d.present;
    d.least = std::min(d.least, smooth[i]);
    if (smooth[i] > d.best) {
      d.best = smooth[i];
      d.hour = HourOfDay(s, i);
    }
  }
  std::map<int64_t, double> out;
  for (const auto& [day, d] : days) {
    // A flat day has no peak: its "maximum" is wherever rounding puts it.
    const bool flat = d.best - d.least <= 1e-9 * std::fabs(d.best);
    if (10 * d.present >= 9 * per_day && !flat) out[day] = d.hour;
  }
  return out;
}

void PeakTiming(const Series& real, const Series& syn, const FidelityOptions& options,
                FidelityReport& r) {
  const size_t per_day = StepsIn(kDay, r.step);
  r.peak_hour_error = r.peak_hour_real = r.peak_hour_synthetic = kNaN;
  if (per_day < 4) {
    r.notes.push_back("peak timing: a step of " + FormatDuration(r.step) +
                      (per_day == 0 ? " does not divide a day" : " leaves too few steps per day"));
    return;
  }
  const size_t width = std::max<size_t>(1, static_cast<size_t>(options.peak_smoothing / r.step));
  const auto rp = DailyPeaks(real, width, per_day);
  const auto sp = DailyPeaks(syn, width, per_day);
  r.peak_days_real = rp.size();
  r.peak_days_synthetic = sp.size();
  std::vector<double> rh, sh;
  for (const auto& [d, h] : rp) rh.push_back(h);
  for (const auto& [d, h] : sp) sh.push_back(h);
  r.peak_hour_real = CircularMeanHour(rh);
  r.peak_hour_synthetic = CircularMeanHour(sh);
  if (rp.empty() || sp.empty()) {
    r.notes.push_back(
        "peak timing: needs a whole day (90 % present) that is not flat in each series");
    return;
  }
  // 1970-01-01 (day 0) was a Thursday; only equality of weekdays matters here.
  auto weekday = [](int64_t day) { return ((day % 7) + 7) % 7; };
  double total = 0;
  for (const auto& [day, hour] : sp) {
    if (auto same = rp.find(day); same != rp.end()) {
      total += CircularHours(hour, same->second);
      continue;
    }
    double sum = 0;
    size_t count = 0;
    for (const auto& [rday, rhour] : rp) {
      if (weekday(rday) == weekday(day)) {
        sum += CircularHours(hour, rhour);
        ++count;
      }
    }
    if (count == 0) {
      for (const auto& [rday, rhour] : rp) sum += CircularHours(hour, rhour);
      count = rp.size();
    }
    total += sum / static_cast<double>(count);
  }
  r.peak_hour_error = total / static_cast<double>(sp.size());
}

// --- bursts -------------------------------------------------------------------------------

double EpisodesPerDay(const Series& s, double threshold) {
  size_t episodes = 0, present = 0;
  bool above = false;
  for (double v : s.values) {
    if (std::isnan(v)) continue;  // a gap neither starts nor ends an episode
    ++present;
    if (v > threshold) {
      if (!above) ++episodes;
      above = true;
    } else {
      above = false;
    }
  }
  const double days =
      static_cast<double>(present) * std::chrono::duration<double>(s.step).count() / 86400.0;
  return days > 0 ? static_cast<double>(episodes) / days : kNaN;
}

// --- discriminative score -----------------------------------------------------------------

constexpr size_t kFeatures = 7;
using Features = std::array<double, kFeatures>;

// Features of the windows of `s` (those at least 80 % present), with `scale` dividing the
// level features so that they are comparable across series.
std::vector<Features> WindowFeatures(const Series& s, size_t width, double scale) {
  std::vector<Features> out;
  // Windows start on multiples of their width since the epoch, so that the hour feature means
  // the same thing in both series.
  const Duration span = s.step * static_cast<int64_t>(width);
  const auto since = s.start.time_since_epoch();
  const Duration to_boundary = (span - since % span) % span;
  size_t first = static_cast<size_t>(to_boundary / s.step);
  if (first >= width || to_boundary % s.step != Duration{0}) first = 0;
  std::vector<double> w;
  for (size_t lo = first; lo + width <= s.size(); lo += width) {
    w.clear();
    double lag_sum = 0;
    size_t pairs = 0;
    for (size_t i = lo; i < lo + width; ++i) {
      if (!std::isnan(s.values[i])) w.push_back(s.values[i]);
    }
    if (10 * w.size() < 8 * width) continue;
    const double m = Mean(w);
    double var = 0, m3 = 0, mx = -INFINITY;
    for (double x : w) {
      var += (x - m) * (x - m);
      m3 += (x - m) * (x - m) * (x - m);
      mx = std::max(mx, x);
    }
    var /= static_cast<double>(w.size());
    m3 /= static_cast<double>(w.size());
    for (size_t i = lo + 1; i < lo + width; ++i) {
      const double a = s.values[i - 1], b = s.values[i];
      if (std::isnan(a) || std::isnan(b)) continue;
      lag_sum += (a - m) * (b - m);
      ++pairs;
    }
    const double sd = std::sqrt(var);
    const double acf1 = var > 0 && pairs > 0 ? lag_sum / static_cast<double>(pairs) / var : 0.0;
    const double hour = HourOfDay(s, lo + width / 2);
    out.push_back({m / scale, sd / scale, acf1, m > 0 ? mx / m : 1.0,
                   sd > 0 ? m3 / (sd * sd * sd) : 0.0, std::sin(2 * std::numbers::pi * hour / 24),
                   std::cos(2 * std::numbers::pi * hour / 24)});
  }
  return out;
}

// Solves A x = b (A symmetric positive definite, n x n row-major) by Gaussian elimination
// with partial pivoting; A and b are overwritten.
std::vector<double> Solve(std::vector<double> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t c = 0; c < n; ++c) {
    size_t piv = c;
    for (size_t r = c + 1; r < n; ++r) {
      if (std::fabs(a[r * n + c]) > std::fabs(a[piv * n + c])) piv = r;
    }
    if (piv != c) {
      for (size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[piv * n + k]);
      std::swap(b[c], b[piv]);
    }
    const double d = a[c * n + c];
    if (std::fabs(d) < 1e-300) continue;
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / d;
      if (f == 0) continue;
      for (size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n, 0);
  for (size_t c = n; c-- > 0;) {
    double s = b[c];
    for (size_t k = c + 1; k < n; ++k) s -= a[c * n + k] * x[k];
    x[c] = std::fabs(a[c * n + c]) < 1e-300 ? 0 : s / a[c * n + c];
  }
  return x;
}

// Logistic regression (intercept + features) by Newton's method with a small ridge on the
// weights, which keeps them finite when the classes separate.
std::vector<double> FitLogistic(const std::vector<Features>& x, const std::vector<int>& y) {
  constexpr size_t p = kFeatures + 1;
  constexpr double kRidge = 1e-2;
  std::vector<double> w(p, 0);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<double> grad(p, 0), hess(p * p, 0);
    for (size_t i = 0; i < x.size(); ++i) {
      std::array<double, p> row;
      row[0] = 1;
      std::copy(x[i].begin(), x[i].end(), row.begin() + 1);
      double z = 0;
      for (size_t k = 0; k < p; ++k) z += w[k] * row[k];
      const double prob = 1 / (1 + std::exp(-z));
      const double s = std::max(prob * (1 - prob), 1e-12);
      for (size_t k = 0; k < p; ++k) {
        grad[k] += (prob - y[i]) * row[k];
        for (size_t l = 0; l < p; ++l) hess[k * p + l] += s * row[k] * row[l];
      }
    }
    for (size_t k = 1; k < p; ++k) {
      grad[k] += kRidge * w[k];
      hess[k * p + k] += kRidge;
    }
    hess[0] += 1e-9;
    const std::vector<double> step = Solve(hess, grad);
    double biggest = 0;
    for (size_t k = 0; k < p; ++k) {
      w[k] -= step[k];
      biggest = std::max(biggest, std::fabs(step[k]));
    }
    if (biggest < 1e-9) break;
  }
  return w;
}

void Discriminative(const Series& real, const Series& syn, const FidelityOptions& options,
                    FidelityReport& r) {
  r.discriminative = kNaN;
  const size_t width = std::max<size_t>(8, static_cast<size_t>(options.window / r.step));
  const double scale = r.real_mean > 0 ? r.real_mean : 1.0;
  std::vector<Features> rf = WindowFeatures(real, width, scale);
  std::vector<Features> sf = WindowFeatures(syn, width, scale);
  const size_t n = std::min(rf.size(), sf.size());
  if (n < 2 * options.cv_folds) {
    r.notes.push_back("discriminative: " + std::to_string(n) + " windows of " +
                      FormatDuration(r.step * static_cast<int64_t>(width)) + " per series, need " +
                      std::to_string(2 * options.cv_folds));
    return;
  }
  // Balance the classes: drop randomly chosen windows of the larger one, keeping time order.
  Rng rng(options.seed);
  auto subsample = [&](std::vector<Features>& v) {
    std::vector<size_t> idx(v.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng.UniformInt(i)]);
    idx.resize(n);
    std::sort(idx.begin(), idx.end());
    std::vector<Features> kept;
    for (size_t i : idx) kept.push_back(v[i]);
    v = std::move(kept);
  };
  subsample(rf);
  subsample(sf);
  r.discriminative_windows = n;

  // Standardise every feature over both classes (no labels are used).
  std::vector<Features> x;
  std::vector<int> y;
  std::vector<size_t> fold;
  // Folds are contiguous blocks of time, in a random order: neighbouring windows are alike,
  // so random folds would let the classifier learn a window from its neighbour, and a real
  // window and its synthetic twin at the same time land in the same fold.
  std::vector<size_t> fold_of_block(options.cv_folds);
  for (size_t k = 0; k < fold_of_block.size(); ++k) fold_of_block[k] = k;
  for (size_t k = fold_of_block.size(); k > 1; --k)
    std::swap(fold_of_block[k - 1], fold_of_block[rng.UniformInt(k)]);
  for (int label = 0; label < 2; ++label) {
    const auto& v = label == 0 ? rf : sf;
    for (size_t i = 0; i < n; ++i) {
      x.push_back(v[i]);
      y.push_back(label);
      fold.push_back(fold_of_block[i * options.cv_folds / n]);
    }
  }
  for (size_t k = 0; k < kFeatures; ++k) {
    double m = 0, v = 0;
    for (const auto& f : x) m += f[k];
    m /= static_cast<double>(x.size());
    for (const auto& f : x) v += (f[k] - m) * (f[k] - m);
    const double sd = std::sqrt(v / static_cast<double>(x.size()));
    for (auto& f : x) f[k] = sd > 1e-12 ? (f[k] - m) / sd : 0.0;
  }
  double correct = 0;
  for (size_t k = 0; k < options.cv_folds; ++k) {
    std::vector<Features> tx;
    std::vector<int> ty;
    for (size_t i = 0; i < x.size(); ++i) {
      if (fold[i] != k) {
        tx.push_back(x[i]);
        ty.push_back(y[i]);
      }
    }
    const std::vector<double> w = FitLogistic(tx, ty);
    for (size_t i = 0; i < x.size(); ++i) {
      if (fold[i] != k) continue;
      double z = w[0];
      for (size_t j = 0; j < kFeatures; ++j) z += w[j + 1] * x[i][j];
      // A window the model cannot place (z = 0, e.g. identical classes) is a coin toss.
      if (std::fabs(z) < 1e-12) {
        correct += 0.5;
      } else if ((z > 0) == (y[i] == 1)) {
        correct += 1;
      }
    }
  }
  r.discriminative = correct / static_cast<double>(x.size());
}

// --- train on synthetic, test on real -----------------------------------------------------

// The synthetic values at the times of real steps [from, to), shifting the synthetic series
// by whole days when it does not cover them; `from` moves later when it covers only part.
Series SyntheticHistory(const Series& real, const Series& syn, size_t& from, size_t to) {
  const TimePoint t0 = real.TimeAt(from), t1 = real.TimeAt(to);
  Duration shift{0};
  if (!(syn.start <= t0 && syn.end() >= t1)) {
    // Smallest whole-day shift that brings the synthetic end to or past t1.
    const Duration gap = t1 - syn.end();
    const int64_t days = gap.count() > 0 ? (gap + kDay - Duration{1}) / kDay : -((-gap) / kDay);
    shift = kDay * days;
  }
  const TimePoint start = syn.start + shift;
  if (start > t0)
    from = std::min(to,
                    from + static_cast<size_t>((start - t0 + real.step - Duration{1}) / real.step));
  Series out{.start = real.TimeAt(from), .step = real.step};
  for (size_t i = from; i < to; ++i) {
    const Duration off = real.TimeAt(i) - start;
    const size_t j = static_cast<size_t>(off / syn.step);
    out.values.push_back(off.count() >= 0 && j < syn.size() ? syn.values[j] : kNaN);
  }
  return out;
}

void TrainOnSyntheticTestOnReal(const Series& real, const Series& syn,
                                const FidelityOptions& options, FidelityReport& r) {
  r.tstr_model = options.tstr_model;
  r.tstr_mase_real = r.tstr_mase_synthetic = r.tstr_ratio = kNaN;
  const size_t h = std::max<size_t>(1, static_cast<size_t>(options.tstr_horizon / r.step));
  const size_t day = StepsIn(kDay, r.step);
  const size_t context = static_cast<size_t>(options.tstr_context / r.step);
  // A fold's fit holds more than two daily cycles before the context (STL keeps a season only
  // then), and twice the horizon.
  const size_t min_train = std::max<size_t>({2 * h, 2 * day + 1, 100}) + context;
  const size_t max_train =
      std::max<size_t>(min_train, static_cast<size_t>(options.tstr_max_train / r.step));
  r.tstr_horizon = h;
  std::vector<forecast::FoldForecast> on_real, on_syn;
  double scale = kNaN;
  for (size_t k = options.tstr_folds; k >= 1; --k) {
    if (real.size() < k * h + min_train) continue;
    const size_t origin = real.size() - k * h;
    size_t from = origin > max_train ? origin - max_train : 0;
    Series syn_train = SyntheticHistory(real, syn, from, origin);
    if (origin - from < min_train) {
      r.notes.push_back("TSTR: the synthetic series covers too little history before " +
                        FormatRfc3339(real.TimeAt(origin)) + "; fold skipped");
      continue;
    }
    const Series real_train = real.Slice(from, origin);
    // The last `context` steps before the origin are real for both forecasters: each is fitted
    // on its own series up to them, then rolled forward through them (Extend) before it
    // forecasts, as a model learned once is then run on live data.
    const size_t fit_steps = origin - from - context;
    std::vector<size_t> seasons;
    if (day > 0 && fit_steps > 2 * day) seasons.push_back(day);
    if (day > 0 && fit_steps > 14 * day) seasons.push_back(7 * day);
    const std::span<const double> live(real.values.data() + (origin - context), context);
    auto forecast = [&](const Series& train) -> Result<std::vector<double>> {
      auto model = forecast::MakeForecaster(options.tstr_model);
      if (!model) return std::unexpected(model.error());
      if (auto ok = (*model)->Fit(train.Slice(0, fit_steps), {.seasons = seasons}); !ok) {
        return std::unexpected(ok.error());
      }
      if (auto ok = (*model)->Extend(live); !ok) return std::unexpected(ok.error());
      auto mean = (*model)->Predict(h);
      if (!mean) return std::unexpected(mean.error());
      for (double& v : *mean) v = std::max(0.0, v);  // loads are never negative
      return mean;
    };
    auto fr = forecast(real_train);
    auto fs = forecast(syn_train);
    if (!fr || !fs) {
      r.notes.push_back("TSTR: " + options.tstr_model +
                        " failed: " + (fr ? fs.error().message() : fr.error().message()));
      continue;
    }
    std::vector<double> actual(real.values.begin() + static_cast<ptrdiff_t>(origin),
                               real.values.begin() + static_cast<ptrdiff_t>(origin + h));
    if (std::isnan(scale)) {
      scale = forecast::MaseScale(real_train.values, seasons.empty() ? 1 : seasons.front());
      if (!(scale > 0)) scale = 1;
    }
    on_real.push_back({.origin = origin, .actual = actual, .mean = std::move(*fr)});
    on_syn.push_back({.origin = origin, .actual = std::move(actual), .mean = std::move(*fs)});
  }
  r.tstr_folds = on_real.size();
  if (on_real.empty()) {
    r.notes.push_back("TSTR: the real series (" + std::to_string(real.size()) +
                      " steps) is too short for one fold of " + std::to_string(h) +
                      " steps after " + std::to_string(min_train) + " of history");
    return;
  }
  r.tstr_mase_real = forecast::Score(on_real, {}, scale).mase;
  r.tstr_mase_synthetic = forecast::Score(on_syn, {}, scale).mase;
  r.tstr_ratio = r.tstr_mase_real > 0 ? r.tstr_mase_synthetic / r.tstr_mase_real : kNaN;
}

// Puts both series on one step (requests/s averaged onto the coarser grid).
Result<std::pair<Series, Series>> Align(Series real, Series syn) {
  if (real.step == syn.step) return std::pair{std::move(real), std::move(syn)};
  Series& fine = real.step < syn.step ? real : syn;
  const Duration coarse = std::max(real.step, syn.step);
  if (coarse % fine.step != Duration{0}) {
    return Fail(ErrorCode::kInvalidArgument,
                "steps " + FormatDuration(real.step) + " (real) and " + FormatDuration(syn.step) +
                    " (synthetic) have no common grid: one must be a whole multiple of the other");
  }
  auto resampled = Resample(fine, coarse, Aggregation::Mean());
  if (!resampled) return std::unexpected(resampled.error());
  fine = std::move(*resampled);
  return std::pair{std::move(real), std::move(syn)};
}

}  // namespace

Result<FidelityReport> Compare(const Series& real_in, const Series& synthetic_in,
                               const FidelityOptions& options) {
  auto bad = [](const std::string& what) { return Fail(ErrorCode::kInvalidArgument, what); };
  if (real_in.empty()) return bad("the real series is empty");
  if (synthetic_in.empty()) return bad("the synthetic series is empty");
  if (real_in.step.count() <= 0 || synthetic_in.step.count() <= 0)
    return bad("a series has a step <= 0");
  if (options.max_lag == 0) return bad("max_lag must be at least 1");
  if (options.cv_folds < 2) return bad("cv_folds must be at least 2");
  if (!(options.burst_quantile > 0 && options.burst_quantile < 1)) {
    return bad("burst_quantile must be strictly between 0 and 1");
  }
  if (options.window.count() <= 0 || options.peak_smoothing.count() <= 0) {
    return bad("window and peak_smoothing must be positive");
  }
  if (options.tstr) {
    if (std::find(std::begin(forecast::kModelNames), std::end(forecast::kModelNames),
                  std::string_view(options.tstr_model)) == std::end(forecast::kModelNames)) {
      return bad("unknown TSTR model '" + options.tstr_model + "'");
    }
    if (options.tstr_horizon.count() <= 0 || options.tstr_folds == 0) {
      return bad("TSTR horizon and folds must be positive");
    }
  }

  // A load is never negative: W1 and the peaks of a negative "rate" compare nothing (found
  // by probing: exit 0 with a mean of -0.333 rps). `generate fit` refuses them too.
  for (const auto& [which, s] : {std::pair{"real", &real_in}, {"synthetic", &synthetic_in}}) {
    for (size_t i = 0; i < s->size(); ++i) {
      if (s->values[i] < 0 || std::isinf(s->values[i])) {
        return bad(fmt::format("the {} series has {} at {}: a load is a finite rate >= 0", which,
                               s->values[i], FormatRfc3339(s->TimeAt(i))));
      }
    }
  }
  FidelityReport r;
  auto aligned =
      Align(ToRate(real_in, options.real_values), ToRate(synthetic_in, options.synthetic_values));
  if (!aligned) return std::unexpected(aligned.error());
  auto& [real, syn] = *aligned;
  r.step = real.step;
  if (real.step != real_in.step || syn.step != synthetic_in.step) {
    r.notes.push_back("steps differ: compared at " + FormatDuration(r.step) +
                      " (mean of finer steps)");
  }
  // Where the two cover the same steps, a gap in the real series is a gap in both.
  if ((syn.start - real.start) % real.step == Duration{0}) {
    size_t masked = 0;
    for (size_t j = 0; j < syn.size(); ++j) {
      const Duration off = syn.TimeAt(j) - real.start;
      if (off.count() < 0) continue;
      const size_t i = static_cast<size_t>(off / real.step);
      if (i >= real.size()) break;
      if (std::isnan(real.values[i]) && !std::isnan(syn.values[j])) {
        syn.values[j] = kNaN;
        ++masked;
      }
    }
    if (masked > 0) {
      r.notes.push_back(std::to_string(masked) +
                        " synthetic steps left out where the real series is missing");
    }
  }

  std::vector<double> rv = Present(real.values), sv = Present(syn.values);
  if (rv.size() < kMinPresent) {
    return bad("the real series has " + std::to_string(rv.size()) +
               " present values, need at least " + std::to_string(kMinPresent));
  }
  if (sv.size() < kMinPresent) {
    return bad("the synthetic series has " + std::to_string(sv.size()) +
               " present values, need at least " + std::to_string(kMinPresent));
  }
  r.real_points = rv.size();
  r.synthetic_points = sv.size();
  r.real_mean = Mean(rv);
  r.synthetic_mean = Mean(sv);

  AcfDistance(real, syn, options, r);

  std::sort(rv.begin(), rv.end());
  std::sort(sv.begin(), sv.end());
  const auto [w1, ks] = MarginalDistances(rv, sv);
  r.wasserstein1 = r.real_mean > 0 ? w1 / r.real_mean : kNaN;
  if (!(r.real_mean > 0))
    r.notes.push_back("W1: the real mean is not positive, nothing to normalise by");
  r.ks = ks;

  PeakTiming(real, syn, options, r);

  r.peak_to_mean_real = r.real_mean > 0 ? rv.back() / r.real_mean : kNaN;
  r.peak_to_mean_synthetic = r.synthetic_mean > 0 ? sv.back() / r.synthetic_mean : kNaN;
  r.peak_to_mean_error = r.peak_to_mean_synthetic / r.peak_to_mean_real - 1;

  r.burst_threshold = internal::Quantile(rv, options.burst_quantile);
  r.burst_rate_real = EpisodesPerDay(real, r.burst_threshold);
  r.burst_rate_synthetic = EpisodesPerDay(syn, r.burst_threshold);

  Discriminative(real, syn, options, r);

  if (options.tstr) {
    TrainOnSyntheticTestOnReal(real, syn, options, r);
  } else {
    r.tstr_model = options.tstr_model;
    r.tstr_mase_real = r.tstr_mase_synthetic = r.tstr_ratio = kNaN;
  }
  return r;
}

}  // namespace forescale::generate
