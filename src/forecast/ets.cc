#include "forecast/ets.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <nlopt.hpp>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forescale::forecast {

namespace {

using Season = EtsSpec::Season;
using Trend = EtsSpec::Trend;
using Error = EtsSpec::Error;

// R's forecast::ets() "usual" bounds: smoothing weights in [1e-4, 0.9999], damping in
// [0.8, 0.98] (a phi closer to 1 is indistinguishable from an undamped trend and makes the
// likelihood surface flat).
constexpr double kLowerSmoothing = 1e-4;
constexpr double kUpperSmoothing = 0.9999;
constexpr double kLowerPhi = 0.8;
constexpr double kUpperPhi = 0.98;
// etscalc.c's guards against dividing by a (near-)zero seasonal index or level.
constexpr double kTinyDivisor = 1e-10;
constexpr double kHugeQuotient = 1e10;
// R caps the criterion from below so a perfect fit cannot win by an infinite margin.
constexpr double kPerfectFitCriterion = -1e10;
// Seasons longer than this keep their heuristic initial states: optimising 25+ extra
// coordinates with Nelder-Mead is slow and barely moves them on long histories.
constexpr size_t kMaxJointSeasonPeriod = 24;
// Roots of the characteristic polynomial may sit this far outside the unit circle (R allows
// 1e-10; a little more slack keeps the Schur-Cohn test robust for the exact unit root that
// every undamped seasonal model has).
constexpr double kRootSlack = 1e-8;
constexpr double kMaxForecast = 1e300;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool HasSeason(Season s) { return s != Season::kNone; }
bool HasTrend(Trend t) { return t != Trend::kNone; }

struct Smoothing {
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
};

// The state being filtered: level, trend and the seasonal indices as a ring buffer.
// season[pos] is the index for the next step (R's s[m-1]); after the step it is overwritten
// with the updated index, which becomes the newest, and pos moves on.
struct Components {
  double level = 0;
  double trend = 0;
  double* season = nullptr;
  size_t period = 1;
  size_t pos = 0;
};

struct FilterSums {
  double sse = 0;               // sum of squared (additive or relative) one-step errors
  double log_abs_forecast = 0;  // sum of log|one-step forecast|, multiplicative error only
  size_t count = 0;             // observed (non-missing) steps
};

// The ETS recursions of R's etscalc.c (the state updates are the same for additive and
// multiplicative error; the error type only changes the likelihood). Templated so the inner
// loop has no model branches; a missing value advances the state by its own forecast.
//
// The loop is bound by the latency of the level/trend recursion, not by arithmetic, so it
// carries q = level + phi * trend (the non-seasonal one-step forecast) and updates it as
//   q' = (1 - alpha - phi beta) q + (alpha + phi beta) d + phi^2 b,   b' = phi b + beta (d - q)
// with d the deseasonalised observation: algebraically R's
//   l' = q + alpha (d - q),   b' = phi b + beta (d - q)   (R's (beta/alpha)(l' - l - phi b))
// with two dependent operations per step instead of four.
template <bool kMulError, bool kTrend, Season kSeason>
FilterSums FilterSeries(const double* y, size_t n, const Smoothing& p, Components& c) {
  constexpr bool kHasSeason = kSeason != Season::kNone;
  constexpr bool kMulSeason = kSeason == Season::kMultiplicative;
  const double alpha = p.alpha;
  const double beta = kTrend ? p.beta : 0.0;
  const double phi = kTrend ? p.phi : 0.0;
  const double keep = 1 - alpha - phi * beta;
  const double gain = alpha + phi * beta;
  const double phi2 = phi * phi;
  const double gamma = p.gamma;
  double trend = kTrend ? c.trend : 0.0;
  double q = kTrend ? c.level + phi * trend : c.level;
  double* const season = c.season;
  const size_t period = c.period;
  size_t pos = c.pos;
  double sse = 0;
  // log|f| summed as a running product with the binary exponent split off now and then:
  // a log() per step would cost as much as the rest of the step.
  double product = 1;
  long exponent = 0;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    const double yi = y[i];
    const double s_old = kHasSeason ? season[pos] : 0.0;
    if (!std::isnan(yi)) {
      double f, e, d, target = 0;
      if constexpr (kMulSeason) {
        f = q * s_old;
        if (std::fabs(s_old) >= kTinyDivisor && std::fabs(q) >= kTinyDivisor) {
          // Two reciprocals instead of three divisions; 1/s does not depend on this step's
          // level, so only multiplications stay on the recursion's critical path.
          const double inv_s = 1 / s_old;
          const double inv_q = 1 / q;
          d = yi * inv_s;
          target = yi * inv_q;
          e = kMulError ? target * inv_s - 1 : yi - f;
        } else {  // R's guards for a vanishing seasonal index or level
          d = std::fabs(s_old) < kTinyDivisor ? kHugeQuotient : yi / s_old;
          target = std::fabs(q) < kTinyDivisor ? kHugeQuotient : yi / q;
          e = kMulError ? (yi - f) / f : yi - f;
        }
      } else {
        f = kHasSeason ? q + s_old : q;
        d = kHasSeason ? yi - s_old : yi;
        if constexpr (kHasSeason) target = yi - q;
        e = kMulError ? (yi - f) / f : yi - f;
      }
      sse += e * e;
      ++count;
      if constexpr (kMulError) {
        product *= std::fabs(f);
        if (product > 1e100 || product < 1e-100) {
          int ex = 0;
          product = std::frexp(product, &ex);
          exponent += ex;
        }
      }
      if constexpr (kHasSeason) season[pos] = s_old + gamma * (target - s_old);
      if constexpr (kTrend) {
        const double next_trend = (phi * trend + beta * d) - beta * q;
        q = keep * q + (gain * d + phi2 * trend);
        trend = next_trend;
      } else {
        q = keep * q + alpha * d;
      }
    } else if constexpr (kTrend) {
      q += phi2 * trend;
      trend *= phi;
    }
    if constexpr (kHasSeason) {
      if (++pos == period) pos = 0;
    }
  }
  c.level = kTrend ? q - phi * trend : q;
  c.trend = trend;
  c.pos = pos;
  FilterSums sums;
  sums.sse = sse;
  sums.count = count;
  if constexpr (kMulError) {
    sums.log_abs_forecast = std::log(product) + static_cast<double>(exponent) * std::numbers::ln2;
  }
  return sums;
}

