// sim_fleet: throughput of the simulator on many services — 1,000 services x 1 day at 1 s
// under `hpa`, spread over every core, as a platform team would run a fleet-wide what-if.
// Each service gets a different day of the NASA per-minute trace, scaled to a different peak,
// so the runs do not share a cache-friendly shape.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "policy/policy.h"
#include "sim/simulator.h"
#include "testkit/scaling_metrics.h"

namespace fs = forescale;

namespace {

std::vector<double> ReadPerMinute(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<double> values;
  while (std::getline(in, line)) {
    const size_t a = line.find(',');
    const size_t b = line.find(',', a + 1);
    values.push_back(std::stod(line.substr(a + 1, b - a - 1)) / 60.0);
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  // As the forescale binary does (src/app/main.cc): reuse freed timelines instead of faulting
  // fresh pages in for every service.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"Simulator fleet throughput"};
  int services = 1000;
  double days = 1;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::string service_path = std::string(FORESCALE_SOURCE_DIR) + "/examples/service.yaml";
  app.add_option("--services", services);
  app.add_option("--days", days);
  app.add_option("--threads", threads);
  app.add_option("--service", service_path);
  CLI11_PARSE(app, argc, argv);

  auto service = fs::sim::LoadServiceModel(service_path);
  if (!service) {
    fmt::print(stderr, "sim_fleet: {}\n", service.error().message());
    return 2;
  }
  const std::vector<double> minutes =
      ReadPerMinute(std::string(FORESCALE_SOURCE_DIR) + "/data/nasa_http/nasa_ksc_requests_per_minute.csv");
  const size_t length = static_cast<size_t>(days * 1440);
  const size_t day_count = minutes.size() / length;

  std::atomic<int> next{0};
  std::atomic<long> steps{0}, violations{0};
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (int i = next++; i < services; i = next++) {
      fs::Series profile{.start = fs::TimePoint{std::chrono::hours(24 * 9000)},
                         .step = std::chrono::minutes(1)};
      const size_t offset = (static_cast<size_t>(i) % day_count) * length;
      const double scale = 20 + 10 * (i % 17);  // peaks from ~150 to ~2,800 rps
      for (size_t m = 0; m < length; ++m) profile.values.push_back(minutes[offset + m] * scale);
      std::vector<std::unique_ptr<fs::policy::Policy>> policies;
      auto policy = fs::policy::LoadPolicy("hpa", fs::sim::ContextFor(service->resources[0], &profile, 1));
      if (!policy) std::abort();
      policies.push_back(std::move(*policy));
      auto timeline = fs::sim::Simulate(profile, *service, policies, {.seed = static_cast<uint64_t>(i)});
      if (!timeline) std::abort();
      steps += static_cast<long>(timeline->size());
      violations += static_cast<long>(fs::testkit::Summarise(*timeline).slo_violation_minutes);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("simulate fleet: {} services x {} d at 1 s, hpa, {} threads: {:.2f} s, {:.1f} M steps/s "
             "(target < 10 s on 2 cores); {} SLO-violation minutes in all\n",
             services, days, threads, seconds, static_cast<double>(steps) / seconds / 1e6, violations.load());
  return 0;
}
