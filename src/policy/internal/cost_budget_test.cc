#include "policy/internal/cost_budget.h"

#include <gtest/gtest.h>

#include <cmath>

namespace forescale::policy::internal {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::hours(24 * 20000)};
// The example service: 50 rps per replica at 100 % CPU, sized for 60 %: 30 rps per replica.
constexpr double kCapacity = 50;
constexpr double kTarget = 0.6;

TEST(CostBudget, AnUnbindingBudgetLeavesTheQuantileAlone) {
  CostBudget budget(1.0, 0.95, kTarget, 2min);
  for (int i = 0; i < 4 * 60 * 24; ++i) budget.Spend(kStart + i * 15s, 8, 300, kCapacity);
  EXPECT_DOUBLE_EQ(budget.quantile(), 0.95);
  EXPECT_NEAR(budget.spent(), 0.8, 1e-9);  // 8 replicas against the reference's 10
}

TEST(CostBudget, OverBudgetLowersTheQuantileUntilTheSpendMeetsIt) {
  // A policy whose replicas grow with its quantile: 19 at 0.95, 15 at 0.75. The reference runs
  // 10 (300 rps at 30 per replica); a budget of 1.5 allows 15.
  CostBudget budget(1.5, 0.95, kTarget, 2min);
  const auto replicas = [](double q) { return static_cast<int>(std::lround(10 + 20 * (q - 0.5))); };
  EXPECT_EQ(replicas(budget.quantile()), 19);
  for (int i = 0; i < 4 * 60 * 24 * 3; ++i) {
    budget.Spend(kStart + i * 15s, replicas(budget.quantile()), 300, kCapacity);
  }
  EXPECT_NEAR(budget.quantile(), 0.75, 0.03);
  EXPECT_NEAR(budget.spent(), 1.5, 0.02);
}

TEST(CostBudget, BusyHoursArePaidFromQuietOnesWhenTheDayIsWithinBudget) {
  // Against a reference of 10 and a budget of 0.98 (9.8): 8 replicas through the quiet half of
  // each day, 11 through the busy half, 9.5 on average. The busy half's excess (1.2 for twelve
  // hours) is paid from what the quiet half saved: the quantile stays where it was configured.
  CostBudget budget(0.98, 0.95, kTarget, 2min);
  double lowest = 1;
  for (int i = 0; i < 4 * 60 * 24 * 3; ++i) {
    const bool busy = (i / (4 * 60 * 12)) % 2 == 1;
    budget.Spend(kStart + i * 15s, busy ? 11 : 8, 300, kCapacity);
    if (i >= 4 * 60 * 24) lowest = std::min(lowest, budget.quantile());
  }
  EXPECT_DOUBLE_EQ(lowest, 0.95);
  EXPECT_NEAR(budget.spent(), 0.95, 1e-3);
}

TEST(CostBudget, TheQuantileStaysAboveTheMedian) {
  CostBudget budget(0.5, 0.95, kTarget, 2min);
  for (int i = 0; i < 4 * 60 * 24; ++i) budget.Spend(kStart + i * 15s, 20, 300, kCapacity);
  EXPECT_NEAR(budget.quantile(), 0.5, 1e-9);
}

TEST(CostBudget, TheReferenceScalesAsTheHpaWould) {
  // 300 rps: 10 replicas at 60 %; 320 is within the HPA's 10 % tolerance and does not move it.
  // One 15 s sample at 600 rps: the 10 ready pods saturate at 100 % CPU, so the reference asks
  // for ceil(10 x 1.0 / 0.6) = 17, not the 20 the load needs. While those start (2 min, 8
  // decisions), 300 rps on the 10 ready pods is on target: it keeps 17. Once they are ready it
  // needs 10 again, but holds 17 for the five-minute stabilisation window after the last
  // decision that wanted them (decision 107): 17 from decision 100 to 126. The policy runs 10.
  CostBudget budget(1.0, 0.95, kTarget, 2min);
  double own = 0, reference = 0;
  for (int i = 0; i < 240; ++i) {
    const double load = i == 100 ? 600 : i % 2 && i < 100 ? 320 : 300;
    budget.Spend(kStart + i * 15s, 10, load, kCapacity);
    if (i == 0) continue;  // the first decision has no interval behind it
    own += 10;
    reference += i >= 100 && i <= 126 ? 17 : 10;
  }
  EXPECT_NEAR(budget.spent(), own / reference, 1e-9);
}

}  // namespace
}  // namespace forescale::policy::internal
