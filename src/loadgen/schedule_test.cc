#include "loadgen/schedule.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace forescale::loadgen {
namespace {

std::vector<Arrival> Drain(Schedule::Cursor c, size_t limit = 10'000'000) {
  std::vector<Arrival> out;
  while (auto a = c.Next()) {
    out.push_back(*a);
    if (out.size() >= limit) break;
  }
  return out;
}

Series Profile(std::vector<double> values, Duration step = std::chrono::seconds(1)) {
  return Series{.start = TimePoint{}, .step = step, .values = std::move(values)};
}

TEST(Schedule, PoissonIsDeterministicForASeed) {
  const Series p = Profile({100, 300, 0, 50});
  auto a = Schedule::FromProfile(p, {.arrivals = Arrivals::kPoisson, .seed = 7});
  auto b = Schedule::FromProfile(p, {.arrivals = Arrivals::kPoisson, .seed = 7});
  auto c = Schedule::FromProfile(p, {.arrivals = Arrivals::kPoisson, .seed = 8});
  ASSERT_TRUE(a && b && c);
  const auto xa = Drain(a->Share(0, 1)), xb = Drain(b->Share(0, 1)), xc = Drain(c->Share(0, 1));
  ASSERT_EQ(xa.size(), xb.size());
  for (size_t i = 0; i < xa.size(); ++i) EXPECT_EQ(xa[i].at_ns, xb[i].at_ns);
  EXPECT_NE(xa.size() == xc.size() && xa.front().at_ns == xc.front().at_ns, true);
  // Nothing in the zero-rate step; non-decreasing; inside the profile.
  for (size_t i = 0; i < xa.size(); ++i) {
    EXPECT_FALSE(xa[i].at_ns >= 2'000'000'000 && xa[i].at_ns < 3'000'000'000) << i;
    if (i > 0) {
      EXPECT_GE(xa[i].at_ns, xa[i - 1].at_ns);
    }
    EXPECT_LT(xa[i].at_ns, 4'000'000'000);
  }
}

TEST(Schedule, PoissonCountsFollowTheRateOfEachStep) {
  auto s = Schedule::FromProfile(Profile({1000, 4000}, std::chrono::seconds(10)), {.seed = 3});
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->expected_requests(), 50000);
  size_t first = 0, second = 0;
  for (const Arrival& a : Drain(s->Share(0, 1))) (a.at_ns < 10'000'000'000 ? first : second)++;
  // Poisson: within 5 standard deviations.
  EXPECT_NEAR(static_cast<double>(first), 10000, 5 * 100);
  EXPECT_NEAR(static_cast<double>(second), 40000, 5 * 200);
}

TEST(Schedule, SharesPartitionTheScheduleWhateverTheThreadCount) {
  auto s = Schedule::FromProfile(Profile({200, 500, 100}), {.seed = 11});
  ASSERT_TRUE(s);
  const auto whole = Drain(s->Share(0, 1));
  for (size_t threads : {2u, 3u, 7u}) {
    std::vector<int64_t> merged;
    for (size_t k = 0; k < threads; ++k) {
      for (const Arrival& a : Drain(s->Share(k, threads))) merged.push_back(a.at_ns);
    }
    std::sort(merged.begin(), merged.end());
    ASSERT_EQ(merged.size(), whole.size()) << threads;
    for (size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(merged[i], whole[i].at_ns);
  }
}

TEST(Schedule, UniformIsEvenlySpacedAndCarriesFractions) {
  auto s = Schedule::FromProfile(Profile({4, 0.5, 0.5, 2}), {.arrivals = Arrivals::kUniform});
  ASSERT_TRUE(s);
  const auto a = Drain(s->Share(0, 1));
  ASSERT_EQ(a.size(), 7u);  // 4 + 0 + 1 + 2
  EXPECT_EQ(a[0].at_ns, 125'000'000);
  EXPECT_EQ(a[1].at_ns, 375'000'000);
  EXPECT_EQ(a[4].at_ns, 2'500'000'000);
  EXPECT_EQ(a[5].at_ns, 3'250'000'000);
}

TEST(Schedule, ConstantRateIsExact) {
  auto s = Schedule::ConstantRate(20000, 10, {.arrivals = Arrivals::kUniform});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->length_ns(), 10'000'000'000);
  EXPECT_EQ(Drain(s->Share(0, 1)).size(), 200000u);
}

TEST(Schedule, TimeScaleKeepsRatesAndCompressesTheShape) {
  // 10 minutes of profile at 60x: 10 wall seconds, each at its minute's rate.
  auto s = Schedule::FromProfile(
      Profile({10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, std::chrono::minutes(1)),
      {.arrivals = Arrivals::kUniform, .time_scale = 60});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->length_ns(), 10'000'000'000);
  std::vector<int> per_second(10);
  for (const Arrival& a : Drain(s->Share(0, 1)))
    ++per_second[static_cast<size_t>(a.at_ns / 1'000'000'000)];
  for (int i = 0; i < 10; ++i) EXPECT_EQ(per_second[static_cast<size_t>(i)], 10 * (i + 1));
}

TEST(Schedule, CompressedArrivalsVaryOverAWindowAsTheFullStreamDoesOverItsProfileWindow) {
  // 80 requests/s for 100 profile minutes at 60x: 100 wall seconds. Over 250 ms wall windows
  // (15 profile seconds) a window holds 20 requests; the real stream would hold 1200 over its
  // 15 s, so the relative spread must be that of 1200 Poisson counts (variance / mean = 1/60),
  // where plain Poisson arrivals give variance / mean = 1.
  auto spread = [](Arrivals arrivals) {
    auto s = Schedule::FromProfile(Profile(std::vector<double>(100, 80.0), std::chrono::minutes(1)),
                                   {.arrivals = arrivals, .seed = 5, .time_scale = 60});
    EXPECT_TRUE(s);
    std::vector<double> counts(400);
    for (const Arrival& a : Drain(s->Share(0, 1)))
      counts[static_cast<size_t>(a.at_ns / 250'000'000)] += 1;
    double mean = 0, var = 0;
    for (double c : counts) mean += c / static_cast<double>(counts.size());
    for (double c : counts) var += (c - mean) * (c - mean) / static_cast<double>(counts.size() - 1);
    EXPECT_NEAR(mean, 20, 0.5);
    return var / mean;
  };
  EXPECT_NEAR(spread(Arrivals::kPoisson), 1.0, 0.25);
  EXPECT_LT(spread(Arrivals::kCompressed), 0.06);  // 1/60 = 0.017, and the count is discrete
  auto plain = Schedule::FromProfile(Profile({50}), {.arrivals = Arrivals::kCompressed, .seed = 1});
  ASSERT_TRUE(plain);  // at time scale 1 it is Poisson
  EXPECT_NEAR(static_cast<double>(Drain(plain->Share(0, 1)).size()), 50, 5 * 7.1);
}

TEST(Schedule, RejectsBadProfiles) {
  EXPECT_FALSE(Schedule::FromProfile(Profile({}), {}));
  EXPECT_FALSE(Schedule::FromProfile(Profile({1, -2}), {}));
  EXPECT_FALSE(Schedule::FromProfile(Profile({1}), {.time_scale = 0}));
  EXPECT_FALSE(Schedule::ConstantRate(10, 0, {}));
  // NaN is no data: no requests, not an error.
  auto s = Schedule::FromProfile(Profile({NAN, 2}), {.arrivals = Arrivals::kUniform});
  ASSERT_TRUE(s);
  EXPECT_EQ(Drain(s->Share(0, 1)).size(), 2u);
}

TEST(Schedule, RequestsFileKeepsEachRequestAtItsTimeDividedByTheScale) {
  const std::string path = ::testing::TempDir() + "/requests.jsonl";
  {
    std::ofstream f(path);
    f << R"({"t":"2024-03-12T09:00:00.000Z","method":"GET","path":"/a","bytes":1,"session":"s1"})"
         "\n"
      << R"({"t":"2024-03-12T09:00:02.000Z","method":"POST","path":"/b","bytes":1,"session":"s1"})"
         "\n"
      << R"({"t":"2024-03-12T09:00:01.000Z","method":"GET","path":"/a","bytes":1,"session":"s2"})"
         "\n";
  }
  auto s = Schedule::FromRequestsFile(path, 2.0);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->kind(), Schedule::Kind::kRequests);
  ASSERT_EQ(s->requests().size(), 2u);
  const auto a = Drain(s->Share(0, 1));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].at_ns, 0);
  EXPECT_EQ(a[1].at_ns, 500'000'000);
  EXPECT_EQ(a[2].at_ns, 1'000'000'000);
  EXPECT_EQ(s->requests()[a[2].request].method, "POST");
  EXPECT_EQ(s->requests()[a[1].request].path, "/a");
}

TEST(Schedule, RequestsFileErrorsNameTheLine) {
  const std::string path = ::testing::TempDir() + "/bad_requests.jsonl";
  {
    std::ofstream f(path);
    f << R"({"t":"2024-03-12T09:00:00.000Z","path":"/a"})"
         "\n"
      << "{not json\n";
  }
  auto s = Schedule::FromRequestsFile(path, 1.0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find(":2: "), std::string::npos) << s.error().message();
  EXPECT_FALSE(Schedule::FromRequestsFile(path + ".missing", 1.0));
}

}  // namespace
}  // namespace forescale::loadgen
