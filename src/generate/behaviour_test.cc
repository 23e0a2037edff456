#include "generate/behaviour.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/endpoint.h"

namespace forescale::generate {
namespace {

const std::string kNasaLog = std::string(FORESCALE_SOURCE_DIR) +
                             "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log";

BehaviourModel LearnNasa(BehaviourOptions options = {}) {
  auto m = LearnBehaviour(std::vector<std::string>{kNasaLog}, options);
  EXPECT_TRUE(m.has_value()) << m.error().message();
  return *m;
}

// The log read independently of the parser: (host, time, target) of every request line.
struct Line {
  std::string host;
  int64_t ms;
  std::string target;
};
std::vector<Line> ReadNasaLines() {
  std::ifstream in(kNasaLog);
  std::vector<Line> out;
  std::string text;
  while (std::getline(in, text)) {
    const size_t sp = text.find(' ');
    const size_t lb = text.find('[');
    const size_t q = text.find('"');
    if (sp == std::string::npos || lb == std::string::npos || q == std::string::npos) continue;
    auto t = ParseClfTime(text.substr(lb, 28));
    if (!t) continue;
    std::istringstream req(text.substr(q + 1));
    std::string method, target;
    req >> method >> target;
    if (!target.empty() && target.back() == '"') target.pop_back();  // "GET /x" without protocol
    if (target.empty()) continue;
    out.push_back({text.substr(0, sp), t->time_since_epoch().count(), target});
  }
  return out;
}

TEST(Behaviour, LearnsSessionsWithTheIdleRuleFromNasaLog) {
  const BehaviourModel m = LearnNasa();
  ASSERT_TRUE(m.learned_from.has_value());
  const std::vector<Line> lines = ReadNasaLines();
  // Sessions counted independently: per host, a gap over 30 minutes starts a new one.
  std::map<std::string, std::vector<int64_t>> by_host;
  for (const Line& l : lines) by_host[l.host].push_back(l.ms);
  uint64_t sessions = 0;
  for (auto& [host, times] : by_host) {
    std::stable_sort(times.begin(), times.end());
    sessions += 1;
    for (size_t i = 1; i < times.size(); ++i) sessions += times[i] - times[i - 1] > 30 * 60 * 1000;
  }
  EXPECT_EQ(m.learned_from->requests, lines.size());
  EXPECT_EQ(m.learned_from->sessions, sessions);
  EXPECT_GE(m.learned_from->sessions, by_host.size());
  EXPECT_LT(m.learned_from->sessions, m.learned_from->requests / 2);  // pages pull in images
  // Every request is in exactly one state of exactly one session.
  uint64_t in_states = 0;
  for (const auto& e : m.endpoints) in_states += e.requests;
  EXPECT_EQ(in_states, m.learned_from->requests);
  double share = 0;
  for (double h : m.hour_share) share += h;
  EXPECT_NEAR(share, 1.0, 1e-12);
}

TEST(Behaviour, ChainRowsAreProbabilitiesAndSessionsEnd) {
  const BehaviourModel m = LearnNasa();
  ASSERT_EQ(m.endpoints.size(), 21u);  // 20 endpoints and {other}
  EXPECT_EQ(m.endpoints.back().path, kOtherEndpoint);
  EXPECT_FALSE(m.endpoints.back().examples.empty());
  EXPECT_NEAR(std::accumulate(m.start.begin(), m.start.end(), 0.0), 1.0, 1e-12);
  for (const auto& e : m.endpoints) {
    ASSERT_EQ(e.next.size(), m.endpoints.size() + 1);
    EXPECT_NEAR(std::accumulate(e.next.begin(), e.next.end(), 0.0), 1.0, 1e-12) << e.path;
    EXPECT_FALSE(e.methods.empty());
    EXPECT_FALSE(e.bytes_quantiles.empty());
  }
  auto mean = MeanRequestsPerSession(m);
  ASSERT_TRUE(mean.has_value()) << mean.error().message();
  // The chain's expected length is the log's requests per session (the chain is the MLE).
  EXPECT_NEAR(
      *mean,
      static_cast<double>(m.learned_from->requests) / static_cast<double>(m.learned_from->sessions),
      1e-6);
  EXPECT_TRUE(std::is_sorted(m.think_time_quantiles.begin(), m.think_time_quantiles.end()));
  EXPECT_LE(m.think_time_quantiles.back(), 30 * 60);
}

TEST(Behaviour, TopEndpointsAreTheLogsBusiestPaths) {
  const BehaviourModel m = LearnNasa();
  std::map<std::string, int> counts;
  for (const Line& l : ReadNasaLines()) ++counts[ingest::NormaliseEndpoint(l.target)];
  std::vector<std::pair<std::string, int>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(m.endpoints[i].path, ranked[i].first) << i;
    EXPECT_EQ(m.endpoints[i].requests, static_cast<uint64_t>(ranked[i].second)) << i;
  }
  // Examples are raw targets of the endpoint.
  for (size_t i = 0; i < 20; ++i) {
    for (const auto& [target, w] : m.endpoints[i].examples) {
      EXPECT_EQ(ingest::NormaliseEndpoint(target), m.endpoints[i].path);
    }
  }
}

TEST(Behaviour, IdleTimeoutAndTopEndpointsAreOptions) {
  const BehaviourModel a = LearnNasa({.idle_timeout = std::chrono::minutes(1)});
  const BehaviourModel b = LearnNasa();
  EXPECT_GT(a.learned_from->sessions, b.learned_from->sessions);
  const BehaviourModel c = LearnNasa({.top_endpoints = 5});
  EXPECT_EQ(c.endpoints.size(), 6u);
}

TEST(Behaviour, YamlRoundTripKeepsTheModel) {
  const BehaviourModel m = LearnNasa();
  const std::string text = FormatBehaviourYaml(m);
  auto back = ParseBehaviourYaml(text, "behaviour.yaml");
  ASSERT_TRUE(back.has_value()) << back.error().message() << "\n" << text;
  ASSERT_EQ(back->endpoints.size(), m.endpoints.size());
  for (size_t i = 0; i < m.endpoints.size(); ++i) {
    const auto& x = m.endpoints[i];
    const auto& y = back->endpoints[i];
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.requests, y.requests);
    ASSERT_EQ(x.examples.size(), y.examples.size());
    for (size_t k = 0; k < x.examples.size(); ++k)
      EXPECT_EQ(x.examples[k].first, y.examples[k].first);
    for (size_t j = 0; j < x.next.size(); ++j) EXPECT_NEAR(x.next[j], y.next[j], 1e-5);
    ASSERT_EQ(x.bytes_quantiles.size(), y.bytes_quantiles.size());
    for (size_t j = 0; j < x.bytes_quantiles.size(); ++j) {
      EXPECT_NEAR(x.bytes_quantiles[j], y.bytes_quantiles[j], 1e-5 * (1 + x.bytes_quantiles[j]));
    }
  }
  for (size_t i = 0; i < m.start.size(); ++i) EXPECT_NEAR(m.start[i], back->start[i], 1e-5);
  for (size_t h = 0; h < 24; ++h) EXPECT_NEAR(m.hour_share[h], back->hour_share[h], 1e-5);
  EXPECT_EQ(back->learned_from->sessions, m.learned_from->sessions);
  EXPECT_EQ(back->learned_from->start, m.learned_from->start);
  // Written again, the file is the same: the format is stable.
  EXPECT_EQ(FormatBehaviourYaml(*back), text);
}

