#include "recommend/optimiser.h"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

namespace forescale::recommend {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<double> Normalise(const Point& p, const std::vector<int>& levels) {
  std::vector<double> x(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    x[i] = levels[i] > 1 ? static_cast<double>(p[i]) / (levels[i] - 1) : 0.0;
  }
  return x;
}

// Matern 5/2 of the distance scaled per dimension (automatic relevance determination).
double Matern52(const std::vector<double>& a, const std::vector<double>& b,
                const std::vector<double>& lengths) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = (a[i] - b[i]) / lengths[i];
    s += d * d;
  }
  const double r = std::sqrt(5.0 * s);
  return (1 + r + r * r / 3) * std::exp(-r);
}

// A zero-mean GP on standardised targets.
class Gp {
 public:
  // Chooses length scale and noise by the log marginal likelihood.
  void Fit(std::vector<std::vector<double>> x, std::vector<double> y) {
    x_ = std::move(x);
    const double n = static_cast<double>(y.size());
    mean_ = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double var = 0;
    for (double v : y) var += (v - mean_) * (v - mean_);
    scale_ = std::sqrt(var / n);
    if (!(scale_ > 1e-12)) scale_ = 1;
    y_.resize(static_cast<Eigen::Index>(y.size()));
    for (size_t i = 0; i < y.size(); ++i) y_(static_cast<Eigen::Index>(i)) = (y[i] - mean_) / scale_;
    // One length scale for all dimensions first, then each dimension's own, by coordinate
    // ascent of the marginal likelihood over a grid of values.
    const size_t d = x_.empty() ? 0 : x_[0].size();
    constexpr double kLengths[] = {0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 4.0};
    double best = -1e300;
    for (double length : kLengths) {
      for (double noise : {1e-6, 1e-4, 1e-2, 1e-1}) {
        const double lml = Factor(std::vector<double>(d, length), noise);
        if (lml > best) {
          best = lml;
          lengths_.assign(d, length);
          noise_ = noise;
        }
      }
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < d; ++i) {
        for (double length : kLengths) {
          std::vector<double> trial = lengths_;
          trial[i] = length;
          const double lml = Factor(trial, noise_);
          if (lml > best + 1e-9) {
            best = lml;
            lengths_ = trial;
          }
        }
      }
    }
    Factor(lengths_, noise_);
  }

  // Adds a point without choosing the hyperparameters again (a batch's believed values).
  void Add(const std::vector<double>& x, double y) {
    x_.push_back(x);
    y_.conservativeResize(y_.size() + 1);
    y_(y_.size() - 1) = (y - mean_) / scale_;
    Factor(lengths_, noise_);
  }

  // Mean and standard deviation, in the caller's units.
  std::pair<double, double> Predict(const std::vector<double>& x) const {
    const auto n = static_cast<Eigen::Index>(x_.size());
    Eigen::VectorXd k(n);
    for (Eigen::Index i = 0; i < n; ++i) k(i) = Matern52(x, x_[static_cast<size_t>(i)], lengths_);
    const double mu = k.dot(alpha_);
    const Eigen::VectorXd v = llt_.matrixL().solve(k);
    const double var = std::max(1e-12, 1.0 + noise_ - v.squaredNorm());
    return {mean_ + scale_ * mu, scale_ * std::sqrt(var)};
  }

 private:
  double Factor(const std::vector<double>& lengths, double noise) {
    const auto n = static_cast<Eigen::Index>(x_.size());
    Eigen::MatrixXd k(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j <= i; ++j) {
        const double v = Matern52(x_[static_cast<size_t>(i)], x_[static_cast<size_t>(j)], lengths);
        k(i, j) = v;
        k(j, i) = v;
      }
      k(i, i) += noise;
    }
    llt_.compute(k);
    if (llt_.info() != Eigen::Success) return -1e300;
    alpha_ = llt_.solve(y_);
    double log_det = 0;
    for (Eigen::Index i = 0; i < n; ++i) log_det += std::log(llt_.matrixL()(i, i));
    return -0.5 * y_.dot(alpha_) - log_det - 0.5 * static_cast<double>(n) * std::log(2 * kPi);
  }

  std::vector<std::vector<double>> x_;
  Eigen::VectorXd y_, alpha_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  std::vector<double> lengths_;
  double mean_ = 0, scale_ = 1, noise_ = 1e-4;
};