using FilterFn = FilterSums (*)(const double*, size_t, const Smoothing&, Components&);

template <bool kMulError, bool kTrend>
FilterFn PickFilterForSeason(Season season) {
  switch (season) {
    case Season::kNone:
      return &FilterSeries<kMulError, kTrend, Season::kNone>;
    case Season::kAdditive:
      return &FilterSeries<kMulError, kTrend, Season::kAdditive>;
    case Season::kMultiplicative:
      return &FilterSeries<kMulError, kTrend, Season::kMultiplicative>;
  }
  return nullptr;
}

FilterFn PickFilter(const EtsSpec& spec) {
  const bool mul = spec.error == Error::kMultiplicative;
  const bool trend = HasTrend(spec.trend);
  if (mul) {
    return trend ? PickFilterForSeason<true, true>(spec.season)
                 : PickFilterForSeason<true, false>(spec.season);
  }
  return trend ? PickFilterForSeason<false, true>(spec.season)
               : PickFilterForSeason<false, false>(spec.season);
}

// R's criterion: n log(SSE) for additive error, plus 2 sum log|f| for multiplicative error
// (twice the negative log-likelihood up to constants). NaN when the filter blew up.
double Criterion(const FilterSums& sums, bool mul_error) {
  double lik = static_cast<double>(sums.count) * std::log(sums.sse);
  if (mul_error) lik += 2 * sums.log_abs_forecast;
  if (std::isnan(lik) || lik == kInf) return kNan;
  return std::max(lik, kPerfectFitCriterion);
}

// True when every root of a[0] + a[1] z + ... + a[d] z^d (a[d] != 0) has modulus at most
// 1 + kRootSlack: the Schur-Cohn recursion, O(d^2) and allocation-free (`a` and `scratch` are
// overwritten), where R finds the roots with cpolyroot at O(d^3) per likelihood evaluation.
bool RootsWithinUnitCircle(std::span<double> a, std::span<double> scratch) {
  size_t degree = a.size() - 1;
  // Roots of P(r w) are z / r: scaling by r = 1 + slack turns "|z| <= r" into "|w| < 1".
  double power = 1;
  for (double& coefficient : a) {
    coefficient *= power;
    power *= 1 + kRootSlack;
  }
  double* current = a.data();
  double* next = scratch.data();
  while (degree > 0) {
    const double lead = current[degree];
    if (lead == 0 || !std::isfinite(lead)) return false;
    const double reflection = current[0] / lead;
    if (!(std::fabs(reflection) < 1)) return false;
    // (P(z) - k P*(z)) / z, normalised by the leading coefficient; it has all roots inside
    // the unit disc exactly when P does (given |k| < 1).
    for (size_t j = 0; j < degree; ++j) {
      next[j] = (current[j + 1] - reflection * current[degree - 1 - j]) / lead;
    }
    std::swap(current, next);
    --degree;
  }
  return true;
}

// Which parameters a model estimates and how they are laid out in the optimiser's vector:
// [alpha, beta share, gamma share, phi, level, trend, s_0 .. s_{m-2}] with the absent ones
// left out. beta and gamma are optimised as shares of their upper bounds (beta < alpha,
// gamma < 1 - alpha, R's "usual" region) so plain box bounds describe the region exactly.
struct Layout {
  EtsSpec spec;
  size_t period = 1;          // 1 when there is no season
  bool joint_season = false;  // seasonal initial states optimised (else kept fixed)

  bool trend() const { return HasTrend(spec.trend); }
  bool damped() const { return spec.trend == Trend::kDamped; }
  bool season() const { return HasSeason(spec.season); }
  size_t NumSmoothing() const {
    return 1 + (trend() ? 1 : 0) + (season() ? 1 : 0) + (damped() ? 1 : 0);
  }
  // Free initial states, as R counts them: the last seasonal index follows from the others.
  size_t NumStates() const { return 1 + (trend() ? 1 : 0) + (season() ? period - 1 : 0); }
  size_t NumOptimised() const {
    return NumSmoothing() + 1 + (trend() ? 1 : 0) + (joint_season ? period - 1 : 0);
  }
  // Parameters counted by the information criteria: smoothing weights, initial states and
  // the innovation variance, as R does.
  size_t NumParameters() const { return NumSmoothing() + NumStates() + 1; }
};

// Initial states by R's initstate(): the level (and trend) from a regression on the first
// seasonally adjusted values; seasonal indices from a classical decomposition (or a linear +
// first-harmonic regression when fewer than three seasons are available).
struct InitialStates {
  double level = 0;
  double trend = 0;
  std::vector<double> season;  // R's s_0 (newest) .. s_{m-2}; s_{m-1} follows from the sum
};

// Linear interpolation over missing values; the ends take the nearest observed value.
std::vector<double> FillMissing(std::span<const double> y) {
  std::vector<double> out(y.begin(), y.end());
  size_t last = y.size();  // index of the last observed value, y.size() while none
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(y[i])) continue;
    if (last == y.size()) {
      for (size_t j = 0; j < i; ++j) out[j] = y[i];
    } else {
      for (size_t j = last + 1; j < i; ++j) {
        const double w = static_cast<double>(j - last) / static_cast<double>(i - last);
        out[j] = y[last] + w * (y[i] - y[last]);
      }
    }
    last = i;
  }
  for (size_t j = last + 1; j < y.size(); ++j) out[j] = y[last];
  return out;
}

