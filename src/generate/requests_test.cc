#include "generate/requests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

namespace forescale::generate {
namespace {

const std::string kNasaLog = std::string(FORESCALE_SOURCE_DIR) +
                             "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log";

Series Constant(double rps, Duration step, size_t points) {
  return Series{.start = *ParseTimestamp("2024-03-12T09:00:00Z"),
                .step = step,
                .values = std::vector<double>(points, rps)};
}

struct Request {
  int64_t ms;
  std::string method, path;
  int64_t bytes;
  std::string session;
};

std::vector<Request> ParseLines(const std::string& text) {
  std::vector<Request> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.size(), 5u) << line;
    auto t = ParseRfc3339(j.at("t").get<std::string>());
    EXPECT_TRUE(t.has_value()) << line;
    out.push_back({t->time_since_epoch().count(), j.at("method").get<std::string>(),
                   j.at("path").get<std::string>(), j.at("bytes").get<int64_t>(),
                   j.at("session").get<std::string>()});
  }
  return out;
}

BehaviourModel Workflows() {
  auto m = ParseBehaviourYaml(R"(
workflows:
  - name: shop
    think_time: 2s
    steps:
      - {method: GET, path: /, bytes: 5000}
      - {method: GET, path: "/items/{id}", bytes: 1200}
      - {method: POST, path: "/cart/{id}", bytes: 80, think_time: 7s}
      - {method: GET, path: /checkout, bytes: 300}
)",
                              "flows.yaml");
  EXPECT_TRUE(m.has_value()) << m.error().message();
  return *m;
}

BehaviourModel Nasa() {
  auto m = LearnBehaviour(std::vector<std::string>{kNasaLog});
  EXPECT_TRUE(m.has_value()) << m.error().message();
  return *m;
}

TEST(Requests, HandWrittenWorkflowRunsInOrderWithItsThinkTimes) {
  const BehaviourModel m = Workflows();
  std::string text;
  StringRequestSink sink(text);
  auto r = GenerateRequests(Constant(4, std::chrono::seconds(1), 600), m, {.seed = 3}, sink);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const auto requests = ParseLines(text);
  ASSERT_EQ(requests.size(), r->requests);
  EXPECT_NEAR(static_cast<double>(requests.size()), 2400, 2400 * 0.1);
  std::map<std::string, std::vector<Request>> sessions;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) {
      ASSERT_LE(requests[i - 1].ms, requests[i].ms) << "not sorted at line " << i;
    }
    sessions[requests[i].session].push_back(requests[i]);
  }
  EXPECT_EQ(sessions.size(), r->sessions);
  const std::vector<std::string> methods = {"GET", "GET", "POST", "GET"};
  const std::vector<int64_t> bytes = {5000, 1200, 80, 300}, gaps = {2000, 2000, 7000};
  size_t complete = 0;
  for (const auto& [id, s] : sessions) {
    if (s.size() != 4) continue;  // cut by the profile's start or end
    ++complete;
    EXPECT_EQ(s[0].path, "/");
    EXPECT_EQ(s[3].path, "/checkout");
    // One id per session: /items/{id} and /cart/{id} agree.
    ASSERT_EQ(s[1].path.substr(0, 7), "/items/");
    EXPECT_EQ(s[1].path.substr(7), s[2].path.substr(6));
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(s[k].method, methods[k]);
      EXPECT_EQ(s[k].bytes, bytes[k]);
      if (k > 0) {
        EXPECT_NEAR(s[k].ms - s[k - 1].ms, gaps[k - 1], 1);  // floored to ms
      }
    }
  }
  EXPECT_GT(complete, 500u);
}

TEST(Requests, AggregateFollowsTheProfile) {
  // A smooth hour: 300 rps rising to 900 rps and back, at 1 s steps.
  Series profile = Constant(0, std::chrono::seconds(1), 3600);
  for (size_t i = 0; i < profile.size(); ++i) {
    profile.values[i] = 600 - 300 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / 3600);
  }
  for (const BehaviourModel& m : {Workflows(), Nasa()}) {
    std::string text;
    StringRequestSink sink(text);
    auto r = GenerateRequests(profile, m, {.seed = 11}, sink);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    auto per_min_real = Resample(r->requests_per_s, std::chrono::minutes(1), Aggregation::Mean());
    auto per_min_want = Resample(profile, std::chrono::minutes(1), Aggregation::Mean());
    ASSERT_TRUE(per_min_real && per_min_want);
    // Scripted sessions of 4 requests are nearly Poisson: every minute within 5 %. The NASA
    // sessions come in clusters (a page and its images in one second, ten requests on
    // average), so one minute's count is noisier: within 8 %, 2.5 % on average.
    const double tolerance = m.IsWorkflows() ? 0.05 : 0.08;
    double total_real = 0, total_want = 0, abs_error = 0;
    for (size_t i = 0; i < per_min_want->size(); ++i) {
      const double real = per_min_real->values[i], want = per_min_want->values[i];
      total_real += real;
      total_want += want;
      abs_error += std::abs(real / want - 1) / static_cast<double>(per_min_want->size());
      EXPECT_NEAR(real, want, tolerance * want) << "minute " << i << ", " << m.IsWorkflows();
    }
    EXPECT_LT(abs_error, 0.025);
    EXPECT_NEAR(total_real, total_want, 0.01 * total_want);
    // The series counts exactly the lines written.
    double lines = 0;
    for (double v : r->requests_per_s.values) lines += v;
    EXPECT_EQ(static_cast<uint64_t>(std::llround(lines)), r->requests);
    EXPECT_EQ(static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n')), r->requests);
  }
}

