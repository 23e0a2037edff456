#include "forecast/prophet.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

namespace forescale::forecast {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Prophet's priors k, m ~ N(0, 5): the trend's offset and base slope are almost free, yet the
// system stays positive definite when a history is shorter than the number of columns.
constexpr double kTrendPrecision = 1.0 / 25.0;
// "Small" ridge for event coefficients: a prior sd of 10 standard deviations of the series only
// keeps two identical event columns (or an event active all the time) solvable.
constexpr double kEventPrecision = 0.01;
// A user may set a penalty to 0; a floor keeps collinear columns from making the system singular.
constexpr double kMinPrecision = 1e-6;
// The noise variance (in standardised units) is clamped: below 1e-4 (an sd of 1 % of the
// series') the penalties would vanish against the data and a noise-free series would make the
// normal equations ill-conditioned; above 1 the model would explain less than the mean does.
constexpr double kMinNoiseVariance = 1e-4;
constexpr double kMaxNoiseVariance = 1.0;
constexpr int kMaxNoiseIterations = 8;
// Rows are expanded a block at a time so the design matrix of a long history is never stored
// whole, while the Gram update still runs as a blocked rank-k product.
constexpr Eigen::Index kBlockRows = 1024;
// exp() of anything larger overflows a double; the clamp keeps Predict finite on absurd horizons.
constexpr double kMaxExponent = 700;

// One season's Fourier block. Harmonics whose frequency a shorter season already carries (the
// 7th weekly harmonic is the daily one) are dropped: the columns would be identical.
struct SeasonTerms {
  double period = 0;
  size_t order = 0;
  std::vector<bool> keep;      // per harmonic k = 1..order
  std::vector<bool> keep_sin;  // false where sin(2 pi k t / period) is 0 at every integer t
  size_t columns = 0;
};

std::string EventName(const Regressors& regressors, size_t j) {
  if (j < regressors.names.size() && !regressors.names[j].empty()) return regressors.names[j];
  return "#" + std::to_string(j);
}

double EventValue(const Regressors& regressors, size_t j, size_t i) {
  const std::vector<double>& column = regressors.columns[j];
  if (i >= column.size()) return 0;
  const double v = column[i];
  return std::isfinite(v) ? v : 0;
}

std::string FormatNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

}  // namespace

struct ProphetForecaster::State {
  size_t n = 0;           // history length; Predict's first row
  double t_per_step = 1;  // trend time advances 1 / (n - 1) per step
  std::vector<double> changepoint_t;
  std::vector<SeasonTerms> seasons;
  std::vector<size_t> fitted_events;  // regressor columns with a coefficient, in column order
  std::vector<size_t> lift_events;    // columns applied through the user's expected lift
  std::vector<double> lifts;
  const Regressors* regressors = nullptr;
  Eigen::VectorXd beta;  // coefficients in standardised units
  double center = 0;     // standardisation: z = center + scale * (X beta)
  double scale = 1;
  double offset = 0;  // multiplicative mode: z = log(y + offset)
  bool log_scale = false;
  std::vector<ProphetChangepoint> changepoints;
  std::vector<double> event_coefficients;

  size_t FourierColumns() const {
    size_t c = 0;
    for (const SeasonTerms& s : seasons) c += s.columns;
    return c;
  }
  size_t Columns() const {
    return 2 + changepoint_t.size() + FourierColumns() + fitted_events.size();
  }

  // Writes the design row of step i (history or future) into `row`.
  void FillRow(size_t i, double* row) const {
    const double t = static_cast<double>(i) * t_per_step;
    size_t c = 0;
    row[c++] = 1;
    row[c++] = t;
    for (double s : changepoint_t) row[c++] = t > s ? t - s : 0;
    for (const SeasonTerms& season : seasons) {
      // The phase is reduced before scaling so long histories keep full precision; higher
      // harmonics follow by the angle-addition recurrence, two trig calls per season and row.
      const double theta =
          2 * std::numbers::pi * std::fmod(static_cast<double>(i), season.period) / season.period;
      const double c1 = std::cos(theta);
      const double s1 = std::sin(theta);
      double ck = c1;
      double sk = s1;
      for (size_t k = 1; k <= season.order; ++k) {
        if (season.keep[k - 1]) {
          row[c++] = ck;
          if (season.keep_sin[k - 1]) row[c++] = sk;
        }
        const double next_c = ck * c1 - sk * s1;
        sk = sk * c1 + ck * s1;
        ck = next_c;
      }
    }
    for (size_t j : fitted_events) row[c++] = EventValue(*regressors, j, i);
  }
};

