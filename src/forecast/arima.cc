#include "forecast/arima.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <nlopt.hpp>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace forescale::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Prior variance of the differencing states: large enough to be diffuse, small enough that
// the filter stays well conditioned (R's arima uses the same 1e6).
constexpr double kKappa = 1e6;
// Observations whose prediction variance (in units of sigma^2) is at least this are still
// absorbing the diffuse prior and are left out of the likelihood, as in R.
constexpr double kDiffuseGain = 1e4;
// Fewer present values than this and order selection is noise: fall back to a random walk.
constexpr size_t kMinObservations = 10;
// Work bound for an exact likelihood: steps x state dimension^2 of one Kalman pass. Above it
// the final model keeps its CSS estimates (asymptotically equivalent for long series).
constexpr double kMaxKalmanWork = 3e7;
// auto.arima's stepwise search stops after this many models.
constexpr size_t kMaxModels = 94;
// Levenberg-Marquardt iterations before a crawling fit is handed to L-BFGS.
constexpr int kLbfgsHandover = 8;
// Fitted polynomials with a root closer to the unit circle than this are rejected (R's 1.01).
constexpr double kMinRootModulus = 1.01;
// forecast::nsdiffs: one seasonal difference when the seasonal strength exceeds this.
constexpr double kSeasonalStrengthThreshold = 0.64;

// ---------------------------------------------------------------------------------------------
// Small numeric helpers.

bool IsMissing(double v) { return std::isnan(v); }

// forecast:::is.constant, i.e. all.equal(x, rep(x[1])): the mean absolute deviation from the
// first value is within 1.5e-8 of the mean absolute value. Missing values are ignored.
bool IsConstant(std::span<const double> x) {
  double first = kNaN, scale = 0, deviation = 0;
  size_t count = 0;
  for (double v : x) {
    if (IsMissing(v)) continue;
    if (count == 0) first = v;
    scale += std::abs(v);
    deviation += std::abs(v - first);
    ++count;
  }
  if (count <= 1) return true;
  scale /= static_cast<double>(count);
  deviation /= static_cast<double>(count);
  constexpr double kTolerance = 1.5e-8;
  return scale > kTolerance ? deviation / scale < kTolerance : deviation < kTolerance;
}

std::vector<double> Present(std::span<const double> x) {
  std::vector<double> out;
  out.reserve(x.size());
  for (double v : x) {
    if (!IsMissing(v)) out.push_back(v);
  }
  return out;
}

double Mean(std::span<const double> x) {
  double sum = 0;
  for (double v : x) sum += v;
  return x.empty() ? kNaN : sum / static_cast<double>(x.size());
}

std::vector<double> Slice(const std::vector<double>& v, size_t offset, size_t length) {
  return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(offset),
                             v.begin() + static_cast<std::ptrdiff_t>(offset + length));
}

std::vector<double> Negated(std::span<const double> x) {
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = -x[i];
  return out;
}

// A gap-free stand-in for a series with gaps, only ever used to find starting values cheaply
// (the exact likelihood then treats the gaps properly): the value one season back where there
// is one, otherwise a straight line between the neighbours. Leading gaps are trimmed already.
std::vector<double> FillForStart(std::span<const double> y, size_t m) {
  std::vector<double> out(y.begin(), y.end());
  size_t last = out.size();  // index of the last present value seen
  for (size_t t = 0; t < out.size(); ++t) {
    if (!IsMissing(out[t])) {
      last = t;
      continue;
    }
    if (m > 1 && t >= m) {
      out[t] = out[t - m];
      continue;
    }
    size_t next = t + 1;
    while (next < out.size() && IsMissing(y[next])) ++next;
    const double before = last < out.size() ? out[last] : kNaN;
    if (next < out.size() && last < out.size()) {
      const double weight = static_cast<double>(t - last) / static_cast<double>(next - last);
      out[t] = before + weight * (y[next] - before);
    } else {
      out[t] = last < out.size() ? before : (next < out.size() ? y[next] : 0.0);
    }
  }
  return out;
}

// y after d lag-1 and D lag-m differences; a missing value spreads to every difference it
// enters, as it must.
std::vector<double> Difference(std::span<const double> y, int d, int D, size_t m) {
  std::vector<double> w(y.begin(), y.end());
  auto diff = [&w](size_t lag) {
    if (w.size() <= lag) {
      w.clear();
      return;
    }
    std::vector<double> next(w.size() - lag);
    for (size_t t = lag; t < w.size(); ++t) next[t - lag] = w[t] - w[t - lag];
    w = std::move(next);
  };
  for (int i = 0; i < d; ++i) diff(1);
  for (int i = 0; i < D; ++i) diff(m);
  return w;
}

// delta with (1 - B)^d (1 - B^m)^D = 1 - delta_1 B - ... - delta_k B^k, so that
// y_t = w_t + sum_k delta_k y_{t-k}.
std::vector<double> DifferencingPolynomial(int d, int D, size_t m) {
  std::vector<double> poly = {1.0};
  auto multiply = [&poly](size_t lag) {
    std::vector<double> next(poly.size() + lag, 0.0);
    for (size_t i = 0; i < poly.size(); ++i) {
      next[i] += poly[i];
      next[i + lag] -= poly[i];
    }
    poly = std::move(next);
  };
  for (int i = 0; i < d; ++i) multiply(1);
  for (int i = 0; i < D; ++i) multiply(m);
  std::vector<double> delta(poly.size() - 1);
  for (size_t k = 1; k < poly.size(); ++k) delta[k - 1] = -poly[k];
  return delta;
}

// Roots of 1 + c_1 z + ... + c_k z^k after dropping trailing coefficients with |c| <= tol.
// The reciprocals w = 1/z are the eigenvalues of the companion matrix of
// w^k + c_1 w^(k-1) + ... + c_k, which avoids dividing by a tiny leading coefficient.
std::optional<std::vector<std::complex<double>>> PolynomialRoots(std::span<const double> c,
                                                                 double tol) {
  size_t k = c.size();
  while (k > 0 && std::abs(c[k - 1]) <= tol) --k;
  std::vector<std::complex<double>> roots;
  if (k == 0) return roots;
  const auto dim = static_cast<Eigen::Index>(k);
  Eigen::MatrixXd companion = Eigen::MatrixXd::Zero(dim, dim);
  for (Eigen::Index j = 0; j < dim; ++j) companion(0, j) = -c[static_cast<size_t>(j)];
  for (Eigen::Index i = 1; i < dim; ++i) companion(i, i - 1) = 1.0;
  Eigen::EigenSolver<Eigen::MatrixXd> solver(companion, /*computeEigenvectors=*/false);
  if (solver.info() != Eigen::Success) return std::nullopt;
  for (Eigen::Index i = 0; i < solver.eigenvalues().size(); ++i) {
    const std::complex<double> w = solver.eigenvalues()(i);
    if (std::abs(w) == 0) return std::nullopt;
    roots.push_back(1.0 / w);
  }
  return roots;
}

// Smallest root modulus of 1 + c_1 z + ... (infinity when the polynomial is constant; 0 when
// the roots cannot be computed, which callers treat as inadmissible).
double MinRootModulus(std::span<const double> c) {
  const auto roots = PolynomialRoots(c, 1e-8);
  if (!roots) return 0.0;
  double min_modulus = kInf;
  for (const auto& z : *roots) min_modulus = std::min(min_modulus, std::abs(z));
  return min_modulus;
}

// An MA polynomial with the same autocorrelations and every root outside the unit circle:
// roots inside are replaced by their reciprocals, as R's arima does after fitting (the Gaussian
// likelihood cannot tell the two apart, forecasts from the invertible one are the sensible ones).
std::vector<double> InvertibleMa(std::vector<double> theta) {
  size_t q0 = theta.size();
  while (q0 > 0 && theta[q0 - 1] == 0.0) --q0;
  if (q0 == 0) return theta;
  const auto roots = PolynomialRoots(std::span(theta).first(q0), 0.0);
  if (!roots) return theta;
  bool any_inside = false;
  for (const auto& z : *roots) any_inside |= std::abs(z) < 1.0;
  if (!any_inside) return theta;
  if (q0 == 1) {
    theta[0] = 1.0 / theta[0];
    return theta;
  }
  std::vector<std::complex<double>> poly = {1.0};
  for (std::complex<double> z : *roots) {
    if (std::abs(z) < 1.0) z = 1.0 / z;
    // Multiply by (1 - x / z).
    std::vector<std::complex<double>> next(poly.size() + 1, 0.0);
    for (size_t i = 0; i < poly.size(); ++i) {
      next[i] += poly[i];
      next[i + 1] -= poly[i] / z;
    }
    poly = std::move(next);
  }
  for (size_t i = 0; i < q0; ++i) theta[i] = poly[i + 1].real();
  return theta;
}

// Stationary AR coefficients from unconstrained values: tanh gives partial autocorrelations in
// (-1, 1), the Durbin-Levinson recursion turns them into AR coefficients (Jones 1980). The
// likelihood is maximised in this parameterisation, so every trial point is stationary.
void PartialToAr(std::span<const double> raw, std::span<double> ar) {
  const size_t p = raw.size();
  std::vector<double> previous(p);
  for (size_t j = 0; j < p; ++j) ar[j] = std::tanh(raw[j]);
  for (size_t j = 1; j < p; ++j) {
    const double kappa = ar[j];
    for (size_t k = 0; k < j; ++k) previous[k] = ar[k];
    for (size_t k = 0; k < j; ++k) ar[k] = previous[k] - kappa * previous[j - k - 1];
  }
}

