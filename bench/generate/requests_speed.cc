// Throughput of request-sequence generation: learns the behaviour model from the bundled NASA
// access log, then writes one hour of requests at 2 000 rps with a daily-like swing (about
// 7 M requests) as JSONL to a file, the way `forescale generate requests` does, and the same
// for a hand-written workflow model. Prints requests per second written; the target of
// issue 5 is >= 1 M requests/s.
//
//   requests_speed [OUT.jsonl]    (default: /tmp/forescale_requests_speed.jsonl)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "generate/behaviour.h"
#include "generate/requests.h"

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int Run(const char* name, const forescale::generate::BehaviourModel& model,
        const forescale::Series& profile, const std::string& out) {
  using namespace forescale;
  double best = 1e9;
  uint64_t requests = 0, sessions = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t = std::chrono::steady_clock::now();
    auto sink = generate::OpenRequestFile(out);
    if (!sink) {
      std::fprintf(stderr, "%s\n", sink.error().message().c_str());
      return 1;
    }
    auto result = generate::GenerateRequests(profile, model, {.seed = 42}, **sink);
    const double seconds = Since(t);
    if (!result) {
      std::fprintf(stderr, "generate failed: %s\n", result.error().message().c_str());
      return 1;
    }
    requests = result->requests;
    sessions = result->sessions;
    best = std::min(best, seconds);
  }
  std::printf(
      "%-10s %llu requests in %llu sessions written in %.3f s: %.2f M requests/s (target >= 1)\n",
      name, static_cast<unsigned long long>(requests), static_cast<unsigned long long>(sessions),
      best, static_cast<double>(requests) / best / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace forescale;
  const std::string out = argc > 1 ? argv[1] : "/tmp/forescale_requests_speed.jsonl";
  const std::vector<std::string> logs = {
      std::string(FORESCALE_SOURCE_DIR) +
      "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log"};
  auto learned = generate::LearnBehaviour(logs);
  if (!learned) {
    std::fprintf(stderr, "learn failed: %s\n", learned.error().message().c_str());
    return 1;
  }
  auto workflows = generate::ParseBehaviourYaml(R"(workflows:
  - {name: browse, weight: 3, think_time: 3s, steps: [{path: /, bytes: 5200}, {path: "/items/{id}", bytes: 1800}, {path: "/items/{id}/reviews", bytes: 900}]}
  - {name: buy, weight: 1, think_time: 5s, steps: [{path: /cart, bytes: 700}, {method: POST, path: /checkout, bytes: 120}]})",
                                                "bench");
  if (!workflows) {
    std::fprintf(stderr, "%s\n", workflows.error().message().c_str());
    return 1;
  }
  Series profile{.start = *ParseTimestamp("2024-03-12T09:00:00Z"), .step = std::chrono::seconds(1)};
  for (int i = 0; i < 3600; ++i) {
    profile.values.push_back(2000 - 1000 * std::cos(2 * std::numbers::pi * i / 3600.0));
  }
  if (int rc = Run("learned", *learned, profile, out); rc != 0) return rc;
  return Run("workflows", *workflows, profile, out);
}