ProphetForecaster::ProphetForecaster(ProphetOptions options) : options_(options) {}
ProphetForecaster::~ProphetForecaster() = default;

std::string ProphetForecaster::Name() const {
  return options_.multiplicative ? "prophet(multiplicative)" : "prophet";
}

const std::vector<ProphetChangepoint>& ProphetForecaster::changepoints() const {
  static const std::vector<ProphetChangepoint> kNone;
  return state_ ? state_->changepoints : kNone;
}

const std::vector<double>& ProphetForecaster::event_coefficients() const {
  static const std::vector<double> kNone;
  return state_ ? state_->event_coefficients : kNone;
}

Result<void> ProphetForecaster::DoFit() {
  state_.reset();
  const ProphetOptions& o = options_;
  if (!(o.changepoint_range > 0 && o.changepoint_range <= 1)) {
    return Fail(ErrorCode::kInvalidArgument, "prophet: changepoint_range must be in (0, 1]");
  }
  if (!(o.changepoint_penalty >= 0) || !(o.seasonality_penalty >= 0) ||
      !std::isfinite(o.changepoint_penalty) || !std::isfinite(o.seasonality_penalty)) {
    return Fail(ErrorCode::kInvalidArgument, "prophet: penalties must be finite and >= 0");
  }

  auto state = std::make_unique<State>();
  State& st = *state;
  const size_t n = history_.size();
  st.n = n;
  st.t_per_step = n > 1 ? 1.0 / static_cast<double>(n - 1) : 1.0;
  st.log_scale = o.multiplicative;

  std::vector<size_t> present;
  present.reserve(n);
  double y_min = std::numeric_limits<double>::infinity();
  double y_max = -y_min;
  for (size_t i = 0; i < n; ++i) {
    const double v = history_.values[i];
    if (std::isnan(v)) continue;
    present.push_back(i);
    y_min = std::min(y_min, v);
    y_max = std::max(y_max, v);
  }
  const size_t np = present.size();  // Fit() guarantees np >= 1

  // The response z: y, or log(y + offset) with an offset that makes every present value
  // positive while keeping the smallest one distinguishable (1 % of the range above zero).
  if (st.log_scale && y_min <= 0) {
    const double range = y_max - y_min;
    st.offset = -y_min + (range > 0 ? 0.01 * range : 1.0);
    Note("multiplicative: history holds values <= 0; fitting log(y + " + FormatNumber(st.offset) +
         ")");
  }
  std::vector<double> z(np);
  for (size_t r = 0; r < np; ++r) {
    const double v = history_.values[present[r]];
    z[r] = st.log_scale ? std::log(v + st.offset) : v;
  }
  // Standardising makes the penalties independent of the series' units (Prophet divides by
  // max |y| for the same reason); a constant series keeps scale 1 and fits exactly 0.
  double mean = 0;
  for (double v : z) mean += v;
  mean /= static_cast<double>(np);
  double var = 0;
  for (double v : z) var += (v - mean) * (v - mean);
  var /= static_cast<double>(np);
  st.center = mean;
  const double sd = std::sqrt(var);
  st.scale = sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0;

  // Changepoints as Prophet places them: evenly by present-row index over the first
  // changepoint_range of the present rows, the first row excluded.
  const size_t hist_size =
      static_cast<size_t>(std::floor(static_cast<double>(np) * o.changepoint_range));
  const size_t max_changepoints = hist_size >= 2 ? hist_size - 1 : 0;
  const size_t num_changepoints = std::min(o.changepoints, max_changepoints);
  if (num_changepoints < o.changepoints) {
    Note("prophet: " + std::to_string(np) + " values allow only " +
         std::to_string(num_changepoints) + " of " + std::to_string(o.changepoints) +
         " changepoints");
  }
  std::vector<size_t> changepoint_steps;
  for (size_t k = 1; k <= num_changepoints; ++k) {
    const double at = static_cast<double>(k) * static_cast<double>(hist_size - 1) /
                      static_cast<double>(num_changepoints);
    const size_t step = present[static_cast<size_t>(std::lround(at))];
    if (changepoint_steps.empty() || changepoint_steps.back() != step) {
      changepoint_steps.push_back(step);
    }
  }
  for (size_t step : changepoint_steps) {
    st.changepoint_t.push_back(static_cast<double>(step) * st.t_per_step);
  }

  // Seasons, shortest first so longer seasons give up the harmonics they share.
  std::vector<size_t> periods = context_.seasons;
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  const size_t span = present.back() - present.front() + 1;
  std::vector<double> frequencies;  // cycles per step already carried by a column
  for (size_t period : periods) {
    if (period < 2) {
      Note("season " + std::to_string(period) + " skipped: a period needs at least 2 steps");
      continue;
    }
    if (span < 2 * period) {
      Note("season " + std::to_string(period) + " skipped: the history spans " +
           std::to_string(span) + " steps, fewer than two full periods");
      continue;
    }
    SeasonTerms season;
    season.period = static_cast<double>(period);
    season.order = std::min(o.max_fourier_order, period / 2);
    if (season.order == 0) continue;
    for (size_t k = 1; k <= season.order; ++k) {
      const double f = static_cast<double>(k) / season.period;
      const bool duplicate = std::any_of(frequencies.begin(), frequencies.end(),
                                         [f](double g) { return std::abs(f - g) < 1e-12; });
      season.keep.push_back(!duplicate);
      // At half a cycle per step, sin(pi t) vanishes on the integer grid.
      const bool sin_vanishes = std::abs(f - 0.5) < 1e-12;
      season.keep_sin.push_back(!sin_vanishes);
      if (!duplicate) {
        frequencies.push_back(f);
        season.columns += sin_vanishes ? 1 : 2;
      }
    }
    st.seasons.push_back(std::move(season));
  }

  // Events: an event seen in the history gets a coefficient; one never seen cannot be learned.
  const Regressors* regressors = context_.regressors;
  st.regressors = regressors;
  const size_t num_events = regressors ? regressors->columns.size() : 0;
  st.event_coefficients.assign(num_events, kNaN);
  for (size_t j = 0; j < num_events; ++j) {
    const std::vector<double>& column = regressors->columns[j];
    const std::string name = EventName(*regressors, j);
    bool seen = false;
    bool non_finite = false;
    for (size_t i : present) {
      if (i >= column.size()) break;
      if (!std::isfinite(column[i])) {
        non_finite = true;
      } else if (column[i] != 0) {
        seen = true;
      }
    }
    for (size_t i = n; i < column.size() && !non_finite; ++i) {
      non_finite = !std::isfinite(column[i]);
    }
    if (non_finite) Note("event '" + name + "': non-finite values treated as inactive (0)");
    if (column.size() < n) {
      Note("event '" + name + "' has " + std::to_string(column.size()) + " rows for " +
           std::to_string(n) + " history steps; the missing rows count as inactive");
    }
    const double lift = j < regressors->expected_lift.size() ? regressors->expected_lift[j] : kNaN;
    if (seen) {
      st.fitted_events.push_back(j);
    } else if (std::isfinite(lift)) {
      st.lift_events.push_back(j);
      st.lifts.push_back(lift);
      Note("event '" + name + "' does not occur in the history; applying its expected lift of " +
           FormatNumber(100 * lift) + " %");
    } else {
      Note("event '" + name +
           "' does not occur in the history and has no expected lift: it cannot affect the "
           "forecast");
      continue;
    }
    // Predict is const and cannot add notes, so a column that stops at the end of the history
    // is reported here: its future is read as inactive.
    if (column.size() <= n) {
      Note("event '" + name + "' has no rows past the history; the forecast treats it as inactive");
    }
  }

  // Penalty precisions per column, in the order FillRow writes them.
  const Eigen::Index p = static_cast<Eigen::Index>(st.Columns());
  Eigen::VectorXd precision(p);
  {
    Eigen::Index c = 0;
    precision(c++) = kTrendPrecision;
    precision(c++) = kTrendPrecision;
    for (size_t k = 0; k < st.changepoint_t.size(); ++k) {
      precision(c++) = std::max(o.changepoint_penalty, kMinPrecision);
    }
    for (size_t k = 0; k < st.FourierColumns(); ++k) {
      precision(c++) = std::max(o.seasonality_penalty, kMinPrecision);
    }
    for (size_t k = 0; k < st.fitted_events.size(); ++k) precision(c++) = kEventPrecision;
  }

  // Normal equations, accumulated block by block over the present rows.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(p, p);
  Eigen::VectorXd xty = Eigen::VectorXd::Zero(p);
  double yty = 0;
  {
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    RowMajor block(std::min<Eigen::Index>(kBlockRows, static_cast<Eigen::Index>(np)), p);
    Eigen::VectorXd yblock(block.rows());
    size_t r = 0;
    while (r < np) {
      const Eigen::Index rows =
          std::min<Eigen::Index>(kBlockRows, static_cast<Eigen::Index>(np - r));
      for (Eigen::Index b = 0; b < rows; ++b, ++r) {
        st.FillRow(present[r], block.row(b).data());
        yblock(b) = (z[r] - st.center) / st.scale;
      }
      const auto x = block.topRows(rows);
      const auto y = yblock.head(rows);
      gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
      xty.noalias() += x.transpose() * y;
      yty += y.squaredNorm();
    }
    gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  }

  // Ridge solution of  min |y - X b|^2 / sigma^2 + sum precision_j b_j^2,  where sigma^2 is the
  // noise variance, re-estimated from the residuals and the effective degrees of freedom
  // (empirical Bayes). Only p x p work per round: RSS comes from the Gram matrices.
  double sigma2 = kMaxNoiseVariance;
  Eigen::VectorXd beta;
  for (int iter = 0; iter < kMaxNoiseIterations; ++iter) {
    Eigen::MatrixXd a = gram;
    a.diagonal() += sigma2 * precision;
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
    Eigen::VectorXd candidate = ldlt.solve(xty);
    if (ldlt.info() != Eigen::Success || !candidate.allFinite()) break;
    beta = std::move(candidate);
    // edf = trace((X'X + sigma2 D)^-1 X'X) = p - sigma2 * sum_j D_j [(X'X + sigma2 D)^-1]_jj.
    const Eigen::MatrixXd inverse = ldlt.solve(Eigen::MatrixXd::Identity(p, p));
    const double edf =
        static_cast<double>(p) - sigma2 * (precision.array() * inverse.diagonal().array()).sum();
    const double dof = static_cast<double>(np) - edf;
    if (dof < 1) break;  // too few rows to judge the noise: keep the conservative fit
    const double rss = std::max(0.0, yty - 2 * beta.dot(xty) + beta.dot(gram * beta));
    const double next = std::clamp(rss / dof, kMinNoiseVariance, kMaxNoiseVariance);
    const bool converged = std::abs(next - sigma2) <= 1e-3 * sigma2;
    sigma2 = next;
    if (converged) break;
  }
  if (beta.size() != p) {
    // Cannot happen with positive penalties on every column; kept so a numerical surprise
    // degrades to the mean instead of failing the caller.
    Note("prophet: the regression could not be solved; forecasting the mean");
    beta = Eigen::VectorXd::Zero(p);
  }
  st.beta = std::move(beta);

  // Report in the series' units (log units in multiplicative mode).
  for (size_t k = 0; k < changepoint_steps.size(); ++k) {
    st.changepoints.push_back(
        {.step = changepoint_steps[k],
         .slope_change = st.beta(static_cast<Eigen::Index>(2 + k)) * st.scale * st.t_per_step});
  }
  const Eigen::Index event_start =
      static_cast<Eigen::Index>(2 + st.changepoint_t.size() + st.FourierColumns());
  for (size_t e = 0; e < st.fitted_events.size(); ++e) {
    st.event_coefficients[st.fitted_events[e]] =
        st.beta(event_start + static_cast<Eigen::Index>(e)) * st.scale;
  }
  state_ = std::move(state);
  return {};
}

Result<std::vector<double>> ProphetForecaster::Predict(size_t horizon) const {
  if (!state_) return Fail(ErrorCode::kInvalidArgument, "prophet: Predict() before Fit()");
  const State& st = *state_;
  const Eigen::Index p = st.beta.size();
  Eigen::VectorXd row(p);
  std::vector<double> out(horizon);
  constexpr double kMax = std::numeric_limits<double>::max();
  for (size_t h = 0; h < horizon; ++h) {
    const size_t i = st.n + h;
    // Future changepoint columns keep growing: the trend continues at the last slope.
    st.FillRow(i, row.data());
    const double f = st.center + st.scale * row.dot(st.beta);
    double y = st.log_scale ? std::exp(std::min(f, kMaxExponent)) - st.offset : f;
    for (size_t e = 0; e < st.lift_events.size(); ++e) {
      y *= 1 + st.lifts[e] * EventValue(*st.regressors, st.lift_events[e], i);
    }
    out[h] = std::isfinite(y) ? y : std::copysign(kMax, y);
  }
  return out;
}

}  // namespace forescale::forecast