// The inverse of PartialToAr; nullopt when `ar` is not stationary.
std::optional<std::vector<double>> ArToPartial(std::span<const double> ar) {
  const size_t p = ar.size();
  std::vector<double> current(ar.begin(), ar.end()), previous(p);
  for (size_t j = p; j-- > 1;) {
    const double kappa = current[j];
    if (!(std::abs(kappa) < 1.0)) return std::nullopt;
    for (size_t k = 0; k < j; ++k) previous[k] = current[k];
    for (size_t k = 0; k < j; ++k) {
      current[k] = (previous[k] + kappa * previous[j - k - 1]) / (1.0 - kappa * kappa);
    }
  }
  for (size_t j = 0; j < p; ++j) {
    if (!(std::abs(current[j]) < 1.0)) return std::nullopt;
    current[j] = std::atanh(current[j]);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Model structure.

// Non-seasonal and seasonal orders with the season they use (m = 1: none).
struct Structure {
  int p = 0, q = 0, P = 0, Q = 0;
  int d = 0, D = 0;
  size_t m = 1;

  static Structure Of(const ArimaOrder& o) {
    Structure s{.p = o.p, .q = o.q, .P = o.P, .Q = o.Q, .d = o.d, .D = o.D};
    s.m = o.period > 1 ? o.period : 1;
    if (s.m == 1) s.P = s.D = s.Q = 0;
    return s;
  }
  size_t NumArma() const { return static_cast<size_t>(p + q + P + Q); }
  size_t ArLength() const { return static_cast<size_t>(p) + m * static_cast<size_t>(P); }
  size_t MaLength() const { return static_cast<size_t>(q) + m * static_cast<size_t>(Q); }
  size_t Differences() const { return static_cast<size_t>(d) + m * static_cast<size_t>(D); }
  // State dimension of the ARMA part in Harvey's form.
  size_t StateSize() const { return std::max(ArLength(), MaLength() + 1); }
};

// The multiplied-out polynomials: x_t = sum phi_k x_{t-k} + e_t + sum theta_k e_{t-k}, from
// coefficients laid out as [phi(p), theta(q), Phi(P), Theta(Q)].
void ExpandPolynomials(const Structure& s, std::span<const double> coef, std::vector<double>* phi,
                       std::vector<double>* theta) {
  const size_t p = static_cast<size_t>(s.p), q = static_cast<size_t>(s.q);
  phi->assign(s.ArLength(), 0.0);
  theta->assign(s.MaLength(), 0.0);
  for (size_t i = 0; i < p; ++i) (*phi)[i] = coef[i];
  for (size_t i = 0; i < q; ++i) (*theta)[i] = coef[p + i];
  for (size_t j = 0; j < static_cast<size_t>(s.P); ++j) {
    const double seasonal = coef[p + q + j];
    (*phi)[(j + 1) * s.m - 1] += seasonal;
    for (size_t i = 0; i < p; ++i) (*phi)[(j + 1) * s.m + i] -= coef[i] * seasonal;
  }
  for (size_t j = 0; j < static_cast<size_t>(s.Q); ++j) {
    const double seasonal = coef[p + q + static_cast<size_t>(s.P) + j];
    (*theta)[(j + 1) * s.m - 1] += seasonal;
    for (size_t i = 0; i < q; ++i) (*theta)[(j + 1) * s.m + i] += coef[p + i] * seasonal;
  }
}

// Lags (1-based) at which the expanded polynomials can be non-zero: the CSS recursion visits
// only these, which matters for seasonal models where most lags are structurally zero.
void StructuralLags(const Structure& s, std::vector<size_t>* ar_lags,
                    std::vector<size_t>* ma_lags) {
  auto collect = [&s](int regular, int seasonal, std::vector<size_t>* lags) {
    std::vector<bool> used(static_cast<size_t>(regular) + s.m * static_cast<size_t>(seasonal) + 1);
    for (int i = 1; i <= regular; ++i) used[static_cast<size_t>(i)] = true;
    for (int j = 1; j <= seasonal; ++j) {
      for (int i = 0; i <= regular; ++i) {
        used[static_cast<size_t>(j) * s.m + static_cast<size_t>(i)] = true;
      }
    }
    lags->clear();
    for (size_t k = 1; k < used.size(); ++k) {
      if (used[k]) lags->push_back(k);
    }
  };
  collect(s.p, s.P, ar_lags);
  collect(s.q, s.Q, ma_lags);
}

// Smallest root modulus of the full AR (or MA) operator, factor by factor: the roots of
// Phi(z^m) are the m-th roots of those of Phi(z), so this equals R's check on the expanded
// polynomial without an eigenproblem of degree p + m*P.
double MinRootOfOperator(std::span<const double> regular, std::span<const double> seasonal,
                         size_t m, bool autoregressive) {
  const auto as_poly = [autoregressive](std::span<const double> c) {
    return autoregressive ? Negated(c) : std::vector<double>(c.begin(), c.end());
  };
  double modulus = MinRootModulus(as_poly(regular));
  const double seasonal_modulus = MinRootModulus(as_poly(seasonal));
  if (std::isfinite(seasonal_modulus)) {
    modulus = std::min(modulus, std::pow(seasonal_modulus, 1.0 / static_cast<double>(m)));
  }
  return modulus;
}

// How close the MA operator's roots come to the unit circle, as min |log |z|| over the roots of
// the expanded operator (seasonal roots enter as their m-th roots); infinity for no roots.
double NearestUnitRootDistance(std::span<const double> regular, std::span<const double> seasonal,
                               size_t m) {
  double distance = kInf;
  for (const auto& [coef, power] :
       {std::pair{regular, 1.0}, std::pair{seasonal, 1.0 / static_cast<double>(m)}}) {
    const auto roots = PolynomialRoots(coef, 1e-8);
    if (!roots) return 0.0;
    for (const auto& z : *roots)
      distance = std::min(distance, std::abs(power * std::log(std::abs(z))));
  }
  return distance;
}

// ---------------------------------------------------------------------------------------------
// Levenberg-Marquardt for both estimation problems here: CSS is a least-squares problem, and
// so is the concentrated exact likelihood (see MlProblem). Least squares converges in a few
// Jacobians where a general quasi-Newton method needs many gradients. Jacobian by forward
// differences.

struct LmResult {
  Eigen::VectorXd x;
  double ssq = kInf;
  bool ok = false;         // the start point could be evaluated
  bool converged = false;  // stopped on a tolerance, not on the iteration limit
};

// Minimises ssq(x) = |r(x)|^2 from x with L-BFGS (NLopt) in the coordinates u = x * sqrt(d),
// d the diagonal of J'J, so that the problem is roughly unit-scaled. Gradient by forward
// differences. Keeps the best admissible point seen; false if it found nothing better.
template <typename Residuals>
bool PolishWithLbfgs(Residuals& residuals, const Eigen::VectorXd& diagonal, size_t m,
                     Eigen::VectorXd* x, double* ssq) {
  struct Context {
    Residuals* residuals;
    Eigen::VectorXd unit, x, r, best_x;
    double best;

    double Evaluate(const double* u) {
      for (Eigen::Index j = 0; j < x.size(); ++j) x(j) = u[j] / unit(j);
      if (!(*residuals)(x, r) || !r.allFinite()) return kInf;
      const double value = r.squaredNorm();
      if (value < best) {
        best = value;
        best_x = x;
      }
      return value;
    }
    static double Objective(unsigned n, const double* u, double* grad, void* data) {
      Context& c = *static_cast<Context*>(data);
      const double value = c.Evaluate(u);
      if (grad != nullptr) {
        std::vector<double> shifted(u, u + n);
        for (unsigned j = 0; j < n; ++j) {
          const double h = 1e-7 * std::max(1.0, std::abs(u[j]));
          shifted[j] = u[j] + h;
          const double up = c.Evaluate(shifted.data());
          grad[j] = std::isfinite(up) && std::isfinite(value) ? (up - value) / h : 0.0;
          shifted[j] = u[j];
        }
      }
      // NLopt wants a finite value; an inadmissible point just looks very bad.
      return std::isfinite(value) ? value : std::numeric_limits<double>::max();
    }
  };
  const Eigen::Index k = x->size();
  Context context{.residuals = &residuals,
                  .unit = diagonal.cwiseSqrt(),
                  .x = Eigen::VectorXd(k),
                  .r = Eigen::VectorXd(static_cast<Eigen::Index>(m)),
                  .best_x = *x,
                  .best = *ssq};
  nlopt::opt opt(nlopt::LD_LBFGS, static_cast<unsigned>(k));
  opt.set_min_objective(&Context::Objective, &context);
  opt.set_ftol_rel(1e-12);
  opt.set_xtol_rel(1e-10);
  opt.set_maxeval(300);
  std::vector<double> u(static_cast<size_t>(k));
  for (Eigen::Index j = 0; j < k; ++j) {
    const double value = (*x)(j);
    u[static_cast<size_t>(j)] = value * context.unit(j);
  }
  double minimum = 0;
  try {
    opt.optimize(u, minimum);
  } catch (const std::exception&) {
    // NLopt reports a stalled line search as an exception; the best point is kept anyway.
  }
  if (!(context.best < *ssq)) return false;
  *x = context.best_x;
  *ssq = context.best;
  return true;
}

// `residuals(x, r)` fills r (fixed length m) and returns false when x is not admissible.
// `scale` gives each parameter's typical magnitude, for the difference steps. `give_up(x, i)`
// is asked after every iteration whether the fit is going nowhere useful (result.ok = false).
template <typename Residuals, typename GiveUp>
LmResult LevenbergMarquardt(Residuals&& residuals, Eigen::VectorXd x, const Eigen::VectorXd& scale,
                            size_t m, int max_iterations, GiveUp&& give_up) {
  LmResult result;
  const Eigen::Index k = x.size();
  const auto rows = static_cast<Eigen::Index>(m);
  Eigen::VectorXd r(rows), r_trial(rows);
  if (!residuals(x, r) || !r.allFinite()) return result;
  result.ok = true;
  double ssq = r.squaredNorm();
  if (k == 0 || m == 0) {
    result.x = x;
    result.ssq = ssq;
    result.converged = true;
    return result;
  }
  Eigen::MatrixXd jacobian(rows, k);
  Eigen::VectorXd x_trial(k), diagonal(k);
  double lambda = 1e-3;
  for (int iteration = 0; iteration < max_iterations && !result.converged; ++iteration) {
    for (Eigen::Index j = 0; j < k; ++j) {
      double h = 1e-6 * std::max(std::abs(x(j)), scale(j));
      x_trial = x;
      x_trial(j) += h;
      if (!residuals(x_trial, r_trial) || !r_trial.allFinite()) {
        h = -h;
        x_trial(j) = x(j) + h;
        if (!residuals(x_trial, r_trial) || !r_trial.allFinite()) {
          result.converged = true;  // at the edge of the admissible region: stop here
          break;
        }
      }
      jacobian.col(j) = (r_trial - r) / h;
    }
    if (result.converged) break;
    const Eigen::MatrixXd jtj = jacobian.transpose() * jacobian;
    const Eigen::VectorXd gradient = jacobian.transpose() * r;
    diagonal = jtj.diagonal().cwiseMax(1e-12 * (1.0 + jtj.diagonal().maxCoeff()));
    bool accepted = false;
    while (lambda <= 1e12) {
      Eigen::MatrixXd system = jtj;
      system.diagonal() += lambda * diagonal;
      const Eigen::VectorXd step = system.ldlt().solve(-gradient);
      x_trial = x + step;
      if (step.allFinite() && residuals(x_trial, r_trial) && r_trial.allFinite()) {
        const double trial_ssq = r_trial.squaredNorm();
        if (trial_ssq < ssq) {
          const double reduction = (ssq - trial_ssq) / std::max(ssq, 1e-300);
          const double step_size = step.cwiseAbs().maxCoeff();
          x = x_trial;
          r = r_trial;
          ssq = trial_ssq;
          lambda = std::max(lambda * 0.2, 1e-12);
          accepted = true;
          // R's optim stops at a relative change of 1.5e-8 in 0.5 log(ssq); this is tighter.
          if (reduction < 1e-9 || step_size < 1e-10 * (1.0 + x.cwiseAbs().maxCoeff())) {
            result.converged = true;
          }
          break;
        }
      }
      lambda *= 10.0;
    }
    if (!accepted) result.converged = true;  // no descent left at machine precision
    if (!result.converged && give_up(x, iteration)) {
      result.ok = false;
      return result;
    }
    // Gauss-Newton converges only linearly when the residuals are large compared with their
    // curvature (a misspecified MA model, say): when it crawls, hand over to L-BFGS, which
    // learns the second-order term Gauss-Newton leaves out.
    if (!result.converged && iteration == kLbfgsHandover) {
      PolishWithLbfgs(residuals, diagonal, m, &x, &ssq);
      result.converged = true;
    }
  }
  result.x = x;
  result.ssq = ssq;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Conditional sum of squares (as R's ARIMA_CSS): residuals of the differenced series by the
// ARMA recursion, starting p + m*P steps in with earlier innovations taken as zero. A residual
// that touches a missing value is left out of the sum and counts as zero in later MA terms
// (R lets it poison every later residual instead).

class CssProblem {
 public:
  // `dx` is the differenced series; `regressor_step` the differenced regressor (1 for a mean or
  // a lag-1 drift, m for a seasonal drift), used when the problem has a constant.
  CssProblem(const std::vector<double>& dx, const Structure& s, bool constant,
             double regressor_step)
      : dx_(dx), s_(s), constant_(constant), regressor_step_(regressor_step) {
    StructuralLags(s, &ar_lags_, &ma_lags_);
    start_ = s.ArLength();
    // Which residuals exist depends on the data only: decide it once.
    valid_.assign(NumResiduals(), false);
    for (size_t t = start_; t < dx_.size(); ++t) {
      bool ok = !IsMissing(dx_[t]);
      for (size_t lag : ar_lags_) ok = ok && !IsMissing(dx_[t - lag]);
      valid_[t - start_] = ok;
      if (ok) ++count_;
    }
    w_.resize(dx_.size());
    e_.resize(dx_.size());
  }

  size_t NumResiduals() const { return dx_.size() > start_ ? dx_.size() - start_ : 0; }
  size_t Count() const { return count_; }

  // params: [arma coefficients, constant (if any)].
  bool operator()(const Eigen::VectorXd& params, Eigen::VectorXd& out) {
    ExpandPolynomials(s_, std::span(params.data(), s_.NumArma()), &phi_, &theta_);
    const double shift =
        constant_ ? params(static_cast<Eigen::Index>(s_.NumArma())) * regressor_step_ : 0.0;
    for (size_t t = 0; t < dx_.size(); ++t) w_[t] = dx_[t] - shift;
    for (size_t t = start_; t < dx_.size(); ++t) {
      double e = 0.0;
      if (valid_[t - start_]) {
        e = w_[t];
        for (size_t lag : ar_lags_) e -= phi_[lag - 1] * w_[t - lag];
        for (size_t lag : ma_lags_) {
          if (lag > t - start_) break;
          e -= theta_[lag - 1] * e_[t - lag];
        }
      }
      e_[t] = e;
      out(static_cast<Eigen::Index>(t - start_)) = e;
    }
    return true;
  }

 private:
  const std::vector<double>& dx_;
  Structure s_;
  bool constant_;
  double regressor_step_;
  std::vector<size_t> ar_lags_, ma_lags_;
  size_t start_ = 0;
  size_t count_ = 0;
  std::vector<bool> valid_;
  std::vector<double> phi_, theta_, w_, e_;
};

// ---------------------------------------------------------------------------------------------
// Exact likelihood: Kalman filter over the ARIMA state space in Harvey's form,
//   alpha_t = (ARMA state (r), y_{t-1}, ..., y_{t-k}),  y_t = Z alpha_t,
// with the ARMA block started from its stationary covariance and the k differencing states
// from a diffuse kappa prior (Gardner, Harvey & Phillips 1980; Durbin & Koopman 2012 ch. 5).

struct KalmanModel {
  std::vector<double> phi;    // expanded AR, length p
  std::vector<double> theta;  // expanded MA padded to r - 1
  std::vector<double> delta;  // differencing polynomial, length k (may be 0)
  size_t r = 1;
};

KalmanModel MakeKalmanModel(const Structure& s, std::span<const double> arma_coef,
                            bool with_differences) {
  KalmanModel model;
  ExpandPolynomials(s, arma_coef, &model.phi, &model.theta);
  model.r = s.StateSize();
  model.theta.resize(model.r - 1, 0.0);
  if (with_differences) model.delta = DifferencingPolynomial(s.d, s.D, s.m);
  return model;
}

// Stationary covariance Q0 of the ARMA block (sigma^2 = 1), r x r column-major, the solution
// of Q0 = T Q0 T' + R R'. Its first row comes from the autocovariances and psi weights; entry
// (i, j) of the Lyapunov equation involves only (i+1, j+1) and the first row, so the rest is
// filled bottom-up in O(r^2), after an O(p^3) solve for gamma(0..p).
bool StationaryCovariance(const KalmanModel& model, std::vector<double>* q0) {
  const size_t r = model.r, p = model.phi.size(), q = model.theta.size();
  const auto phi = [&](size_t k) { return k >= 1 && k <= p ? model.phi[k - 1] : 0.0; };
  const auto theta = [&](size_t k) { return k == 0 ? 1.0 : (k <= q ? model.theta[k - 1] : 0.0); };
  std::vector<double> psi(r + 1, 0.0);
  psi[0] = 1.0;
  for (size_t j = 1; j <= r; ++j) {
    double v = theta(j);
    for (size_t i = 1; i <= std::min(j, p); ++i) v += phi(i) * psi[j - i];
    psi[j] = v;
  }
  // c_k = sum_{j >= k} theta_j psi_{j-k}: the MA side of the autocovariance equations.
  const size_t top = std::max(r, p);
  std::vector<double> c(top + 1, 0.0);
  for (size_t k = 0; k <= top; ++k) {
    for (size_t j = k; j <= q; ++j) c[k] += theta(j) * psi[j - k];
  }
  std::vector<double> gamma(top + 1, 0.0);
  if (p == 0) {
    gamma = c;
  } else {
    const auto dim = static_cast<Eigen::Index>(p + 1);
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(dim, dim);
    Eigen::VectorXd b(dim);
    for (size_t k = 0; k <= p; ++k) {
      for (size_t i = 1; i <= p; ++i) {
        const size_t lag = k >= i ? k - i : i - k;
        a(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(lag)) -= phi(i);
      }
      b(static_cast<Eigen::Index>(k)) = c[k];
    }
    const Eigen::VectorXd g = a.partialPivLu().solve(b);
    if (!g.allFinite()) return false;
    for (size_t k = 0; k <= p; ++k) gamma[k] = g(static_cast<Eigen::Index>(k));
    for (size_t k = p + 1; k <= top; ++k) {
      double v = c[k];
      for (size_t i = 1; i <= p; ++i) v += phi(i) * gamma[k - i];
      gamma[k] = v;
    }
  }
  if (!(gamma[0] > 0) || !std::isfinite(gamma[0])) return false;
  q0->assign(r * r, 0.0);
  auto at = [&](size_t i, size_t j) -> double& { return (*q0)[i + r * j]; };
  // alpha_t[j] = sum_{k > j} phi_k x_{t+j-k} + sum_{k >= j} theta_k e_{t+j-k}.
  for (size_t j = 1; j < r; ++j) {
    double v = 0;
    for (size_t k = j + 1; k <= r; ++k) v += phi(k) * gamma[k - j];
    for (size_t k = j; k < r; ++k) v += theta(k) * psi[k - j];
    at(0, j) = at(j, 0) = v;
  }
  at(0, 0) = gamma[0];
  const auto first_row = [&](size_t j) { return j < r ? at(0, j) : 0.0; };
  for (size_t i = r - 1; i >= 1; --i) {
    for (size_t j = i; j < r; ++j) {
      double v = theta(i) * theta(j);
      v += phi(i + 1) * phi(j + 1) * gamma[0];
      v += phi(i + 1) * first_row(j + 1) + phi(j + 1) * first_row(i + 1);
      if (j + 1 < r) v += at(i + 1, j + 1);
      at(i, j) = at(j, i) = v;
    }
  }
  for (double v : *q0) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Reused buffers: the likelihood runs the filter hundreds of times per model.
struct KalmanWorkspace {
  std::vector<double> a, anew, p, pnew, pprev, m, c, q0, gain;
};

// Runs the filter over y (NaN = missing: predict, no update). For every step that enters the
// likelihood calls on_step(t, v, F) with the innovation and its variance (sigma^2 = 1). Once
// the predicted covariance has stopped changing the covariance recursion is frozen (the
// steady-state filter gives the same numbers at O(r) a step) until the next gap.
// `next_state`, if given, receives the predicted state for the step after the last.
template <typename OnStep>
bool RunKalman(std::span<const double> y, const KalmanModel& model, KalmanWorkspace& ws,
               OnStep&& on_step, std::vector<double>* next_state) {
  const size_t r = model.r, k = model.delta.size(), rd = r + k, p = model.phi.size();
  const std::vector<double>& phi = model.phi;
  const std::vector<double>& theta = model.theta;
  const std::vector<double>& delta = model.delta;
  if (!StationaryCovariance(model, &ws.q0)) return false;
  ws.a.assign(rd, 0.0);
  ws.anew.assign(rd, 0.0);
  ws.p.assign(rd * rd, 0.0);
  ws.pnew.assign(rd * rd, 0.0);
  ws.pprev.assign(rd * rd, 0.0);
  ws.m.assign(rd, 0.0);
  ws.gain.assign(rd, 0.0);
  ws.c.assign(rd, 0.0);
  for (size_t j = 0; j < r; ++j) {
    for (size_t i = 0; i < r; ++i) ws.pnew[i + rd * j] = ws.q0[i + r * j];
  }
  for (size_t i = 0; i < k; ++i) ws.pnew[(r + i) * (rd + 1)] = kKappa;

  const auto r_coef = [&](size_t i) { return i == 0 ? 1.0 : theta[i - 1]; };
  // Differencing polynomials are sparse ((1-B)(1-B^24) has 3 terms of 25): visit the non-zeros.
  std::vector<size_t> lags;
  for (size_t j = 0; j < k; ++j) {
    if (delta[j] != 0.0) lags.push_back(j);
  }
  // out = T v.
  const auto apply_t = [&](const double* v, double* out) {
    const double v0 = v[0];
    for (size_t i = 0; i < r; ++i) {
      out[i] = (i + 1 < r ? v[i + 1] : 0.0) + (i < p ? phi[i] * v0 : 0.0);
    }
    if (k > 0) {
      double y_prev = v0;
      for (size_t j : lags) y_prev += delta[j] * v[r + j];
      for (size_t j = k - 1; j >= 1; --j) out[r + j] = v[r + j - 1];
      out[r] = y_prev;
    }
  };

  bool any_missing = false;
  for (double v : y) any_missing |= IsMissing(v);
  if (k == 0 && !any_missing) {
    // Chandrasekhar recursions (Morf, Sidhu & Kailath 1974): started at the stationary
    // covariance, P_{t+1} - P_t = W_t M_t W_t' has rank one, and with A_t = T P_t Z' and
    // g = Z W_t the filter needs only
    //   F_{t+1} = F_t + g^2 M_t,  A_{t+1} = A_t + T W_t M_t g,
    //   W_{t+1} = (F_t T W_t - g A_t) / F_{t+1},  M_{t+1} = M_t F_{t+1} / F_t,
    // which is O(r) a step instead of the O(r^2) Riccati update. Same numbers, same order.
    std::vector<double>& a = ws.a;        // predicted state a_{t|t-1}
    std::vector<double>& gain = ws.gain;  // A_t
    std::vector<double>& w = ws.m;        // W_t
    std::vector<double>& tw = ws.c;       // T W_t
    apply_t(&ws.q0[0], gain.data());
    w = gain;
    double f = ws.q0[0], m = -1.0 / f;
    for (size_t t = 0; t < y.size(); ++t) {
      if (!(f > 0) || !std::isfinite(f)) return false;
      const double v = y[t] - a[0];
      if (f < kDiffuseGain) on_step(t, v, f);
      apply_t(a.data(), ws.anew.data());
      const double step = v / f;
      for (size_t i = 0; i < r; ++i) a[i] = ws.anew[i] + gain[i] * step;
      const double g = w[0];
      apply_t(w.data(), tw.data());
      const double f_next = f + g * g * m;
      const double mg = m * g;
      for (size_t i = 0; i < r; ++i) {
        const double a_i = gain[i];
        gain[i] = a_i + tw[i] * mg;
        w[i] = (tw[i] * f - a_i * g) / f_next;
      }
      m *= f_next / f;
      f = f_next;
    }
    if (next_state != nullptr) *next_state = a;
    return true;
  }

  bool frozen = false, have_previous = false;
  double frozen_f = 0;
  for (size_t t = 0; t < y.size(); ++t) {
    if (frozen && IsMissing(y[t])) {
      // A gap: the covariance moves again. ws.p still holds the steady-state filtered
      // covariance from the step that froze it, which is where the recursion resumes.
      frozen = false;
      have_previous = false;
      frozen_f = 0;
    }
    apply_t(ws.a.data(), ws.anew.data());
    if (t > 0 && !frozen) {
      std::swap(ws.pprev, ws.pnew);  // keep the previous prediction for the convergence test
      // Pnew = T P T' + R R', block by block with T's structure written out: O(rd^2).
      // ARMA block: T_a Paa T_a' + R R'.
      const double p00 = ws.p[0];
      for (size_t j = 0; j < r; ++j) {
        const double phi_j = j < p ? phi[j] : 0.0;
        const double p0j1 = j + 1 < r ? ws.p[rd * (j + 1)] : 0.0;
        for (size_t i = 0; i <= j; ++i) {
          const double phi_i = i < p ? phi[i] : 0.0;
          double v = r_coef(i) * r_coef(j);
          if (j + 1 < r) v += ws.p[(i + 1) + rd * (j + 1)];
          if (phi_i != 0.0) v += phi_i * (phi_j * p00 + p0j1);
          if (phi_j != 0.0 && i + 1 < r) v += phi_j * ws.p[i + 1];
          ws.pnew[i + rd * j] = v;
          ws.pnew[j + rd * i] = v;
        }
      }
      if (k > 0) {
        // c = P z with z' alpha = y_{t} (ARMA value plus the lagged values): the covariances
        // of the state with the value that becomes the first lag.
        for (size_t i = 0; i < rd; ++i) {
          double v = ws.p[i];
          for (size_t j : lags) v += delta[j] * ws.p[i + rd * (r + j)];
          ws.c[i] = v;
        }
        // Cross block: cov(a', y_t) = T_a c_a; cov(a', y_{t-j}) = T_a Pab[:, j-1].
        for (size_t j = 0; j < k; ++j) {
          const double* src = j == 0 ? ws.c.data() : &ws.p[rd * (r + j - 1)];
          for (size_t i = 0; i < r; ++i) {
            const double v = (i + 1 < r ? src[i + 1] : 0.0) + (i < p ? phi[i] * src[0] : 0.0);
            ws.pnew[i + rd * (r + j)] = v;
            ws.pnew[(r + j) + rd * i] = v;
          }
        }
        // Lag block: the new first lag is y_t, the others shift down.
        double var_y = ws.c[0];
        for (size_t j : lags) var_y += delta[j] * ws.c[r + j];
        ws.pnew[r + rd * r] = var_y;
        for (size_t j = 1; j < k; ++j) {
          ws.pnew[r + rd * (r + j)] = ws.pnew[(r + j) + rd * r] = ws.c[r + j - 1];
          for (size_t i = 1; i < k; ++i) {
            ws.pnew[(r + i) + rd * (r + j)] = ws.p[(r + i - 1) + rd * (r + j - 1)];
          }
        }
      }
      if (have_previous) {
        double change = 0;
        for (size_t i = 0; i < rd * rd; ++i) {
          change = std::max(change, std::abs(ws.pnew[i] - ws.pprev[i]));
        }
        if (change <= 1e-13 * (1.0 + std::abs(ws.pnew[0]))) frozen = true;
      }
      have_previous = true;
    }
    if (IsMissing(y[t])) {
      ws.a = ws.anew;
      ws.p = ws.pnew;
      continue;
    }
    double v = y[t] - ws.anew[0];
    for (size_t j : lags) v -= delta[j] * ws.anew[r + j];
    double f;
    if (frozen && frozen_f > 0) {
      f = frozen_f;
      for (size_t i = 0; i < rd; ++i) ws.a[i] = ws.anew[i] + ws.gain[i] * v;
    } else {
      for (size_t i = 0; i < rd; ++i) {
        double mi = ws.pnew[i];
        for (size_t j : lags) mi += ws.pnew[i + rd * (r + j)] * delta[j];
        ws.m[i] = mi;
      }
      f = ws.m[0];
      for (size_t j : lags) f += delta[j] * ws.m[r + j];
      if (!(f > 0) || !std::isfinite(f)) return false;
      for (size_t i = 0; i < rd; ++i) ws.a[i] = ws.anew[i] + ws.m[i] * v / f;
      for (size_t j = 0; j < rd; ++j) {
        const double mj = ws.m[j] / f;
        for (size_t i = 0; i < rd; ++i) ws.p[i + rd * j] = ws.pnew[i + rd * j] - ws.m[i] * mj;
      }
      if (frozen) {
        frozen_f = f;
        for (size_t i = 0; i < rd; ++i) ws.gain[i] = ws.m[i] / f;
      }
    }
    if (f < kDiffuseGain) on_step(t, v, f);
  }
  if (next_state != nullptr) {
    next_state->resize(rd);
    apply_t(ws.a.data(), next_state->data());
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Fitting one model.

struct FittedModel {
  ArimaOrder order;
  std::vector<double> arma;  // [phi, theta, Phi, Theta], untransformed
  double beta = 0;           // mean (d + D = 0) or drift (d + D = 1); 0 without a constant
  double sigma2 = kNaN;      // forecast::Arima's residual variance
  double loglik = kNaN;      // exact log-likelihood; NaN for CSS-only fits
  double aic = kInf, aicc = kInf, ic = kInf;
  bool css_only = false;
  bool degenerate = false;  // a perfect fit (zero residual variance): no information criterion
  bool ok = false;
};

// What every fit of one history shares.
struct History {
  std::vector<double> y;  // leading missing values trimmed
  size_t present = 0;     // non-missing values
  bool has_missing = false;
  bool use_aic = false;  // too short for AICc (R: n <= 3)
};

enum class Method { kCss, kCssMl };

// The regressor at (0-based) step t: 1 for a mean, t + 1 for a drift (R's 1..n).
double Regressor(const Structure& s, size_t t) {
  return s.d + s.D == 0 ? 1.0 : static_cast<double>(t + 1);
}

// The differenced regressor: what a unit of the constant adds to the differenced series.
double RegressorStep(const Structure& s) {
  if (s.d + s.D == 0) return 1.0;
  return s.d == 1 ? 1.0 : static_cast<double>(s.m);
}

// Work of one exact-likelihood pass, compared with kMaxKalmanWork. Without gaps the filter runs
// on the differenced series with the O(r) recursions, after an O(p^3) solve for the stationary
// covariance; gaps need the full state and the O((r + k)^2) update at every step.
double KalmanWork(const History& h, const Structure& s) {
  const double n = static_cast<double>(h.y.size());
  const double r = static_cast<double>(s.StateSize());
  const double p = static_cast<double>(s.ArLength());
  if (h.has_missing) {
    const double dim = r + static_cast<double>(s.Differences());
    return n * dim * dim;
  }
  return 8.0 * n * r + p * p * p / 3.0;
}

// Why KalmanWork is what it is, for a note: "(state of 194 with gaps, 2000 steps)".
std::string KalmanWorkDescription(const History& h, const Structure& s) {
  const size_t dim = s.StateSize() + (h.has_missing ? s.Differences() : 0);
  return "(state of " + std::to_string(dim) + (h.has_missing ? " with gaps, " : ", ") +
         std::to_string(h.y.size()) + " steps)";
}

// The concentrated exact likelihood as a least-squares problem. With innovations v_t, their
// relative variances F_t and G the geometric mean of the F_t, -2 log L (sigma^2 profiled out)
// is an increasing function of sum v_t^2 G / F_t, so minimising that sum of squares maximises
// the likelihood. `differenced`: the filter runs on the differenced series, with a state k
// smaller and (the series being gap-free) the O(r) recursions; that is the exact diffuse
// likelihood of the undifferenced series (the kappa -> infinity limit R approximates).
// Otherwise the full state (ARMA block plus k differencing states under a diffuse prior, as
// R's arima) handles gaps exactly.
class MlProblem {
 public:
  MlProblem(const History& h, const Structure& s, bool constant, std::optional<double> fixed_beta,
            bool differenced)
      : s_(s), constant_(constant), fixed_beta_(fixed_beta), differenced_(differenced) {
    series_ = differenced_ ? Difference(h.y, s.d, s.D, s.m) : h.y;
    adjusted_.resize(series_.size());
    v_.resize(series_.size());
    f_.resize(series_.size());
  }

  size_t NumResiduals() const { return series_.size(); }

  // z: [AR as atanh partial autocorrelations, MA, seasonal AR (ditto), seasonal MA, constant].
  std::vector<double> Coefficients(const Eigen::VectorXd& z) const {
    std::vector<double> coef(s_.NumArma());
    const size_t p = static_cast<size_t>(s_.p), q = static_cast<size_t>(s_.q);
    const size_t sp = static_cast<size_t>(s_.P);
    for (size_t i = 0; i < coef.size(); ++i) coef[i] = z(static_cast<Eigen::Index>(i));
    if (p > 0) PartialToAr(std::span(z.data(), p), std::span(coef).first(p));
    if (sp > 0) PartialToAr(std::span(z.data() + p + q, sp), std::span(coef).subspan(p + q, sp));
    return coef;
  }
  double Beta(const Eigen::VectorXd& z) const {
    if (fixed_beta_) return *fixed_beta_;
    return constant_ ? z(static_cast<Eigen::Index>(s_.NumArma())) : 0.0;
  }

  struct Sums {
    double ssq = 0;     // sum of v^2 / F over counted steps
    double sumlog = 0;  // sum of log F
    size_t nu = 0;      // counted steps
  };

  // Runs the filter; false when the model is inadmissible at z.
  bool Evaluate(const Eigen::VectorXd& z, Sums* sums) {
    return EvaluateCoefficients(Coefficients(z), Beta(z), sums);
  }

  bool EvaluateCoefficients(const std::vector<double>& coef, double beta, Sums* sums) {
    const KalmanModel model = MakeKalmanModel(s_, coef, !differenced_);
    for (size_t t = 0; t < series_.size(); ++t) {
      const double shift = differenced_ ? beta * RegressorStep(s_) : beta * Regressor(s_, t);
      adjusted_[t] = series_[t] - shift;
    }
    std::fill(v_.begin(), v_.end(), 0.0);
    std::fill(f_.begin(), f_.end(), 0.0);
    *sums = Sums{};
    const bool ok = RunKalman(
        adjusted_, model, ws_,
        [&](size_t t, double v, double f) {
          v_[t] = v;
          f_[t] = f;
          sums->ssq += v * v / f;
          sums->sumlog += std::log(f);
          ++sums->nu;
        },
        nullptr);
    return ok && sums->nu > 0 && std::isfinite(sums->ssq);
  }

  bool operator()(const Eigen::VectorXd& z, Eigen::VectorXd& out) {
    Sums sums;
    if (!Evaluate(z, &sums)) return false;
    const double g = std::exp(sums.sumlog / static_cast<double>(sums.nu));
    for (size_t t = 0; t < series_.size(); ++t) {
      out(static_cast<Eigen::Index>(t)) = f_[t] > 0 ? v_[t] * std::sqrt(g / f_[t]) : 0.0;
    }
    return true;
  }

 private:
  Structure s_;
  bool constant_;
  std::optional<double> fixed_beta_;
  bool differenced_;
  std::vector<double> series_, adjusted_, v_, f_;
  KalmanWorkspace ws_;
};

struct FitRequest {
  ArimaOrder order;
  Method method = Method::kCssMl;
  double offset = 0;                   // CSS information-criterion offset (auto.arima's)
  std::optional<double> fixed_beta;    // a constant held fixed, not estimated
  bool reject_near_unit_roots = true;  // auto.arima's rule for candidates
};

// Fits one order: CSS, then (kCssMl) the exact likelihood from the CSS estimates, as
// stats::arima(method = "CSS-ML") does; information criteria as forecast:::myarima computes them.
FittedModel FitOrder(const History& h, const FitRequest& request) {
  FittedModel fit;
  fit.order = request.order;
  const Structure s = Structure::Of(request.order);
  const bool has_constant = request.order.constant;
  const bool free_beta = has_constant && !request.fixed_beta;
  const size_t narma = s.NumArma();
  const size_t k = narma + (free_beta ? 1 : 0);
  const size_t p = static_cast<size_t>(s.p), q = static_cast<size_t>(s.q);
  const size_t sp = static_cast<size_t>(s.P), sq = static_cast<size_t>(s.Q);
  const std::vector<double> dx = Difference(h.y, s.d, s.D, s.m);
  const size_t n_diff = s.Differences();
  if (h.present <= n_diff) return fit;
  const double nstar = static_cast<double>(h.present - n_diff);
  const double npar = static_cast<double>(k + 1);

  // Starting constant: least squares on the differenced series, as stats::arima does; its
  // standard error sets the scale of the difference steps.
  double beta0 = 0, beta_scale = 1;
  if (has_constant) {
    const std::vector<double> present = Present(dx);
    if (present.empty()) return fit;
    const double mean = Mean(present);
    double var = 0;
    for (double v : present) var += (v - mean) * (v - mean);
    var /= std::max(1.0, static_cast<double>(present.size()) - 1.0);
    const double step = RegressorStep(s);
    beta0 = request.fixed_beta ? *request.fixed_beta : mean / step;
    beta_scale = std::max(std::sqrt(var / static_cast<double>(present.size())) / step,
                          1e-8 * (1.0 + std::abs(beta0)));
  }

  CssProblem css(dx, s, has_constant, RegressorStep(s));
  if (css.Count() == 0) return fit;
  Eigen::VectorXd x0 = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(k));
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(k));
  if (free_beta) {
    x0(static_cast<Eigen::Index>(narma)) = beta0;
    scale(static_cast<Eigen::Index>(narma)) = beta_scale;
  }
  // The CSS problem carries the constant as its last parameter; a fixed one is pinned here.
  Eigen::VectorXd full(static_cast<Eigen::Index>(narma + (has_constant ? 1 : 0)));
  auto css_residuals = [&](const Eigen::VectorXd& x, Eigen::VectorXd& out) {
    full.head(static_cast<Eigen::Index>(narma)) = x.head(static_cast<Eigen::Index>(narma));
    if (has_constant) {
      full(static_cast<Eigen::Index>(narma)) =
          free_beta ? x(static_cast<Eigen::Index>(narma)) : beta0;
    }
    return css(full, out);
  };
  const auto never = [](const Eigen::VectorXd&, int) { return false; };
  const LmResult css_fit =
      LevenbergMarquardt(css_residuals, x0, scale, css.NumResiduals(), 200, never);
  if (!css_fit.ok) return fit;

  auto roots_ok = [&](const std::vector<double>& coef) {
    if (!request.reject_near_unit_roots) return true;
    const std::span<const double> c(coef);
    const double ar_root = MinRootOfOperator(c.first(p), c.subspan(p + q, sp), s.m, true);
    const double ma_root =
        MinRootOfOperator(c.subspan(p, q), c.subspan(p + q + sp, sq), s.m, false);
    return std::min(ar_root, ma_root) >= kMinRootModulus;
  };
  auto finish = [&](double aic) {
    fit.aic = aic;
    const double denominator = nstar - npar - 1.0;
    fit.aicc = denominator > 0 ? aic + 2.0 * npar * (npar + 1.0) / denominator : kInf;
    fit.ic = h.use_aic ? fit.aic : fit.aicc;
    if (!std::isfinite(fit.ic) || !roots_ok(fit.arma)) fit.ic = kInf;
    fit.ok = true;
  };
  auto degenerate = [&]() {
    fit.degenerate = true;
    fit.ok = true;
    fit.aic = fit.aicc = fit.ic = kNaN;
  };

  if (request.method == Method::kCss) {
    fit.arma.assign(css_fit.x.data(), css_fit.x.data() + narma);
    fit.beta = free_beta ? css_fit.x(static_cast<Eigen::Index>(narma)) : beta0;
    if (!has_constant) fit.beta = 0;
    fit.css_only = true;
    fit.sigma2 = css_fit.ssq / (nstar - npar + 1.0);
    const double sigma2 = css_fit.ssq / static_cast<double>(css.Count());
    if (!(sigma2 > 1e-300)) {
      degenerate();
      return fit;
    }
    finish(request.offset + nstar * std::log(sigma2) + 2.0 * npar);
    return fit;
  }

  // CSS-ML: start the likelihood from the CSS estimates when CSS converged.
  const Eigen::VectorXd init = css_fit.converged ? css_fit.x : x0;
  const std::vector<double> start(init.data(), init.data() + narma);
  Eigen::VectorXd z = init;
  // A non-stationary CSS start fails the model, as stats::arima's "non-stationary AR part".
  if (p > 0) {
    const auto partial = ArToPartial(std::span(start).first(p));
    if (!partial) return fit;
    for (size_t i = 0; i < p; ++i) z(static_cast<Eigen::Index>(i)) = (*partial)[i];
  }
  if (sp > 0) {
    const auto partial = ArToPartial(std::span(start).subspan(p + q, sp));
    if (!partial) return fit;
    for (size_t i = 0; i < sp; ++i) z(static_cast<Eigen::Index>(p + q + i)) = (*partial)[i];
  }
  if (q > 0) {
    const std::vector<double> ma = InvertibleMa(Slice(start, p, q));
    for (size_t i = 0; i < q; ++i) z(static_cast<Eigen::Index>(p + i)) = ma[i];
  }
  if (sq > 0) {
    const std::vector<double> ma = InvertibleMa(Slice(start, p + q + sp, sq));
    for (size_t i = 0; i < sq; ++i) z(static_cast<Eigen::Index>(p + q + sp + i)) = ma[i];
  }

  // auto.arima rejects a model with a root inside this zone; in the search, a likelihood that
  // keeps a root there for a few iterations is not worth finishing. (MA roots count after
  // reflection, since the fitted MA is made invertible afterwards.)
  const auto in_rejection_zone = [&](const std::vector<double>& coef) {
    const std::span<const double> c(coef);
    const double ar = MinRootOfOperator(c.first(p), c.subspan(p + q, sp), s.m, true);
    const double ma = NearestUnitRootDistance(c.subspan(p, q), c.subspan(p + q + sp, sq), s.m);
    return ar < kMinRootModulus || ma < std::log(kMinRootModulus);
  };
  const auto hopeless_for = [&](const MlProblem& problem) {
    return [&in_rejection_zone, &request, problem = &problem, inside = 0](const Eigen::VectorXd& x,
                                                                          int) mutable {
      if (!request.reject_near_unit_roots) return false;
      inside = in_rejection_zone(problem->Coefficients(x)) ? inside + 1 : 0;
      return inside >= 2;
    };
  };
  Eigen::VectorXd start_z = z;
  if (h.has_missing) {
    // Gaps need the full state for the exact likelihood, which costs (r + k)^2 a step. Get
    // close on a filled copy first (gap-free, so O(r) a step), and pay for the exact fit only
    // for a model the root rule keeps.
    History filled{.y = FillForStart(h.y, s.m), .present = h.y.size()};
    MlProblem approximate(filled, s, has_constant, request.fixed_beta, /*differenced=*/true);
    const LmResult near = LevenbergMarquardt(approximate, z, scale, approximate.NumResiduals(), 200,
                                             hopeless_for(approximate));
    if (!near.ok) return fit;
    if (request.reject_near_unit_roots && in_rejection_zone(approximate.Coefficients(near.x))) {
      return fit;
    }
    start_z = near.x;
  }
  MlProblem ml(h, s, has_constant, request.fixed_beta, /*differenced=*/!h.has_missing);
  const LmResult ml_fit =
      LevenbergMarquardt(ml, start_z, scale, ml.NumResiduals(), 200, hopeless_for(ml));
  if (!ml_fit.ok) return fit;
  std::vector<double> arma = ml.Coefficients(ml_fit.x);
  if (q > 0) {
    const std::vector<double> ma = InvertibleMa(Slice(arma, p, q));
    std::copy(ma.begin(), ma.end(), arma.begin() + static_cast<std::ptrdiff_t>(p));
  }
  if (sq > 0) {
    const std::vector<double> ma = InvertibleMa(Slice(arma, p + q + sp, sq));
    std::copy(ma.begin(), ma.end(), arma.begin() + static_cast<std::ptrdiff_t>(p + q + sp));
  }
  fit.arma = std::move(arma);
  fit.beta = ml.Beta(ml_fit.x);
  // The reflected MA has the same likelihood but not the same innovations: evaluate it again.
  MlProblem::Sums sums;
  if (!ml.EvaluateCoefficients(fit.arma, fit.beta, &sums)) return fit;
  const double n_used = nstar;
  fit.sigma2 = sums.ssq / (nstar - npar + 1.0);
  if (!(sums.ssq > 1e-300 * n_used)) {
    degenerate();
    return fit;
  }
  const double nu = static_cast<double>(sums.nu);
  const double objective = 0.5 * (std::log(sums.ssq / nu) + sums.sumlog / nu);
  const double minus_two_loglik =
      2.0 * n_used * objective + n_used + n_used * std::log(2.0 * std::numbers::pi);
  fit.loglik = -0.5 * minus_two_loglik;
  finish(minus_two_loglik + 2.0 * static_cast<double>(k) + 2.0);
  return fit;
}

// ---------------------------------------------------------------------------------------------
// Differencing tests.

// KPSS level-stationarity test (Kwiatkowski et al. 1992) as urca::ur.kpss(type = "mu") with
// the Bartlett lag forecast::ndiffs passes, trunc(3 sqrt(n) / 13). Whether stationarity is
// rejected at 5 % (ndiffs interpolates the p-value in the published table: p < 0.05 exactly
// when the statistic exceeds the 5 % critical value 0.463); nullopt when undefined.
std::optional<bool> KpssRejectsStationarity(const std::vector<double>& x) {
  const size_t n = x.size();
  if (n < 2) return std::nullopt;
  const auto lags = static_cast<size_t>(std::trunc(3.0 * std::sqrt(static_cast<double>(n)) / 13.0));
  const double mean = Mean(x);
  std::vector<double> e(n);
  for (size_t t = 0; t < n; ++t) e[t] = x[t] - mean;
  double partial = 0, eta = 0, s2 = 0;
  for (size_t t = 0; t < n; ++t) {
    partial += e[t];
    eta += partial * partial;
    s2 += e[t] * e[t];
  }
  const double nd = static_cast<double>(n);
  eta /= nd * nd;
  s2 /= nd;
  for (size_t l = 1; l <= lags && l < n; ++l) {
    double cov = 0;
    for (size_t t = l; t < n; ++t) cov += e[t] * e[t - l];
    s2 += 2.0 / nd * (1.0 - static_cast<double>(l) / static_cast<double>(lags + 1)) * cov;
  }
  if (!(s2 > 0)) return std::nullopt;
  constexpr double kCritical5Percent = 0.463;
  return eta / s2 > kCritical5Percent;
}

// forecast::ndiffs(test = "kpss") on the present values.
int ChooseD(std::vector<double> x, int max_d) {
  if (IsConstant(x)) return 0;
  int d = 0;
  std::optional<bool> differ = KpssRejectsStationarity(x);
  if (!differ) return 0;
  while (*differ && d < max_d) {
    ++d;
    x = Difference(x, 1, 0, 1);
    if (IsConstant(x)) return d;
    differ = KpssRejectsStationarity(x);
    if (!differ) return d - 1;
  }
  return d;
}

// Order of a non-seasonal ARMA for `w` (the differenced series, NaN where missing) by the
// Hannan-Rissanen regressions (Hannan & Rissanen 1982), as TRAMO and X-13 identify orders:
// a long AR fitted by least squares stands in for the innovations, then every ARMA(p, q) up to
// the limits is a linear regression of w_t on its own lags and on the lagged innovations,
// scored by BIC on the same rows. Least squares only: a few milliseconds on a week of minutes,
// where auto.arima's stepwise search fits a dozen models by nonlinear least squares.
// nullopt when too few complete rows remain.
std::optional<std::pair<int, int>> HannanRissanenOrder(const std::vector<double>& w, int max_p,
                                                       int max_q) {
  const auto n = static_cast<std::ptrdiff_t>(w.size());
  // The long AR's order: enough lags to whiten an ARMA of the orders searched.
  const std::ptrdiff_t long_order = std::clamp<std::ptrdiff_t>(
      static_cast<std::ptrdiff_t>(std::ceil(2 * std::log(static_cast<double>(n)))),
      2 * (max_p + max_q) + 1, 20);
  const double mean = Mean(Present(w));
  auto complete = [&](std::ptrdiff_t t, std::ptrdiff_t lags, const std::vector<double>& v) {
    for (std::ptrdiff_t j = 0; j <= lags; ++j) {
      if (IsMissing(v[static_cast<size_t>(t - j)])) return false;
    }
    return true;
  };
  std::vector<std::ptrdiff_t> rows;
  for (std::ptrdiff_t t = long_order; t < n; ++t) {
    if (complete(t, long_order, w)) rows.push_back(t);
  }
  if (rows.size() < static_cast<size_t>(10 * long_order)) return std::nullopt;
  const auto at = [&](std::ptrdiff_t t) { return w[static_cast<size_t>(t)] - mean; };
  Eigen::MatrixXd x(static_cast<Eigen::Index>(rows.size()), long_order);
  Eigen::VectorXd y(static_cast<Eigen::Index>(rows.size()));
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    for (std::ptrdiff_t j = 0; j < long_order; ++j) x(row, j) = at(rows[r] - j - 1);
    y(row) = at(rows[r]);
  }
  const Eigen::VectorXd ar = x.colPivHouseholderQr().solve(y);
  std::vector<double> innovation(w.size(), kNaN);
  for (size_t r = 0; r < rows.size(); ++r) {
    innovation[static_cast<size_t>(rows[r])] =
        y(static_cast<Eigen::Index>(r)) - x.row(static_cast<Eigen::Index>(r)).dot(ar);
  }
  // Every candidate on the same rows, so their BICs compare.
  const std::ptrdiff_t lags = std::max(max_p, max_q);
  std::vector<std::ptrdiff_t> common;
  for (std::ptrdiff_t t : rows) {
    if (t >= long_order + lags && complete(t, lags, w) && complete(t - 1, lags - 1, innovation)) {
      common.push_back(t);
    }
  }
  if (common.size() < static_cast<size_t>(10 * long_order)) return std::nullopt;
  const double rows_used = static_cast<double>(common.size());
  std::optional<std::pair<int, int>> best;
  double best_bic = std::numeric_limits<double>::infinity();
  for (int p = 0; p <= max_p; ++p) {
    for (int q = 0; q <= max_q; ++q) {
      Eigen::MatrixXd z(static_cast<Eigen::Index>(common.size()), p + q);
      Eigen::VectorXd target(static_cast<Eigen::Index>(common.size()));
      for (size_t r = 0; r < common.size(); ++r) {
        const auto row = static_cast<Eigen::Index>(r);
        const std::ptrdiff_t t = common[r];
        for (int j = 0; j < p; ++j) z(row, j) = at(t - j - 1);
        for (int j = 0; j < q; ++j) z(row, p + j) = innovation[static_cast<size_t>(t - j - 1)];
        target(row) = at(t);
      }
      const double rss = p + q == 0
                             ? target.squaredNorm()
                             : (target - z * z.colPivHouseholderQr().solve(target)).squaredNorm();
      if (!(rss > 0)) continue;
      const double bic = rows_used * std::log(rss / rows_used) + (p + q) * std::log(rows_used);
      if (bic < best_bic) {
        best_bic = bic;
        best = std::pair{p, q};
      }
    }
  }
  return best;
}

// Seasonal strength (Wang, Smith & Hyndman 2006), max(0, 1 - Var(R) / Var(S + R)), from a
// classical decomposition: a centred moving-average trend (2 x m for even m), seasonal indices
// as phase means of the detrended series, remainder the rest. R uses MSTL here; the two agree
// on clearly seasonal and clearly non-seasonal data. Missing values are skipped.
double SeasonalStrength(const std::vector<double>& y, size_t m) {
  const size_t n = y.size();
  if (m < 2 || n < 2 * m + 1) return kNaN;
  const size_t half = m / 2;
  std::vector<double> detrended(n, kNaN);
  for (size_t t = half; t + half < n; ++t) {
    double sum = 0;
    if (m % 2 == 1) {
      for (size_t j = t - half; j <= t + half; ++j) sum += y[j];
    } else {
      sum = 0.5 * (y[t - half] + y[t + half]);
      for (size_t j = t - half + 1; j < t + half; ++j) sum += y[j];
    }
    // A gap in the window leaves no trend there (NaN propagates through the sum).
    detrended[t] = y[t] - sum / static_cast<double>(m);
  }
  std::vector<double> index(m, 0.0);
  std::vector<size_t> count(m, 0);
  for (size_t t = 0; t < n; ++t) {
    if (std::isnan(detrended[t])) continue;
    index[t % m] += detrended[t];
    ++count[t % m];
  }
  for (size_t j = 0; j < m; ++j) {
    if (count[j] == 0) return kNaN;
    index[j] /= static_cast<double>(count[j]);
  }
  const double centre = Mean(index);
  for (double& v : index) v -= centre;
  std::vector<double> remainder, season_plus_remainder;
  for (size_t t = 0; t < n; ++t) {
    if (std::isnan(detrended[t])) continue;
    remainder.push_back(detrended[t] - index[t % m]);
    season_plus_remainder.push_back(detrended[t]);
  }
  const auto variance = [](const std::vector<double>& v) {
    const double mean = Mean(v);
    double sum = 0;
    for (double x : v) sum += (x - mean) * (x - mean);
    return sum;
  };
  const double total = variance(season_plus_remainder);
  if (!(total > 0)) return 0.0;
  return std::clamp(1.0 - variance(remainder) / total, 0.0, 1.0);
}

// forecast::nsdiffs(test = "seas", max.D = 1).
int ChooseSeasonalD(const std::vector<double>& y, size_t m) {
  if (IsConstant(y) || m >= y.size()) return 0;
  const double strength = SeasonalStrength(y, m);
  return std::isfinite(strength) && strength > kSeasonalStrengthThreshold ? 1 : 0;
}

// auto.arima's offset that makes CSS information criteria comparable with exact ones: from the
// white-noise model of the differenced series, -2 logL - n log(sigma^2).
double CssOffset(const History& h, int d, int D, size_t m) {
  const std::vector<double> w = Present(Difference(h.y, d, D, m));
  if (w.empty()) return 0;
  const double mean = d + D == 0 ? Mean(w) : 0.0;
  double ssq = 0;
  for (double v : w) ssq += (v - mean) * (v - mean);
  const double n_used = static_cast<double>(w.size());
  const double sigma2 = ssq / n_used;
  if (!(sigma2 > 0)) return 0;
  const double minus_two_loglik = n_used * (std::log(2.0 * std::numbers::pi * sigma2) + 1.0);
  return minus_two_loglik - static_cast<double>(h.present) * std::log(sigma2);
}

// ---------------------------------------------------------------------------------------------
// The stepwise search of forecast::auto.arima (Hyndman & Khandakar 2008, with the package's
// later refinements), move for move.

struct SearchLimits {
  int max_p, max_q, max_P, max_Q;
};

class Search {
 public:
  Search(const History& h, Structure base, SearchLimits limits, bool approximation, double offset)
      : h_(h), base_(base), limits_(limits), approximation_(approximation), offset_(offset) {}

  FittedModel Run(bool allow_constant) {
    const bool seasonal = base_.m > 1;
    bool constant = allow_constant;
    int start_p = 2, start_q = 2, start_P = 1, start_Q = 1;
    if (h_.y.size() < 10) {
      start_p = start_q = 1;
      start_P = start_Q = 0;
    }
    int p = std::min(start_p, limits_.max_p), q = std::min(start_q, limits_.max_q);
    int P = std::min(start_P, limits_.max_P), Q = std::min(start_Q, limits_.max_Q);

    Try(p, q, P, Q, constant);
    if (Try(0, 0, 0, 0, constant)) p = q = P = Q = 0;
    if (limits_.max_p > 0 || limits_.max_P > 0) {
      const int ar = limits_.max_p > 0 ? 1 : 0;
      const int sar = seasonal && limits_.max_P > 0 ? 1 : 0;
      if (Try(ar, 0, sar, 0, constant)) {
        p = ar;
        P = sar;
        q = Q = 0;
      }
    }
    if (limits_.max_q > 0 || limits_.max_Q > 0) {
      const int ma = limits_.max_q > 0 ? 1 : 0;
      const int sma = seasonal && limits_.max_Q > 0 ? 1 : 0;
      if (Try(0, ma, 0, sma, constant)) {
        p = P = 0;
        q = ma;
        Q = sma;
      }
    }
    if (constant && Try(0, 0, 0, 0, false)) {
      p = q = P = Q = 0;
      constant = false;
    }

    // The neighbourhood in the order auto.arima visits it: seasonal moves first, then
    // non-seasonal ones, then the constant. After every improvement the walk restarts.
    struct Move {
      int dp, dq, dP, dQ;
    };
    static constexpr Move kMoves[] = {{0, 0, -1, 0},  {0, 0, 0, -1}, {0, 0, 1, 0},  {0, 0, 0, 1},
                                      {0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
                                      {-1, 0, 0, 0},  {0, -1, 0, 0}, {1, 0, 0, 0},  {0, 1, 0, 0},
                                      {-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0}};
    size_t pass_start = 0;
    while (pass_start < results_.size() && results_.size() < kMaxModels) {
      pass_start = results_.size();
      bool improved = false;
      for (const Move& mv : kMoves) {
        const int np = p + mv.dp, nq = q + mv.dq, nP = P + mv.dP, nQ = Q + mv.dQ;
        if (np < 0 || nq < 0 || nP < 0 || nQ < 0) continue;
        if (np > limits_.max_p || nq > limits_.max_q || nP > limits_.max_P || nQ > limits_.max_Q) {
          continue;
        }
        if (Seen(np, nq, nP, nQ, constant)) continue;
        if (results_.size() >= kMaxModels) break;
        if (Try(np, nq, nP, nQ, constant)) {
          p = np;
          q = nq;
          P = nP;
          Q = nQ;
          improved = true;
          break;
        }
      }
      if (improved || results_.size() >= kMaxModels) continue;
      if (allow_constant && !Seen(p, q, P, Q, !constant) && Try(p, q, P, Q, !constant)) {
        constant = !constant;
      }
    }
    return best_;
  }

  // After a CSS search: refit by maximum likelihood in order of the CSS criterion until one
  // model fits, as auto.arima does.
  FittedModel RefitExact(std::vector<std::string>* notes) const {
    std::vector<size_t> order(results_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [this](size_t a, size_t b) { return results_[a].ic < results_[b].ic; });
    for (size_t i : order) {
      const ArimaOrder& o = results_[i].order;
      const Structure s = Structure::Of(o);
      if (KalmanWork(h_, s) > kMaxKalmanWork) {
        if (!results_[i].ok || !std::isfinite(results_[i].ic)) continue;
        notes->push_back("arima: " + o.ToString() + " is too large for the exact likelihood " +
                         KalmanWorkDescription(h_, s) + ": kept its CSS estimates");
        return results_[i];
      }
      FittedModel fit = FitOrder(h_, FitRequest{.order = o, .method = Method::kCssMl});
      if (fit.ok && std::isfinite(fit.ic)) return fit;
    }
    return FittedModel{};
  }

 private:
  // Fits (p, q)(P, Q) with or without the constant and records it; true if it beat the best.
  bool Try(int p, int q, int P, int Q, bool constant) {
    const ArimaOrder order{.p = p,
                           .d = base_.d,
                           .q = q,
                           .P = P,
                           .D = base_.D,
                           .Q = Q,
                           .period = base_.m > 1 ? base_.m : 0,
                           .constant = constant};
    FittedModel fit =
        FitOrder(h_, FitRequest{.order = order,
                                .method = approximation_ ? Method::kCss : Method::kCssMl,
                                .offset = offset_});
    if (!fit.ok || std::isnan(fit.ic)) fit.ic = kInf;  // NaN would break the ordering below
    const bool better = fit.ic < best_.ic;
    results_.push_back(fit);
    if (better) best_ = std::move(fit);
    return better;
  }

  bool Seen(int p, int q, int P, int Q, bool constant) const {
    return std::any_of(results_.begin(), results_.end(), [&](const FittedModel& f) {
      const ArimaOrder& o = f.order;
      return o.p == p && o.q == q && o.P == P && o.Q == Q && o.constant == constant;
    });
  }

  const History& h_;
  Structure base_;
  SearchLimits limits_;
  bool approximation_;
  double offset_;
  std::vector<FittedModel> results_;
  FittedModel best_;
};

// Runs the filter with the final coefficients: the predicted state for the first step after
// the history, which forecasts start from.
bool BuildForecastState(const History& h, const FittedModel& fit, const Structure& s,
                        KalmanModel* model, std::vector<double>* next) {
  const size_t n = h.y.size();
  std::vector<double> adjusted(n);
  for (size_t t = 0; t < n; ++t) {
    adjusted[t] = h.y[t] - (fit.order.constant ? fit.beta * Regressor(s, t) : 0.0);
  }
  *model = MakeKalmanModel(s, fit.arma, /*with_differences=*/true);
  KalmanWorkspace ws;
  const size_t k = model->delta.size();
  const auto ignore = [](size_t, double, double) {};
  if (!h.has_missing && n >= k) {
    // Filter the differenced series (a smaller state, the fast recursions) and append the
    // known past values: for a fully observed series the differencing states of step n are
    // exactly y_{n-1}, ..., y_{n-k}.
    KalmanModel arma = *model;
    arma.delta.clear();
    std::vector<double> state;
    if (!RunKalman(Difference(adjusted, s.d, s.D, s.m), arma, ws, ignore, &state)) return false;
    next->assign(model->r + k, 0.0);
    std::copy(state.begin(), state.end(), next->begin());
    for (size_t j = 0; j < k; ++j) (*next)[model->r + j] = adjusted[n - 1 - j];
    return true;
  }
  return RunKalman(adjusted, *model, ws, ignore, next);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string ArimaOrder::ToString() const {
  std::string s =
      "arima(" + std::to_string(p) + "," + std::to_string(d) + "," + std::to_string(q) + ")";
  if (period > 1 && P + D + Q > 0) {
    s += "(" + std::to_string(P) + "," + std::to_string(D) + "," + std::to_string(Q) + ")[" +
         std::to_string(period) + "]";
  }
  if (constant) s += "+c";
  return s;
}

struct ArimaForecaster::State {
  FittedModel fit;
  Structure structure;
  // Forecasting: the predicted state for the first step after the history (ARMA block, then
  // the last k values of the constant-adjusted series) and the transition that moves it.
  KalmanModel model;
  std::vector<double> next;
  size_t n = 0;  // steps in the history after trimming leading gaps
  std::vector<double> coefficients;
  History history;  // what the forecasting state was filtered from, for Update()
};

ArimaForecaster::ArimaForecaster(ArimaOptions options) : options_(std::move(options)) {}
ArimaForecaster::~ArimaForecaster() = default;

std::string ArimaForecaster::Name() const {
  return state_ ? state_->fit.order.ToString() : std::string("arima");
}

double ArimaForecaster::Aicc() const {
  if (!state_ || state_->fit.degenerate) return kNaN;
  return state_->fit.aicc;
}

const ArimaOrder& ArimaForecaster::order() const {
  static const ArimaOrder kNone;
  return state_ ? state_->fit.order : kNone;
}

const std::vector<double>& ArimaForecaster::coefficients() const {
  static const std::vector<double> kNone;
  return state_ ? state_->coefficients : kNone;
}

double ArimaForecaster::sigma2() const { return state_ ? state_->fit.sigma2 : kNaN; }

double ArimaForecaster::log_likelihood() const { return state_ ? state_->fit.loglik : kNaN; }

Result<void> ArimaForecaster::DoFit() {
  state_.reset();
  // Leading gaps carry nothing; trailing ones stay (the filter predicts through them).
  size_t first = 0;
  while (first < history_.values.size() && IsMissing(history_.values[first])) ++first;
  History h;
  h.y.assign(history_.values.begin() + static_cast<std::ptrdiff_t>(first), history_.values.end());
  for (double v : h.y) {
    if (IsMissing(v)) {
      h.has_missing = true;
    } else {
      ++h.present;
    }
  }
  h.use_aic = h.present <= 3;

  // The season: the shortest one this model takes.
  size_t m = 1;
  bool any_too_long = false;
  for (size_t season : context_.seasons) {
    if (season >= 2 && season <= options_.max_period) {
      m = season;
      break;
    }
    any_too_long |= season > options_.max_period;
  }
  if (m == 1 && any_too_long) {
    Note("arima: seasons longer than max_period (" + std::to_string(options_.max_period) +
         " steps) are not modelled: fitted non-seasonal");
  }

  FittedModel chosen;
  const Method method = options_.exact_likelihood ? Method::kCssMl : Method::kCss;
  auto fixed_fit = [&h, method](ArimaOrder order, std::optional<double> beta) {
    return FitOrder(
        h,
        FitRequest{
            .order = order, .method = method, .fixed_beta = beta, .reject_near_unit_roots = false});
  };

  if (options_.order) {
    ArimaOrder order = *options_.order;
    if (order.period <= 1 && order.P + order.D + order.Q > 0) {
      order.period = m;
      if (m == 1) {
        Note("arima: no season <= max_period for the seasonal part of " + order.ToString() +
             ": dropped it");
        order.P = order.D = order.Q = 0;
      }
    }
    if (order.period <= 1) order.period = 0;
    if (order.constant && order.d + order.D > 1) {
      // Differenced twice, a constant or drift vanishes from the model (R ignores it too).
      Note("arima: a constant is not identifiable with d + D > 1: dropped it from " +
           order.ToString());
      order.constant = false;
    }
    const Structure s = Structure::Of(order);
    const bool exact = options_.exact_likelihood && KalmanWork(h, s) <= kMaxKalmanWork;
    if (h.present > s.Differences() + s.NumArma() + 1) {
      chosen = FitOrder(h, FitRequest{.order = order,
                                      .method = exact ? Method::kCssMl : Method::kCss,
                                      .reject_near_unit_roots = false});
      if (chosen.ok && !exact && options_.exact_likelihood) {
        Note("arima: " + order.ToString() + " is too large for the exact likelihood " +
             KalmanWorkDescription(h, s) + ": estimated by CSS");
      }
    }
    if (!chosen.ok) {
      Note("arima: " + order.ToString() +
           " could not be fitted (too short, or a non-stationary start): order chosen "
           "automatically instead");
    }
  }

  if (!chosen.ok && h.present < kMinObservations) {
    // Too short to choose anything: carry the last value forward.
    const ArimaOrder rw{.d = h.present >= 2 ? 1 : 0, .constant = h.present < 2};
    std::optional<double> beta;
    if (h.present < 2) beta = Present(h.y).back();
    chosen = fixed_fit(rw, beta);
    if (!chosen.ok) chosen = fixed_fit(ArimaOrder{.constant = true}, Present(h.y).back());
    Note("arima: " + std::to_string(h.present) +
         " observations are too few for order selection "
         "(it needs " +
         std::to_string(kMinObservations) + "): fell back to " + chosen.order.ToString() +
         ", the last value carried forward");
  }

  if (!chosen.ok && IsConstant(h.y)) {
    chosen = fixed_fit(ArimaOrder{.constant = true}, Present(h.y).front());
  }

  if (!chosen.ok) {
    // forecast::auto.arima.
    const size_t n = h.y.size();
    const auto third = static_cast<int>(h.present / 3);
    const auto third_seasons = static_cast<int>(h.present / 3 / m);
    SearchLimits limits{.max_p = std::min(options_.max_p, third),
                        .max_q = std::min(options_.max_q, third),
                        .max_P = std::min(options_.max_P, third_seasons),
                        .max_Q = std::min(options_.max_Q, third_seasons)};
    int D = 0;
    if (m == 1) {
      limits.max_P = limits.max_Q = 0;
    } else if (n <= 2 * m) {
      Note("arima: the history holds fewer than two full seasons of " + std::to_string(m) +
           " steps: no seasonal differencing");
    } else {
      D = ChooseSeasonalD(h.y, m);
      if (D > 0 && Present(Difference(h.y, 0, D, m)).empty()) D = 0;
    }
    const std::vector<double> seasonally_differenced = Difference(h.y, 0, D, m);
    int d = ChooseD(Present(seasonally_differenced), 2);
    if (d > 0 && Present(Difference(seasonally_differenced, d, 0, 1)).empty()) --d;
    const std::vector<double> differenced = Difference(seasonally_differenced, d, 0, 1);
    const std::vector<double> dx = Present(differenced);
    const size_t period = m > 1 ? m : 0;
    std::optional<std::pair<int, int>> order_from_regressions;

    if (dx.empty()) {
      const ArimaOrder rw{.d = 1};
      chosen = fixed_fit(rw, std::nullopt);
      Note("arima: nothing is left after differencing: fell back to " + rw.ToString());
    } else if (IsConstant(dx)) {
      // The differenced series is constant: a deterministic model (auto.arima's cases).
      const double mean = Mean(dx);
      if (D > 0 && d == 0) {
        chosen = fixed_fit(ArimaOrder{.D = D, .period = period, .constant = true},
                           mean / static_cast<double>(m));
      } else if (D > 0) {
        chosen = fixed_fit(ArimaOrder{.d = d, .D = D, .period = period}, std::nullopt);
      } else if (d == 2) {
        chosen = fixed_fit(ArimaOrder{.d = 2}, std::nullopt);
      } else {
        chosen = fixed_fit(ArimaOrder{.d = d, .constant = true}, mean);
      }
    } else if (options_.search == OrderSearch::kHannanRissanen && m == 1 &&
               (order_from_regressions =
                    HannanRissanenOrder(differenced, limits.max_p, limits.max_q))) {
      const ArimaOrder order{.p = order_from_regressions->first,
                             .d = d,
                             .q = order_from_regressions->second,
                             .constant = d == 0};
      chosen = fixed_fit(order, std::nullopt);
      if (!chosen.ok) {
        const ArimaOrder fallback{.d = d, .q = d > 0 ? 1 : 0, .constant = d == 0};
        chosen = fixed_fit(fallback, std::nullopt);
        Note("arima: the Hannan-Rissanen order " + order.ToString() +
             " could not be fitted: fell back to " + fallback.ToString());
      }
    } else {
      if (options_.search == OrderSearch::kHannanRissanen && m == 1) {
        Note("arima: the Hannan-Rissanen regressions could not be solved: stepwise search instead");
      }
      if (m > 1) {
        if (limits.max_P > 0) limits.max_p = std::min(limits.max_p, static_cast<int>(m) - 1);
        if (limits.max_Q > 0) limits.max_q = std::min(limits.max_q, static_cast<int>(m) - 1);
      }
      // auto.arima's default: approximate (CSS) search for long or finely seasonal series.
      const bool approximation = n > 150 || m > 12;
      const double offset = approximation ? CssOffset(h, d, D, m) : 0.0;
      Search search(h, Structure{.d = d, .D = D, .m = m}, limits, approximation, offset);
      FittedModel best = search.Run(/*allow_constant=*/d + D <= 1);
      if (approximation && options_.exact_likelihood) {
        std::vector<std::string> notes;
        best = search.RefitExact(&notes);
        for (auto& note : notes) Note(std::move(note));
      }
      if (best.ok && std::isfinite(best.ic)) {
        chosen = std::move(best);
      } else {
        const ArimaOrder fallback{.d = d, .D = D, .period = period};
        chosen = fixed_fit(fallback, std::nullopt);
        Note("arima: no candidate model could be fitted: fell back to " + fallback.ToString());
      }
    }
  }

  if (!chosen.ok) {
    return Fail(ErrorCode::kInternal, "arima: even the fallback model could not be fitted");
  }
  auto state = std::make_unique<State>();
  state->structure = Structure::Of(chosen.order);
  state->n = h.y.size();
  if (!BuildForecastState(h, chosen, state->structure, &state->model, &state->next)) {
    return Fail(ErrorCode::kInternal,
                "arima: the Kalman filter failed for " + chosen.order.ToString());
  }
  state->coefficients = chosen.arma;
  if (chosen.order.constant) state->coefficients.push_back(chosen.beta);
  state->fit = std::move(chosen);
  state->history = std::move(h);
  state_ = std::move(state);
  return {};
}

Result<void> ArimaForecaster::Update(double value) { return Extend({&value, 1}); }

Result<void> ArimaForecaster::Extend(std::span<const double> values) {
  for (double value : values) {
    if (std::isinf(value)) {
      return Fail(ErrorCode::kInvalidArgument, "arima: Update() with an infinite value");
    }
  }
  if (!state_) {  // not fitted: the base appends and fits
    for (double value : values) {
      if (auto ok = Forecaster::Update(value); !ok) return ok;
    }
    return {};
  }
  History& h = state_->history;
  for (double value : values) {
    history_.values.push_back(value);
    h.y.push_back(value);
    if (IsMissing(value)) {
      h.has_missing = true;
    } else {
      ++h.present;
    }
  }
  state_->n = h.y.size();
  if (!BuildForecastState(h, state_->fit, state_->structure, &state_->model, &state_->next)) {
    // Cannot happen with coefficients that filtered the shorter history; refit to be safe.
    const Series extended = history_;
    const FitContext context = context_;
    return Fit(extended, context);
  }
  return {};
}

Result<std::vector<double>> ArimaForecaster::Predict(size_t horizon) const {
  if (!state_) return Fail(ErrorCode::kInvalidArgument, "arima: Predict() before Fit()");
  const KalmanModel& model = state_->model;
  const size_t r = model.r, k = model.delta.size(), p = model.phi.size();
  std::vector<double> a = state_->next, moved(r + k);
  std::vector<double> out(horizon);
  for (size_t step = 0; step < horizon; ++step) {
    double adjusted = a[0];  // the forecast of the series less its mean or drift
    for (size_t j = 0; j < k; ++j) adjusted += model.delta[j] * a[r + j];
    double value = adjusted;
    if (state_->fit.order.constant) {
      value += state_->fit.beta * Regressor(state_->structure, state_->n + step);
    }
    if (!std::isfinite(value)) {
      return Fail(ErrorCode::kInternal,
                  "arima: non-finite forecast at step " + std::to_string(step + 1));
    }
    out[step] = value;
    // a <- T a: the ARMA block shifts and feeds back through phi; the newest lag is the value
    // just forecast.
    for (size_t i = 0; i < r; ++i) {
      moved[i] = (i + 1 < r ? a[i + 1] : 0.0) + (i < p ? model.phi[i] * a[0] : 0.0);
    }
    if (k > 0) {
      for (size_t j = k - 1; j >= 1; --j) moved[r + j] = a[r + j - 1];
      moved[r] = adjusted;
    }
    a.swap(moved);
  }
  return out;
}

}  // namespace forescale::forecast
