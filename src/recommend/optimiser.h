// Bayesian optimisation of an expensive, deterministic objective over a box of discrete knobs:
// the search `recommend` runs over the simulator, where one evaluation is one simulation.
//
// Each dimension is a grid of `levels` values over [0, 1] (a knob's range and resolution,
// normalised). The search spends its budget in three phases:
//   1. design: the given start points (e.g. the user's current setting), then the ends and middle
//      of every range (3-level factorial) when the budget affords it, else a Latin hypercube;
//   2. model: a Gaussian process (Matern 5/2, a length scale per dimension and the noise by the
//      marginal likelihood over a small grid; on log objective values, which are costs, capped
//      at their median so that the size of a penalty cliff does not shape the model) proposes
//      the points of highest expected improvement, `batch` at a time (kriging believer:
//      the points of one batch assume each other's predicted value), so a batch can be
//      evaluated in parallel;
//   3. polish: compass search around the best point (a step along each dimension, from an
//      eighth of the range down to one grid step), which a model of a cost with cliffs (SLO
//      penalties) misses;
// then the model again with what is left.
// A point is never evaluated twice. Deterministic for a given seed.
//
// Limits: with a small budget, an optimum on a narrow ridge across the knobs (where raising
// one knob is good only if another rises ten times as much) is often approached, not reached;
// optimiser_test measures the search against a coarse grid on smooth, cornered and rippled
// functions, and `recommend` reports both numbers on the real traces (bench/recommend).
//
//   auto r = Minimise({.levels = {61, 121, 5}, .budget = 30, .batch = 2},
//                     [&](const std::vector<Point>& xs) { return Simulate(xs); });
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace forescale::recommend {

// Grid indices, one per dimension (0 .. levels - 1).
using Point = std::vector<int>;

struct OptimiserOptions {
  std::vector<int> levels;         // grid size per dimension (>= 2 each; 1 pins a dimension)
  int budget = 30;                 // evaluations in all
  int batch = 1;                   // points evaluated together (parallel objective)
  std::vector<Point> start;        // evaluated first (the current setting, say)
  uint64_t seed = 1;
  double polish_share = 0.35;      // of the budget kept for the pattern search
};

struct Evaluation {
  Point point;
  double value = 0;
  int phase = 0;  // 0 design, 1 model, 2 polish
};

struct OptimiserResult {
  std::vector<Evaluation> evaluations;  // in order
  size_t best = 0;                      // index into evaluations
};

// `objective` gets points to evaluate (at most `batch`) and returns one value each; smaller is
// better; values must be > 0 and finite (costs). Stops at the budget or when the grid is used up.
OptimiserResult Minimise(const OptimiserOptions& options,
                         const std::function<std::vector<double>(const std::vector<Point>&)>& objective);

}  // namespace forescale::recommend