double ExpectedImprovement(double mu, double sigma, double best) {
  const double xi = 0.01 * std::max(1.0, std::fabs(best));
  const double gain = best - mu - xi;
  const double z = gain / sigma;
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * kPi);
  return gain * cdf + sigma * pdf;
}

class Search {
 public:
  Search(const OptimiserOptions& o,
         const std::function<std::vector<double>(const std::vector<Point>&)>& objective)
      : o_(o), objective_(objective), rng_(o.seed) {
    grid_size_ = 1;
    for (int l : o.levels) grid_size_ *= std::max(1, l);
  }

  OptimiserResult Run() {
    const int d = static_cast<int>(o_.levels.size());
    const int polish = static_cast<int>(std::floor(o_.budget * o_.polish_share));
    const int design = std::min(o_.budget, std::max(d + 1, static_cast<int>(std::lround(0.3 * o_.budget))));
    std::vector<Point> first;
    for (const Point& p : o_.start) {
      if (Valid(p) && !Seen(p, first)) first.push_back(p);
    }
    // Few dimensions: the ends and the middle of every range (a 3-level factorial) when the
    // budget affords it; they are where a coarse grid looks, and a cost often bottoms out at a
    // bound. Otherwise a Latin hypercube.
    const double factorial = std::pow(3.0, d);
    if (factorial <= std::max(static_cast<double>(design), 0.5 * o_.budget)) {
      for (const Point& p : Factorial()) {
        if (!Seen(p, first)) first.push_back(p);
      }
    } else {
      for (const Point& p : LatinHypercube(std::max(0, design - static_cast<int>(first.size())))) {
        if (!Seen(p, first)) first.push_back(p);
      }
    }
    Evaluate(first, 0);
    while (Left() > polish && Left() > 0 && !Exhausted()) {
      if (!ModelStep()) break;
    }
    Polish();
    while (Left() > 0 && !Exhausted()) {
      if (!ModelStep()) break;
    }
    return result_;
  }

 private:
  int Left() const { return o_.budget - static_cast<int>(result_.evaluations.size()); }
  bool Exhausted() const { return static_cast<double>(seen_.size()) >= grid_size_; }

