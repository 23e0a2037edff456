#include "recommend/optimiser.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::recommend {
namespace {

// Values of a function of normalised coordinates on a 41^3 grid.
using Fn = double (*)(double, double, double);

double Bowl(double a, double b, double c) {
  return 1 + 3 * (a - 0.62) * (a - 0.62) + (b - 0.31) * (b - 0.31) + 0.5 * (c - 0.87) * (c - 0.87);
}
// Best at a corner of the box, as "min replicas as low as allowed" often is.
double Corner(double a, double b, double c) { return 1 + a + 0.5 * b * b + 2 * (1 - c); }
// Ripples over a slope: several local minima.
double Ripples(double a, double b, double c) {
  return 3 + std::sin(9 * a) + std::cos(7 * b) + 0.5 * std::sin(5 * c + 1) + a;
}

double At(Fn f, const Point& p) { return f(p[0] / 40.0, p[1] / 40.0, p[2] / 40.0); }

// The best point of a coarse grid of 5 levels per dimension (125 evaluations).
double CoarseGridBest(Fn f) {
  double best = 1e300;
  for (int i = 0; i <= 40; i += 10)
    for (int j = 0; j <= 40; j += 10)
      for (int k = 0; k <= 40; k += 10) best = std::min(best, At(f, {i, j, k}));
  return best;
}

class AgainstTheCoarseGrid : public ::testing::TestWithParam<Fn> {};

TEST_P(AgainstTheCoarseGrid, MatchesItsBestWithAQuarterOfTheEvaluations) {
  const Fn f = GetParam();
  int calls = 0;
  const OptimiserResult r = Minimise(
      {.levels = {41, 41, 41}, .budget = 125 / 4, .batch = 2, .start = {{20, 20, 20}}, .seed = 3},
      [&](const std::vector<Point>& xs) {
        std::vector<double> out;
        for (const Point& p : xs) out.push_back(At(f, p));
        calls += static_cast<int>(xs.size());
        return out;
      });
  EXPECT_LE(calls, 31);
  ASSERT_EQ(r.evaluations.size(), static_cast<size_t>(calls));
  EXPECT_LE(r.evaluations[r.best].value, CoarseGridBest(f) + 1e-12);
  EXPECT_EQ(r.evaluations.front().point, (Point{20, 20, 20}));  // the start point goes first
}

INSTANTIATE_TEST_SUITE_P(Functions, AgainstTheCoarseGrid,
                         ::testing::Values(&Bowl, &Corner, &Ripples));

TEST(Minimise, NeverEvaluatesAPointTwiceAndStopsWhenTheGridIsUsedUp) {
  std::vector<Point> seen;
  const OptimiserResult r = Minimise({.levels = {3, 2}, .budget = 50}, [&](const std::vector<Point>& xs) {
    std::vector<double> out;
    for (const Point& p : xs) {
      EXPECT_EQ(std::count(seen.begin(), seen.end(), p), 0);
      seen.push_back(p);
      out.push_back(1.0 + p[0] + 2 * p[1]);
    }
    return out;
  });
  EXPECT_EQ(r.evaluations.size(), 6u);
  EXPECT_EQ(r.evaluations[r.best].point, (Point{0, 0}));
}

TEST(Minimise, IsDeterministicForASeed) {
  auto run = [] {
    return Minimise({.levels = {30, 30}, .budget = 15, .seed = 9}, [](const std::vector<Point>& xs) {
      std::vector<double> out;
      for (const Point& p : xs) out.push_back(Bowl(p[0] / 29.0, p[1] / 29.0, 0.5));
      return out;
    });
  };
  const OptimiserResult a = run(), b = run();
  ASSERT_EQ(a.evaluations.size(), b.evaluations.size());
  for (size_t i = 0; i < a.evaluations.size(); ++i) EXPECT_EQ(a.evaluations[i].point, b.evaluations[i].point);
}

}  // namespace
}  // namespace forescale::recommend