// Least squares line through (1, v[0]), (2, v[1]), ...: {intercept, slope}.
std::pair<double, double> FitLine(std::span<const double> v) {
  const double n = static_cast<double>(v.size());
  if (v.size() < 2) return {v.empty() ? 0.0 : v[0], 0.0};
  const double mean_t = (n + 1) / 2;
  double mean_v = 0;
  for (double x : v) mean_v += x;
  mean_v /= n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double dt = static_cast<double>(i + 1) - mean_t;
    sxy += dt * (v[i] - mean_v);
    sxx += dt * dt;
  }
  const double slope = sxy / sxx;
  return {mean_v - slope * mean_t, slope};
}

// R's decompose(): centred moving average trend, seasonal figure from the detrended values,
// normalised to sum 0 (additive) or average 1 (multiplicative). Returns one index per step.
std::vector<double> DecomposeSeasonal(std::span<const double> y, size_t m, bool multiplicative) {
  const size_t n = y.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + y[i];
  const size_t half = m / 2;
  std::vector<double> sum(m, 0.0);
  std::vector<size_t> count(m, 0);
  for (size_t t = half; t + half < n; ++t) {
    double trend;
    if (m % 2 == 0) {  // 2 x m moving average: half weights at both ends
      trend = (prefix[t + half] - prefix[t - half + 1] + 0.5 * (y[t - half] + y[t + half])) /
              static_cast<double>(m);
    } else {
      trend = (prefix[t + half + 1] - prefix[t - half]) / static_cast<double>(m);
    }
    const double detrended = multiplicative ? y[t] / trend : y[t] - trend;
    if (!std::isfinite(detrended)) continue;
    sum[t % m] += detrended;
    ++count[t % m];
  }
  std::vector<double> figure(m, multiplicative ? 1.0 : 0.0);
  double mean = 0;
  for (size_t i = 0; i < m; ++i) {
    if (count[i] > 0) figure[i] = sum[i] / static_cast<double>(count[i]);
    mean += figure[i];
  }
  mean /= static_cast<double>(m);
  for (double& f : figure) {
    if (multiplicative) {
      f = mean != 0 ? f / mean : 1.0;
    } else {
      f -= mean;
    }
  }
  std::vector<double> seasonal(n);
  for (size_t t = 0; t < n; ++t) seasonal[t] = figure[t % m];
  return seasonal;
}

// R's fallback for two to three seasons: regress on a line plus the first harmonic and take
// the detrended data as the seasonal pattern (biased, but only a starting point).
std::vector<double> RegressionSeasonal(std::span<const double> y, size_t m, bool multiplicative) {
  const size_t n = y.size();
  const bool with_sine = m > 2;  // sin(pi t) is identically zero
  const Eigen::Index columns = with_sine ? 4 : 3;
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), columns);
  Eigen::VectorXd v(static_cast<Eigen::Index>(n));
  for (size_t t = 0; t < n; ++t) {
    const auto row = static_cast<Eigen::Index>(t);
    const double time = static_cast<double>(t + 1);
    const double angle = 2 * std::numbers::pi * time / static_cast<double>(m);
    x(row, 0) = 1;
    x(row, 1) = time;
    x(row, 2) = std::cos(angle);
    if (with_sine) x(row, 3) = std::sin(angle);
    v(row) = y[t];
  }
  const Eigen::VectorXd beta = x.colPivHouseholderQr().solve(v);
  std::vector<double> seasonal(n);
  for (size_t t = 0; t < n; ++t) {
    const double line = beta(0) + beta(1) * static_cast<double>(t + 1);
    seasonal[t] = multiplicative ? y[t] / line : y[t] - line;
  }
  return seasonal;
}

InitialStates HeuristicStates(std::span<const double> observed, const Layout& layout) {
  const std::vector<double> y = FillMissing(observed);
  const size_t n = y.size();
  const size_t m = layout.period;
  InitialStates init;
  std::vector<double> adjusted = y;
  if (layout.season()) {
    const bool mul = layout.spec.season == Season::kMultiplicative;
    const std::vector<double> seasonal =
        n >= 3 * m ? DecomposeSeasonal(y, m, mul) : RegressionSeasonal(y, m, mul);
    // The state before the first step holds the indices of steps m, m-1, ..., 2 (newest
    // first); step 1's index is implied by the normalisation.
    init.season.resize(m - 1);
    for (size_t k = 0; k + 1 < m; ++k) init.season[k] = seasonal[m - 1 - k];
    if (mul) {
      double total = 0;
      for (double& s : init.season) {
        s = std::max(s, 1e-2);  // no negative seasonal indices
        total += s;
      }
      if (total > static_cast<double>(m)) {
        const double denominator = total + 1e-2 * static_cast<double>(m - 1);
        for (double& s : init.season) s /= denominator;
      }
      for (size_t t = 0; t < n; ++t) adjusted[t] = y[t] / std::max(seasonal[t], 1e-2);
    } else {
      for (size_t t = 0; t < n; ++t) adjusted[t] = y[t] - seasonal[t];
    }
  }
  const size_t maxn = std::min(std::max<size_t>(10, 2 * m), n);
  const std::span<const double> head(adjusted.data(), maxn);
  if (!layout.trend()) {
    double sum = 0;
    for (double v : head) sum += v;
    init.level = sum / static_cast<double>(maxn);
  } else {
    auto [intercept, slope] = FitLine(head);
    // A multiplicative error model must not start from a zero forecast.
    if (std::fabs(intercept + slope) < 1e-8) {
      intercept *= 1 + 1e-3;
      slope *= 1 - 1e-3;
    }
    init.level = intercept;
    init.trend = slope;
  }
  return init;
}

// The likelihood as a function of the optimiser's vector. Owns the scratch buffers so an
// evaluation allocates nothing.
class Objective {
 public:
  Objective(std::span<const double> y, const Layout& layout, std::vector<double> fixed_season)
      : y_(y),
        layout_(layout),
        filter_(PickFilter(layout.spec)),
        fixed_season_(std::move(fixed_season)),
        ring_(layout.period, 0.0),
        poly_(layout.season() ? layout.period + 2 : 0, 0.0),
        poly_scratch_(poly_.size(), 0.0) {}