  bool Valid(const Point& p) const {
    if (p.size() != o_.levels.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] < 0 || p[i] >= std::max(1, o_.levels[i])) return false;
    }
    return true;
  }
  static bool Seen(const Point& p, const std::vector<Point>& list) {
    return std::find(list.begin(), list.end(), p) != list.end();
  }

  std::vector<Point> Factorial() const {
    std::vector<Point> all(1, Point{});
    for (int levels : o_.levels) {
      std::vector<int> axis = {0};
      if (levels > 2) axis.push_back((levels - 1) / 2);
      if (levels > 1) axis.push_back(levels - 1);
      std::vector<Point> next;
      for (const Point& p : all) {
        for (int v : axis) {
          Point q = p;
          q.push_back(v);
          next.push_back(std::move(q));
        }
      }
      all = std::move(next);
    }
    return all;
  }

  std::vector<Point> LatinHypercube(int n) {
    std::vector<Point> points(static_cast<size_t>(n), Point(o_.levels.size()));
    for (size_t dim = 0; dim < o_.levels.size(); ++dim) {
      std::vector<int> strata(static_cast<size_t>(n));
      std::iota(strata.begin(), strata.end(), 0);
      std::shuffle(strata.begin(), strata.end(), rng_);
      std::uniform_real_distribution<double> u(0, 1);
      for (int k = 0; k < n; ++k) {
        const double x = (strata[static_cast<size_t>(k)] + u(rng_)) / n;
        const int levels = std::max(1, o_.levels[dim]);
        points[static_cast<size_t>(k)][dim] = std::min(levels - 1, static_cast<int>(x * levels));
      }
    }
    return points;
  }

  // Evaluates what is new in `points`, at most the budget, `batch` at a time.
  void Evaluate(const std::vector<Point>& points, int phase) {
    std::vector<Point> todo;
    for (const Point& p : points) {
      if (!seen_.count(p) && !Seen(p, todo)) todo.push_back(p);
    }
    todo.resize(std::min(todo.size(), static_cast<size_t>(std::max(0, Left()))));
    const size_t batch = static_cast<size_t>(std::max(1, o_.batch));
    for (size_t start = 0; start < todo.size(); start += batch) {
      std::vector<Point> chunk(todo.begin() + static_cast<std::ptrdiff_t>(start),
                               todo.begin() + static_cast<std::ptrdiff_t>(std::min(todo.size(), start + batch)));
      const std::vector<double> values = objective_(chunk);
      for (size_t k = 0; k < chunk.size(); ++k) {
        seen_.insert(chunk[k]);
        result_.evaluations.push_back({chunk[k], values[k], phase});
        if (result_.evaluations.size() == 1 ||
            values[k] < result_.evaluations[result_.best].value) {
          result_.best = result_.evaluations.size() - 1;
        }
      }
    }
  }

  Point RandomPoint() {
    Point p(o_.levels.size());
    for (size_t i = 0; i < p.size(); ++i) {
      p[i] = std::uniform_int_distribution<int>(0, std::max(1, o_.levels[i]) - 1)(rng_);
    }
    return p;
  }

  // Candidates: random grid points, and neighbours of the best points so far.
  std::vector<Point> Candidates() {
    std::vector<Point> out;
    for (int k = 0; k < 2048; ++k) out.push_back(RandomPoint());
    std::vector<size_t> order(result_.evaluations.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return result_.evaluations[a].value < result_.evaluations[b].value;
    });
    for (size_t r = 0; r < std::min<size_t>(5, order.size()); ++r) {
      const Point& base = result_.evaluations[order[r]].point;
      for (int k = 0; k < 512; ++k) {
        Point p = base;
        const int divisor = k % 2 == 0 ? 4 : 16;  // wide and narrow moves
        for (size_t i = 0; i < p.size(); ++i) {
          if (std::uniform_int_distribution<int>(0, 1)(rng_) == 0) continue;
          const int span = std::max(1, std::max(1, o_.levels[i]) / divisor);
          p[i] = std::clamp(p[i] + std::uniform_int_distribution<int>(-span, span)(rng_), 0,
                            std::max(1, o_.levels[i]) - 1);
        }
        out.push_back(p);
      }
    }
    return out;
  }

  // The model of everything evaluated so far, and its best (log, capped) value.
  Gp FitModel(double* best_out = nullptr) const {
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    double best = 1e300;
    for (const Evaluation& e : result_.evaluations) {
      x.push_back(Normalise(e.point, o_.levels));
      y.push_back(std::log(std::max(e.value, 1e-300)));
      best = std::min(best, y.back());
    }
    // How bad the bad points are does not matter, only where the good ones are: values above
    // the median are capped at it, so that a cliff (an SLO penalty) does not bend the model
    // everywhere else.
    std::vector<double> sorted = y;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double cap = sorted[sorted.size() / 2];
    for (double& v : y) v = std::min(v, cap);
    Gp gp;
    gp.Fit(x, y);
    if (best_out) *best_out = best;
    return gp;
  }

  bool ModelStep() {
    double best = 0;
    Gp gp = FitModel(&best);
    const std::vector<Point> candidates = Candidates();
    std::vector<Point> chosen;
    const int batch = std::min(std::max(1, o_.batch), Left());
    for (int b = 0; b < batch; ++b) {
      double best_ei = -1;
      const Point* pick = nullptr;
      double pick_mu = 0;
      for (const Point& c : candidates) {
        if (seen_.count(c) || Seen(c, chosen)) continue;
        const auto [mu, sigma] = gp.Predict(Normalise(c, o_.levels));
        const double ei = ExpectedImprovement(mu, sigma, best);
        if (ei > best_ei) {
          best_ei = ei;
          pick = &c;
          pick_mu = mu;
        }
      }
      if (!pick) break;
      chosen.push_back(*pick);
      gp.Add(Normalise(*pick, o_.levels), pick_mu);
    }
    if (chosen.empty()) return false;
    Evaluate(chosen, 1);
    return true;
  }

  // Compass search around the incumbent: its neighbours a step away along each dimension,
  // polled a batch at a time and recentred on the first improvement; the step starts at an
  // eighth of the range and halves whenever no neighbour is better, down to one grid step.
  void Polish() {
    int max_levels = 1;
    for (int l : o_.levels) max_levels = std::max(max_levels, l);
    double fraction = 1.0 / 8;
    while (Left() > 0) {
      const Point centre = result_.evaluations[result_.best].point;
      const double before = result_.evaluations[result_.best].value;
      std::vector<Point> around;
      auto add = [&](const Point& p) {
        if (p != centre && !seen_.count(p) && !Seen(p, around)) around.push_back(p);
      };
      std::vector<int> steps(centre.size());
      for (size_t i = 0; i < centre.size(); ++i) {
        steps[i] = std::max(1, static_cast<int>(std::lround(fraction * (o_.levels[i] - 1))));
      }
      auto moved = [&](Point p, size_t i, int sign) {
        p[i] = std::clamp(p[i] + sign * steps[i], 0, std::max(1, o_.levels[i]) - 1);
        return p;
      };
      // Along each axis, and along the diagonals of each pair of axes (optima of costs with
      // penalty cliffs lie on ridges that no single knob follows).
      for (size_t i = 0; i < centre.size(); ++i) {
        for (int si : {-1, 1}) {
          add(moved(centre, i, si));
          for (size_t j = i + 1; j < centre.size(); ++j) {
            for (int sj : {-1, 1}) add(moved(moved(centre, i, si), j, sj));
          }
        }
      }
      // Poll the most promising first, as the model sees them.
      const Gp gp = FitModel();
      std::vector<std::pair<double, Point>> ranked;
      for (const Point& p : around) ranked.push_back({gp.Predict(Normalise(p, o_.levels)).first, p});
      std::stable_sort(ranked.begin(), ranked.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      for (size_t k = 0; k < ranked.size(); ++k) around[k] = ranked[k].second;
      bool improved = false;
      const size_t batch = static_cast<size_t>(std::max(1, o_.batch));
      for (size_t k = 0; k < around.size() && Left() > 0 && !improved; k += batch) {
        Evaluate({around.begin() + static_cast<std::ptrdiff_t>(k),
                  around.begin() + static_cast<std::ptrdiff_t>(std::min(around.size(), k + batch))},
                 2);
        improved = result_.evaluations[result_.best].value < before;
      }
      if (improved) continue;
      if (fraction * (max_levels - 1) <= 1) return;  // every neighbour one step away is worse
      fraction /= 2;
    }
  }

  const OptimiserOptions& o_;
  const std::function<std::vector<double>(const std::vector<Point>&)>& objective_;
  std::mt19937_64 rng_;
  double grid_size_ = 1;
  std::set<Point> seen_;
  OptimiserResult result_;
};

}  // namespace

OptimiserResult Minimise(const OptimiserOptions& options,
                         const std::function<std::vector<double>(const std::vector<Point>&)>& objective) {
  if (options.levels.empty() || options.budget <= 0) return {};
  return Search(options, objective).Run();
}

}  // namespace forescale::recommend