TEST(Requests, LearnedModelRequestsLookLikeTheLog) {
  const BehaviourModel m = Nasa();
  std::string text;
  StringRequestSink sink(text);
  auto r = GenerateRequests(Constant(50, std::chrono::seconds(1), 1200), m, {.seed = 5}, sink);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const auto requests = ParseLines(text);
  std::map<std::string, int> paths;
  for (const auto& q : requests) ++paths[q.path];
  // The log's busiest targets get their share of the generated requests (the chain's
  // stationary visits are the log's counts), and none of {other}'s targets outgrows them.
  const double n = static_cast<double>(requests.size());
  for (size_t i = 0; i < 5; ++i) {
    const std::string& target = m.endpoints[i].examples[0].first;
    const double log_share = static_cast<double>(m.endpoints[i].requests) / 1880.0;
    EXPECT_NEAR(paths[target] / n, log_share, 0.25 * log_share) << target;
  }
  int max_count = 0;
  for (const auto& [path, count] : paths) max_count = std::max(max_count, count);
  EXPECT_LE(max_count, 1.25 * paths[m.endpoints[0].examples[0].first]);
  EXPECT_NEAR(
      r->mean_requests_per_session,
      static_cast<double>(m.learned_from->requests) / static_cast<double>(m.learned_from->sessions),
      1e-6);
  EXPECT_GT(r->warmup, Duration{0});
}

TEST(Requests, SameSeedSameBytesOtherSeedOtherBytes) {
  const BehaviourModel m = Nasa();
  const Series profile = Constant(100, std::chrono::seconds(10), 60);
  std::string a, b, c;
  StringRequestSink sa(a), sb(b), sc(c);
  ASSERT_TRUE(GenerateRequests(profile, m, {.seed = 7}, sa));
  ASSERT_TRUE(GenerateRequests(profile, m, {.seed = 7, .buffer_bytes = 4096}, sb));
  ASSERT_TRUE(GenerateRequests(profile, m, {.seed = 8}, sc));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Requests, SeriesCsvHasRpsAndBytes) {
  std::string text;
  StringRequestSink sink(text);
  auto r = GenerateRequests(Constant(2, std::chrono::minutes(1), 3), Workflows(),
                            {.seed = 1, .warmup = Duration{0}}, sink);
  ASSERT_TRUE(r.has_value());
  std::string csv;
  AppendRequestSeriesCsv(*r, csv);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "timestamp,rps,bytes_per_s");
  EXPECT_NE(csv.find("\n2024-03-12T09:01:00Z,"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

TEST(Requests, MeanBytesPerRequestIsWhatGeneratedRequestsCarry) {
  // Workflows: the steps' bytes over the steps, exactly.
  EXPECT_DOUBLE_EQ(*MeanBytesPerRequest(Workflows()), (5000 + 1200 + 80 + 300) / 4.0);
  // A learned chain: the expectation over the visit mix matches what a long run draws.
  const BehaviourModel m = Nasa();
  std::string text;
  StringRequestSink sink(text);
  auto r = GenerateRequests(Constant(50, std::chrono::seconds(1), 1200), m, {.seed = 4}, sink);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  const double drawn = static_cast<double>(r->bytes) / static_cast<double>(r->requests);
  auto expected = MeanBytesPerRequest(m);
  ASSERT_TRUE(expected.has_value()) << expected.error().message();
  EXPECT_NEAR(drawn, *expected, 0.1 * *expected);
}

TEST(Requests, RejectsNegativeRatesAndEmptyProfiles) {
  std::string text;
  StringRequestSink sink(text);
  Series bad = Constant(1, std::chrono::seconds(1), 10);
  bad.values[4] = -1;
  auto r = GenerateRequests(bad, Workflows(), {}, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("2024-03-12T09:00:04Z"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(GenerateRequests(Series{}, Workflows(), {}, sink).has_value());
}

}  // namespace
}  // namespace forescale::generate