  // Decodes x into smoothing weights and the state before the first step.
  void Decode(const double* x, Smoothing& p, Components& c) {
    size_t i = 0;
    p.alpha = x[i++];
    p.beta = layout_.trend() ? kLowerSmoothing + x[i++] * (p.alpha - kLowerSmoothing) : 0.0;
    p.gamma = layout_.season() ? kLowerSmoothing + x[i++] * (1 - p.alpha - kLowerSmoothing) : 0.0;
    p.phi = layout_.damped() ? x[i++] : 1.0;
    c.level = x[i++];
    c.trend = layout_.trend() ? x[i++] : 0.0;
    c.period = layout_.period;
    c.pos = 0;
    c.season = ring_.data();
    if (layout_.season()) {
      const size_t m = layout_.period;
      const double* free = layout_.joint_season ? x + i : fixed_season_.data();
      double total = 0;
      // ring_[0] is the oldest index (used first); R's s_k (k = 0 newest) is ring_[m-1-k].
      for (size_t k = 0; k + 1 < m; ++k) {
        ring_[m - 1 - k] = free[k];
        total += free[k];
      }
      ring_[0] =
          (layout_.spec.season == Season::kMultiplicative ? static_cast<double>(m) : 0.0) - total;
    }
  }

  // R's lik(): +inf outside the admissible region or when the filter blows up.
  double Evaluate(const double* x) {
    ++evaluations_;
    Smoothing p;
    Components c;
    Decode(x, p, c);
    if (layout_.season() && !Admissible(p)) return kInf;
    if (layout_.spec.season == Season::kMultiplicative) {
      for (double s : ring_) {
        if (s < 0) return kInf;
      }
    }
    const FilterSums sums = filter_(y_.data(), y_.size(), p, c);
    const double lik = Criterion(sums, layout_.spec.error == Error::kMultiplicative);
    return std::isnan(lik) ? kInf : lik;
  }

  static double Callback(unsigned /*n*/, const double* x, double* /*grad*/, void* data) {
    return static_cast<Objective*>(data)->Evaluate(x);
  }

  size_t evaluations() const { return evaluations_; }

 private:
  // Hyndman, Akram & Archibald (2008): the seasonal model is forecastable when the roots of
  // its characteristic polynomial lie in the unit circle (R's admissible(); the simpler
  // inequalities there always hold inside the usual bounds).
  bool Admissible(const Smoothing& p) {
    const size_t m = layout_.period;
    const double a = p.alpha, b = p.beta, g = p.gamma, phi = p.phi;
    poly_[0] = phi * (1 - a - g);
    poly_[1] = a + b - a * phi + g - 1;
    for (size_t j = 2; j < m; ++j) poly_[j] = a + b - a * phi;
    poly_[m] = a + b - phi;
    poly_[m + 1] = 1;
    return RootsWithinUnitCircle(poly_, poly_scratch_);
  }

  std::span<const double> y_;
  Layout layout_;
  FilterFn filter_;
  std::vector<double> fixed_season_;
  std::vector<double> ring_;
  std::vector<double> poly_;
  std::vector<double> poly_scratch_;
  size_t evaluations_ = 0;
};

struct DataSummary {
  size_t observed = 0;  // non-missing values
  double scale = 1;     // spread of the data, for the optimiser's first steps
};

// Budgets of likelihood evaluations. ETS likelihood surfaces are multi-modal and Nelder-Mead
// stalls in the 15-30 dimensions of a seasonal model, so one long run from R's start (R's own
// method) often stops far from the optimum. The search is staged instead: several starts in
// the few smoothing dimensions with the seasonal states held at their heuristic values, then
// the joint problem from the best of them; the leading candidates of a model choice get more
// effort. Budgets shrink with the series length so a fit costs at most a few million filter
// steps.
struct Budget {
  double steps;  // filter steps the stage may spend
  int floor;     // but at least this many evaluations
  int cap;       // and at most this many

  int Evaluations(size_t n) const {
    const double by_steps = steps / static_cast<double>(std::max<size_t>(n, 1));
    return static_cast<int>(
        std::clamp(by_steps, static_cast<double>(floor), static_cast<double>(cap)));
  }
};
constexpr Budget kSearchBudget{.steps = 6e5, .floor = 60, .cap = 200};  // per start
constexpr Budget kPolishBudget{.steps = 1.2e6, .floor = 40, .cap = 300};
constexpr Budget kJointBudget{.steps = 1.5e6, .floor = 100, .cap = 800};
constexpr Budget kRefineBudget{.steps = 1.2e6, .floor = 50, .cap = 800};  // per path
// The search stage sees at most this many steps (or four seasons). Smoothing weights found on
// the first thousands of steps are close to those of the whole series, and the initial states
// are the same; the refined candidates are polished on the whole series.
constexpr size_t kSearchPrefix = 1500;
// How many of the best candidates of a model choice are refined before the final pick.
constexpr size_t kRefinedCandidates = 2;

// One model to fit: R's starting values, the optimiser's box and first steps.
struct Problem {
  Layout layout;
  std::vector<double> start, lower, upper, step;
  std::vector<double> season;  // heuristic seasonal states, R's s_0 .. s_{m-2}
};