TEST(Behaviour, ParsesHandWrittenWorkflows) {
  const std::string yaml = R"(
workflows:
  - name: browse
    weight: 3
    think_time: 2s
    steps:
      - {method: GET, path: /api/x, bytes: 1200}
      - {path: "/api/items/{id}", bytes: 800, think_time: 500ms}
      - {method: POST, path: /api/cart}
  - name: login
    steps:
      - {method: POST, path: /login, bytes: 90}
)";
  auto m = ParseBehaviourYaml(yaml, "flows.yaml");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  ASSERT_EQ(m->workflows.size(), 2u);
  const Workflow& w = m->workflows[0];
  EXPECT_EQ(w.name, "browse");
  EXPECT_EQ(w.weight, 3);
  EXPECT_EQ(w.think_time, std::chrono::seconds(2));
  ASSERT_EQ(w.steps.size(), 3u);
  EXPECT_EQ(w.steps[1].method, "GET");
  EXPECT_EQ(w.steps[1].path, "/api/items/{id}");
  EXPECT_EQ(w.steps[1].think_time, std::chrono::milliseconds(500));
  EXPECT_EQ(w.steps[2].method, "POST");
  EXPECT_EQ(w.steps[2].bytes, 0);
  EXPECT_EQ(m->workflows[1].weight, 1);
  EXPECT_NEAR(*MeanRequestsPerSession(*m), (3 * 3 + 1) / 4.0, 1e-12);
  auto again = ParseBehaviourYaml(FormatBehaviourYaml(*m), "again.yaml");
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(FormatBehaviourYaml(*again), FormatBehaviourYaml(*m));
}