Problem MakeProblem(std::span<const double> y, const Layout& layout, const DataSummary& data) {
  Problem problem;
  problem.layout = layout;
  InitialStates init = HeuristicStates(y, layout);
  const size_t m = layout.period;
  const bool mul_season = layout.spec.season == Season::kMultiplicative;
  if (!layout.joint_season && layout.season() && mul_season) {
    // Fixed indices must stay usable: the implied oldest index m - sum must not go negative.
    double total = 0;
    for (double s : init.season) total += s;
    if (static_cast<double>(m) - total < 1e-2) {
      const double shrink = (static_cast<double>(m) - 1e-2) / total;
      for (double& s : init.season) s *= shrink;
    }
  }
  auto add = [&](double value, double lo, double hi, double first_step) {
    problem.start.push_back(std::clamp(value, lo, hi));
    problem.lower.push_back(lo);
    problem.upper.push_back(hi);
    problem.step.push_back(first_step);
  };
  // R's initparam(): alpha starts small for long seasons, beta at 10 % and gamma at 5 % of
  // their ranges, phi near its upper bound.
  const double m_for_alpha = static_cast<double>(layout.season() ? m : 1);
  add(kLowerSmoothing + 0.2 * (kUpperSmoothing - kLowerSmoothing) / m_for_alpha, kLowerSmoothing,
      kUpperSmoothing, 0.1);
  if (layout.trend()) add(0.1, 0.0, 1.0, 0.1);
  if (layout.season()) add(0.05, 0.0, 1.0, 0.05);
  if (layout.damped()) add(kLowerPhi + 0.99 * (kUpperPhi - kLowerPhi), kLowerPhi, kUpperPhi, 0.02);
  add(init.level, -kInf, kInf, 0.1 * std::max(data.scale, 1e-3 * std::fabs(init.level) + 1e-8));
  if (layout.trend()) {
    add(init.trend, -kInf, kInf, std::max(0.1 * std::fabs(init.trend), 0.01 * data.scale) + 1e-10);
  }
  if (layout.joint_season) {
    const double neutral = mul_season ? 1.0 : 0.0;
    double spread = 0;
    for (double s : init.season) spread = std::max(spread, std::fabs(s - neutral));
    const double season_step = mul_season ? 0.02 : 0.1 * spread + 1e-3 * data.scale;
    for (double s : init.season) add(s, -kInf, kInf, season_step + 1e-10);
  }
  problem.season = std::move(init.season);
  return problem;
}

// Nelder-Mead (NLopt) over the first `dims` coordinates of v, in place, from the value `value`
// at v; returns the best value. An optimiser failure keeps the starting point.
double Minimise(Objective& objective, const Problem& problem, size_t dims, std::vector<double>& v,
                double value, int evaluations, double step_scale) {
  if (evaluations < 2 * static_cast<int>(dims) + 2) return value;
  try {
    nlopt::opt optimiser(nlopt::LN_NELDERMEAD, static_cast<unsigned>(dims));
    optimiser.set_lower_bounds(
        std::vector<double>(problem.lower.begin(), problem.lower.begin() + dims));
    optimiser.set_upper_bounds(
        std::vector<double>(problem.upper.begin(), problem.upper.begin() + dims));
    std::vector<double> step(problem.step.begin(), problem.step.begin() + dims);
    for (double& s : step) s *= step_scale;
    optimiser.set_initial_step(step);
    optimiser.set_min_objective(&Objective::Callback, &objective);
    optimiser.set_maxeval(evaluations);
    // R's Nelder-Mead stops when the simplex spans less than sqrt(eps) relative to the value
    // at the start.
    optimiser.set_ftol_abs(1.5e-8 * (std::fabs(value) + 1.5e-8));
    optimiser.set_xtol_rel(1e-10);
    std::vector<double> trial(v.begin(), v.begin() + dims);
    double found = value;
    try {
      optimiser.optimize(trial, found);
    } catch (const nlopt::roundoff_limited&) {
      // Nelder-Mead keeps its best point in `trial`; roundoff only ended the search early.
    }
    if (std::isfinite(found) && found <= value) {
      value = found;
      std::copy(trial.begin(), trial.end(), v.begin());
    }
  } catch (const std::exception&) {
    // NLopt reports invalid arguments or out-of-memory by exception; keep the start.
  }
  return value;
}

// Nelder-Mead restarted from its own best point with a fresh, smaller simplex while a restart
// still gains more than `gain`: a collapsed simplex is how Nelder-Mead stalls in many
// dimensions, and a restart is the classic cure.
double MinimiseWithRestarts(Objective& objective, const Problem& problem, size_t dims,
                            std::vector<double>& v, double value, int evaluations, double gain,
                            double step_scale) {
  const size_t spent_before = objective.evaluations();
  while (true) {
    const int left = evaluations - static_cast<int>(objective.evaluations() - spent_before);
    if (left <= 0) break;
    const double before = value;
    value = Minimise(objective, problem, dims, v, value, left, step_scale);
    if (!(before - value > gain)) break;
    step_scale = std::max(0.1, step_scale * 0.5);
  }
  return value;
}

// One fitted candidate: the optimiser's vector and the criterion there.
struct Candidate {
  Problem problem;
  std::vector<double> x;
  double criterion = kInf;  // R's lik on the whole series
  double aicc = kInf;
  bool searched_prefix = false;  // smoothing weights found on a prefix, not yet polished
};

double CorrectedAic(double criterion, size_t k, size_t n) {
  const double kd = static_cast<double>(k);
  return criterion + 2 * kd + 2 * kd * (kd + 1) / (static_cast<double>(n) - kd - 1);
}

// Fits one model by maximum likelihood within R's usual bounds and the admissible region:
// multi-start search over the smoothing weights and level/trend with the seasonal states held
// (on a prefix of long series), then the joint problem with the seasonal states free.
std::optional<Candidate> FitCandidate(std::span<const double> y, const Layout& layout,
                                      const DataSummary& data) {
  if (data.observed < layout.NumParameters() + 2) return std::nullopt;  // AICc needs n-k-1 > 0
  Candidate fit;
  fit.problem = MakeProblem(y, layout, data);
  const Problem& problem = fit.problem;
  Objective full(y, layout, problem.season);
  if (!std::isfinite(full.Evaluate(problem.start.data()))) {
    // The heuristic start can be inadmissible (e.g. a negative implied seasonal index);
    // R gives up on such a model too.
    return std::nullopt;
  }

  Layout held = layout;
  held.joint_season = false;
  const size_t held_dims = held.NumOptimised();
  const size_t prefix = std::min(y.size(), std::max(kSearchPrefix, 4 * layout.period));
  const std::span<const double> head = y.first(prefix);
  Objective search(head, held, problem.season);
  // R's start, plus starts in the other regimes the smoothing weights fall into (slow level
  // with a fast season, and a fast level).
  std::vector<double> alphas = {problem.start[0]};
  for (double a : {0.2, 0.6}) {
    if (std::fabs(a - problem.start[0]) > 0.05) alphas.push_back(a);
  }
  std::vector<double> best_x;
  double best = kInf;
  for (double alpha : alphas) {
    std::vector<double> v = problem.start;
    v[0] = alpha;
    double value = search.Evaluate(v.data());
    if (!std::isfinite(value)) continue;
    value = MinimiseWithRestarts(search, problem, held_dims, v, value,
                                 kSearchBudget.Evaluations(prefix), 1e-3, 1.0);
    if (value < best) {
      best = value;
      best_x = std::move(v);
    }
  }
  if (best_x.empty()) return std::nullopt;
  fit.x = std::move(best_x);
  fit.criterion = full.Evaluate(fit.x.data());
  fit.searched_prefix = prefix < y.size();
  if (layout.joint_season) {
    fit.criterion = MinimiseWithRestarts(full, problem, layout.NumOptimised(), fit.x, fit.criterion,
                                         kJointBudget.Evaluations(y.size()), 1e-2, 1.0);
  }
  if (!std::isfinite(fit.criterion)) return std::nullopt;
  fit.aicc = CorrectedAic(fit.criterion, layout.NumParameters(), data.observed);
  return fit;
}

// More effort for a leading candidate: continue from where it is, and also run the joint
// problem directly from R's start (the basin R's own method finds); keep the better.
void RefineCandidate(std::span<const double> y, const DataSummary& data, Candidate& fit) {
  const Problem& problem = fit.problem;
  const size_t dims = problem.layout.NumOptimised();
  Objective full(y, problem.layout, problem.season);
  if (fit.searched_prefix && !problem.layout.joint_season) {
    // Small steps around the prefix's optimum: the whole series moves it only a little.
    fit.criterion = MinimiseWithRestarts(full, problem, dims, fit.x, fit.criterion,
                                         kPolishBudget.Evaluations(y.size()), 1e-3, 0.2);
    fit.searched_prefix = false;
  }
  const int evaluations = kRefineBudget.Evaluations(y.size());
  fit.criterion =
      MinimiseWithRestarts(full, problem, dims, fit.x, fit.criterion, evaluations, 1e-3, 0.5);
  if (problem.layout.joint_season) {
    std::vector<double> v = problem.start;
    const double value = MinimiseWithRestarts(full, problem, dims, v, full.Evaluate(v.data()),
                                              evaluations, 1e-3, 1.0);
    if (value < fit.criterion) {
      fit.criterion = value;
      fit.x = std::move(v);
    }
  }
  fit.aicc = CorrectedAic(fit.criterion, problem.layout.NumParameters(), data.observed);
}

// The fitted model's parameters and its state after the last step.
struct FinalState {
  Smoothing smoothing;
  double level = 0, trend = 0;
  std::vector<double> season;  // ring buffer; season[pos] is the next step's index
  size_t pos = 0;
  double sigma2 = 0;
};

FinalState Finish(std::span<const double> y, const Candidate& fit) {
  const Layout& layout = fit.problem.layout;
  Objective objective(y, layout, fit.problem.season);
  FinalState out;
  Components c;
  objective.Decode(fit.x.data(), out.smoothing, c);
  out.season.assign(c.season, c.season + layout.period);
  c.season = out.season.data();
  const FilterSums sums = PickFilter(layout.spec)(y.data(), y.size(), out.smoothing, c);
  out.level = c.level;
  out.trend = c.trend;
  out.pos = c.pos;
  // R: sigma^2 = SSE / (n - number of estimated coefficients).
  const double free = static_cast<double>(layout.NumParameters() - 1);
  out.sigma2 = sums.sse / std::max(1.0, static_cast<double>(sums.count) - free);
  return out;
}

std::string Describe(const EtsSpec& spec, size_t period) {
  std::string name = spec.ToString();
  if (HasSeason(spec.season)) name += "[" + std::to_string(period) + "]";
  return name;
}

}  // namespace

std::string EtsSpec::ToString() const {
  std::string s = "ets(";
  s += error == Error::kAdditive ? "A" : "M";
  s += ",";
  s += trend == Trend::kNone ? "N" : (trend == Trend::kAdditive ? "A" : "Ad");
  s += ",";
  s += season == Season::kNone ? "N" : (season == Season::kAdditive ? "A" : "M");
  s += ")";
  return s;
}