TEST(Behaviour, MeanRequestsPerSessionSolvesTheChain) {
  BehaviourModel m;
  // a -> a (1/2), a -> b (1/4), a -> end (1/4); b -> end.
  m.endpoints = {{.path = "/a", .next = {2, 1, 1}}, {.path = "/b", .next = {0, 0, 1}}};
  m.start = {1, 0};
  m.think_time_quantiles = {1};
  // Visits of a: 1 / (1 - 1/2) = 2; of b: 2 * 1/4 = 0.5.
  EXPECT_NEAR(*MeanRequestsPerSession(m), 2.5, 1e-12);
  m.endpoints[1].next = {0, 1, 0};  // b loops forever
  auto bad = MeanRequestsPerSession(m);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("never reaches {end}"), std::string::npos)
      << bad.error().message();
}

TEST(Behaviour, EncodesUnsafeTargetBytes) {
  EXPECT_EQ(EncodeTarget("/a b\"c\\d\x01\xc3\xa9?q=1%20"), "/a%20b%22c%5Cd%01%C3%A9?q=1%20");
}

// Bad files: the error names the file, the line and the key.
void ExpectError(const std::string& yaml, const std::string& expected) {
  auto m = ParseBehaviourYaml(yaml, "b.yaml");
  ASSERT_FALSE(m.has_value()) << yaml;
  EXPECT_NE(m.error().message().find(expected), std::string::npos)
      << "got: " << m.error().message() << "\nexpected: " << expected;
}

TEST(Behaviour, BadYamlErrorsNameFileLineAndKey) {
  ExpectError("workflows:\n  - name: a\n    steps:\n      - {path: /x, byts: 3}\n",
              "b.yaml:4: workflows[0].steps[0].byts: unknown key");
  ExpectError("workflows:\n  - name: a\n    think_time: soon\n    steps: [{path: /x}]\n",
              "b.yaml:3: workflows[0].think_time:");
  ExpectError("workflows:\n  - name: a\n    weight: -1\n    steps: [{path: /x}]\n",
              "b.yaml:3: workflows[0].weight: must be >= 0");
  ExpectError("workflows:\n  - name: a\n    steps: []\n",
              "b.yaml:3: workflows[0].steps: expected a non-empty list");
  ExpectError("workflow:\n  - name: a\n", "b.yaml:1: workflow: unknown key");
  ExpectError("workflows:\n  - name: a\n    steps:\n      - {path: abc}\n",
              "b.yaml:4: workflows[0].steps[0].path: must start with '/'");
  ExpectError("workflows:\n  - name: a\n    steps:\n      - {method: 'G\"ET X', path: /x}\n",
              "b.yaml:4: workflows[0].steps[0].method: 'G\"ET X' is not an HTTP method");
  ExpectError("format: forescale-behaviour/1\n", "give 'workflows'");
  const std::string chain =
      "think_time_quantiles: [0, 1, 5]\n"
      "start: {/a: 1}\n"
      "endpoints:\n"
      "  - path: /a\n"
      "    next: {/b: 1, \"{end}\": 1}\n"
      "  - path: /b\n"
      "    bytes_quantiles: [5, 10]\n"
      "    next: {\"{end}\": 1}\n";
  ASSERT_TRUE(ParseBehaviourYaml(chain, "b.yaml").has_value());
  std::string decreasing = chain;
  decreasing.replace(decreasing.find("[5, 10]"), 7, "[10, 5]");
  ExpectError(decreasing, "b.yaml:7: endpoints[1].bytes_quantiles[1]: quantiles must not decrease");
  std::string unknown_target = chain;
  unknown_target.replace(unknown_target.find("{/b: 1"), 6, "{/c: 1");
  ExpectError(unknown_target, "b.yaml:5: endpoints[0].next./c: not an endpoint path");
  std::string typo = chain;
  typo.replace(typo.find("    next: {\"{end}"), 9, "    nxt:");
  ExpectError(typo, "b.yaml:8: endpoints[1].nxt: unknown key");
  std::string loop = chain;
  loop.replace(loop.rfind("\"{end}\": 1"), 10, "/b: 1");
  ExpectError(loop, "b.yaml: endpoints[1]: a session that reaches '/b' never reaches {end}");
  ExpectError("start: [1\n", "b.yaml:");
}

}  // namespace
}  // namespace forescale::generate