std::optional<EtsSpec> EtsSpec::Parse(std::string_view text) {
  // Accepts "AAdM", "A,Ad,M", "ets(A,Ad,M)" in any case; multiplicative trend and R's "Z"
  // (choose automatically: leave the spec empty instead) are not models forescale fits.
  std::string t;
  for (char ch : text) {
    if (ch == ',' || ch == ' ') continue;
    t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  if (t.starts_with("ETS(") && t.ends_with(")")) t = t.substr(4, t.size() - 5);
  EtsSpec spec;
  size_t i = 0;
  if (i >= t.size()) return std::nullopt;
  if (t[i] == 'A') {
    spec.error = Error::kAdditive;
  } else if (t[i] == 'M') {
    spec.error = Error::kMultiplicative;
  } else {
    return std::nullopt;
  }
  ++i;
  if (t.compare(i, 2, "AD") == 0) {
    spec.trend = Trend::kDamped;
    i += 2;
  } else if (i < t.size() && t[i] == 'A') {
    spec.trend = Trend::kAdditive;
    ++i;
  } else if (i < t.size() && t[i] == 'N') {
    spec.trend = Trend::kNone;
    ++i;
  } else {
    return std::nullopt;
  }
  if (i + 1 != t.size()) return std::nullopt;
  switch (t[i]) {
    case 'N':
      spec.season = Season::kNone;
      break;
    case 'A':
      spec.season = Season::kAdditive;
      break;
    case 'M':
      spec.season = Season::kMultiplicative;
      break;
    default:
      return std::nullopt;
  }
  return spec;
}

struct EtsForecaster::State {
  bool fitted = false;
  EtsSpec spec;
  size_t period = 1;
  EtsParameters parameters;
  double aicc = kNan;
  double level = 0;
  double trend = 0;
  std::vector<double> season;  // ring buffer; season[season_pos] is the next step's index
  size_t season_pos = 0;
};

EtsForecaster::EtsForecaster(EtsOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

EtsForecaster::~EtsForecaster() = default;

std::string EtsForecaster::Name() const {
  if (!state_->fitted) return "ets";
  return Describe(state_->spec, state_->period);
}

const EtsSpec& EtsForecaster::spec() const { return state_->spec; }
const EtsParameters& EtsForecaster::parameters() const { return state_->parameters; }
double EtsForecaster::Aicc() const { return state_->aicc; }

Result<void> EtsForecaster::DoFit() {
  *state_ = State{};
  // Leading missing values carry no information; the first observation starts the model.
  const std::vector<double>& all = history_.values;
  size_t first = 0;
  while (first < all.size() && std::isnan(all[first])) ++first;
  const std::span<const double> y(all.data() + first, all.size() - first);

  DataSummary data;
  double min_value = kInf, max_value = -kInf, mean = 0;
  for (double v : y) {
    if (std::isnan(v)) continue;
    ++data.observed;
    min_value = std::min(min_value, v);
    max_value = std::max(max_value, v);
    mean += v;
  }
  mean /= static_cast<double>(data.observed);
  double variance = 0;
  for (double v : y) {
    if (!std::isnan(v)) variance += (v - mean) * (v - mean);
  }
  data.scale = std::sqrt(variance / static_cast<double>(data.observed));
  if (data.scale == 0) data.scale = std::max(1e-8, 1e-3 * std::fabs(mean));
  const bool positive = min_value > 0;

  auto finish_simple = [&](double level, double alpha, double sigma2) {
    State& s = *state_;
    s.fitted = true;
    s.spec = EtsSpec{};
    s.period = 1;
    s.parameters = EtsParameters{.alpha = alpha, .beta = 0, .gamma = 0, .phi = 1, .sigma2 = sigma2};
    s.aicc = kNan;
    s.level = level;
    s.trend = 0;
    s.season.assign(1, 0.0);
    s.season_pos = 0;
  };

  // A constant history has no error to fit (R returns ses(alpha = 0.99999) here): the
  // forecast is the constant.
  if (min_value == max_value) {
    Note("ets: history is constant (" + std::to_string(min_value) +
         "); forecasting the constant without estimating a model");
    finish_simple(min_value, kUpperSmoothing, 0);
    return {};
  }

  // The season: the shortest usable one, if the history holds two full cycles of it.
  size_t period = 1;
  {
    size_t shortest = 0;
    bool too_long = false;  // a real season (2+ steps) that only MSTL takes
    for (size_t s : context_.seasons) {
      if (s < 2) continue;
      if (s > options_.max_period) {
        too_long = true;
      } else if (shortest == 0 || s < shortest) {
        shortest = s;
      }
    }
    if (shortest == 0 && too_long) {
      Note("ets: no season <= " + std::to_string(options_.max_period) +
           " steps; fitting non-seasonal models only");
    } else if (shortest != 0 && y.size() < 2 * shortest) {
      Note("ets: history of " + std::to_string(y.size()) +
           " steps is shorter than two seasons of " + std::to_string(shortest) +
           "; fitting non-seasonal models only");
    } else if (shortest != 0) {
      period = shortest;
    }
  }

  // The candidate models, in R's order (ties keep the first).
  std::vector<EtsSpec> specs;
  if (options_.spec) {
    EtsSpec spec = *options_.spec;
    if (spec.error == Error::kAdditive && spec.season == Season::kMultiplicative) {
      return Fail(ErrorCode::kInvalidArgument,
                  spec.ToString() +
                      " is a forbidden model (additive error with multiplicative season has "
                      "infinite forecast variance); use ets(M,*,M) or ets(A,*,A)");
    }
    if (!positive &&
        (spec.error == Error::kMultiplicative || spec.season == Season::kMultiplicative)) {
      EtsSpec additive = spec;
      additive.error = Error::kAdditive;
      if (additive.season == Season::kMultiplicative) additive.season = Season::kAdditive;
      Note("ets: " + spec.ToString() + " needs strictly positive data (minimum is " +
           std::to_string(min_value) + "); fitting " + additive.ToString() + " instead");
      spec = additive;
    }
    if (HasSeason(spec.season) && period == 1) {
      EtsSpec plain = spec;
      plain.season = Season::kNone;
      Note("ets: no usable season for " + spec.ToString() + "; fitting " + plain.ToString());
      spec = plain;
    }
    specs.push_back(spec);
  } else {
    for (Error e : {Error::kAdditive, Error::kMultiplicative}) {
      if (e == Error::kMultiplicative && !positive) continue;
      for (Trend t : {Trend::kNone, Trend::kAdditive}) {
        for (Season s : {Season::kNone, Season::kAdditive, Season::kMultiplicative}) {
          if (HasSeason(s) && period == 1) continue;
          if (s == Season::kMultiplicative && (e == Error::kAdditive || !positive)) continue;
          if (t == Trend::kAdditive) {
            specs.push_back({e, Trend::kDamped, s});
          }
          specs.push_back({e, t, s});
        }
      }
    }
    if (!positive) {
      Note("ets: data has values <= 0 (minimum " + std::to_string(min_value) +
           "); multiplicative models skipped");
    }
  }

  std::vector<Candidate> fits;
  size_t skipped_for_length = 0;
  size_t attempted = 0;
  for (const EtsSpec& spec : specs) {
    // An explicit spec too rich for the data falls back: season, then trend, then SES.
    EtsSpec current = spec;
    while (true) {
      Layout layout{.spec = current,
                    .period = HasSeason(current.season) ? period : 1,
                    .joint_season = HasSeason(current.season) && period <= kMaxJointSeasonPeriod};
      if (data.observed >= layout.NumParameters() + 2) {
        ++attempted;
        std::optional<Candidate> fit = FitCandidate(y, layout, data);
        if (fit) fits.push_back(std::move(*fit));
        break;
      }
      if (!options_.spec) {
        ++skipped_for_length;
        break;
      }
      EtsSpec simpler = current;
      if (HasSeason(current.season)) {
        simpler.season = Season::kNone;
      } else if (HasTrend(current.trend)) {
        simpler.trend = Trend::kNone;
      } else {
        break;
      }
      Note("ets: " + std::to_string(data.observed) + " observations are too few for " +
           current.ToString() + "; trying " + simpler.ToString());
      current = simpler;
    }
  }
  // The leading candidates get more optimisation before the final choice, so the winner is not
  // decided by which model's optimiser happened to stall first. The order is R's, and a tie
  // keeps the earlier model, as R does.
  std::vector<size_t> order(fits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return fits[a].aicc < fits[b].aicc; });
  for (size_t i = 0; i < std::min(order.size(), kRefinedCandidates); ++i) {
    RefineCandidate(y, data, fits[order[i]]);
  }
  const Candidate* best = nullptr;
  for (const Candidate& fit : fits) {
    if (!best || fit.aicc < best->aicc) best = &fit;
  }
  if (skipped_for_length > 0) {
    Note("ets: " + std::to_string(skipped_for_length) + " candidate models skipped: " +
         std::to_string(data.observed) + " observations are too few to estimate them");
  }

  if (!best) {
    // Too short for any likelihood fit: simple exponential smoothing from the first value
    // with the alpha that minimises the one-step squared error (R's HoltWinters fallback).
    double best_alpha = 0.5, best_sse = kInf, level_at_best = 0;
    for (int step = 1; step <= 99; ++step) {
      const double alpha = step / 100.0;
      double level = kNan, sse = 0;
      for (double v : y) {
        if (std::isnan(v)) continue;
        if (std::isnan(level)) {
          level = v;
          continue;
        }
        sse += (v - level) * (v - level);
        level += alpha * (v - level);
      }
      if (sse <= best_sse) {  // ties (two observations) keep the largest alpha: the last value
        best_sse = sse;
        best_alpha = alpha;
        level_at_best = level;
      }
    }
    const std::string why =
        attempted > 0
            ? "no ETS model could be estimated (the likelihood was not finite anywhere)"
            : std::to_string(data.observed) + " observations are too few to estimate an ETS model";
    Note("ets: " + why +
         "; using simple exponential smoothing with alpha=" + std::to_string(best_alpha));
    finish_simple(level_at_best, best_alpha,
                  data.observed > 1 ? best_sse / static_cast<double>(data.observed - 1) : 0.0);
    return {};
  }

  FinalState final_state = Finish(y, *best);
  State& s = *state_;
  s.fitted = true;
  s.spec = best->problem.layout.spec;
  s.period = best->problem.layout.period;
  s.parameters = EtsParameters{.alpha = final_state.smoothing.alpha,
                               .beta = final_state.smoothing.beta,
                               .gamma = final_state.smoothing.gamma,
                               .phi = final_state.smoothing.phi,
                               .sigma2 = final_state.sigma2};
  s.aicc = best->aicc;
  s.level = final_state.level;
  s.trend = final_state.trend;
  s.season = std::move(final_state.season);
  s.season_pos = final_state.pos;
  if (period > kMaxJointSeasonPeriod && HasSeason(s.spec.season)) {
    Note("ets: season of " + std::to_string(period) +
         " steps: initial seasonal indices kept at their decomposition estimates");
  }
  return {};
}

Result<std::vector<double>> EtsForecaster::Predict(size_t horizon) const {
  const State& s = *state_;
  if (!s.fitted) return Fail(ErrorCode::kInvalidArgument, "ets: Predict called before Fit");
  std::vector<double> out(horizon);
  const bool trend = HasTrend(s.spec.trend);
  const double phi = s.parameters.phi;
  // Sum of phi^1..phi^h, as etscalc.c's forecast(): the damped trend's cumulative effect.
  double phi_sum = phi, phi_power = phi;
  const double fallback =
      std::isfinite(s.level) ? std::clamp(s.level, -kMaxForecast, kMaxForecast) : 0.0;
  for (size_t h = 0; h < horizon; ++h) {
    double f = s.level;
    if (trend) f += phi_sum * s.trend;
    if (HasSeason(s.spec.season)) {
      const double index = s.season[(s.season_pos + h) % s.period];
      f = s.spec.season == Season::kMultiplicative ? f * index : f + index;
    }
    // The contract is h finite values: a runaway trend is clamped, never returned as inf.
    out[h] = std::isnan(f) ? fallback : std::clamp(f, -kMaxForecast, kMaxForecast);
    phi_power *= phi;
    phi_sum += phi_power;
  }
  return out;
}

bool EtsForecaster::RollsForward() const { return state_->fitted; }

Result<void> EtsForecaster::Update(double value) {
  State& s = *state_;
  if (!s.fitted) return Forecaster::Update(value);
  if (std::isinf(value)) {
    return Fail(ErrorCode::kInvalidArgument, "ets: Update with an infinite value");
  }
  history_.values.push_back(value);
  const Smoothing p{.alpha = s.parameters.alpha,
                    .beta = s.parameters.beta,
                    .gamma = s.parameters.gamma,
                    .phi = s.parameters.phi};
  Components c{.level = s.level,
               .trend = s.trend,
               .season = s.season.data(),
               .period = s.period,
               .pos = s.season_pos};
  PickFilter(s.spec)(&value, 1, p, c);
  s.level = c.level;
  s.trend = c.trend;
  s.season_pos = c.pos;
  return {};
}

}  // namespace forescale::forecast
