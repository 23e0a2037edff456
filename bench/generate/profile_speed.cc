// Throughput of the profile generator: fits a load model on three weeks of the NASA-KSC trace
// (1 minute), then generates 30 days at 1 s (2.6 M points) and writes them as CSV, the way
// `forescale generate profile` does. Prints the times and points per second; the target of
// issue 5 is < 0.5 s for generation + writing.
//
//   profile_speed [OUT.csv]    (default: /tmp/forescale_profile_speed.csv)
#include <chrono>
#include <cstdio>
#include <string>

#include "generate/internal/test_data.h"
#include "generate/load_model.h"
#include "generate/model_file.h"
#include "generate/profile.h"

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace forescale;
  const std::string out = argc > 1 ? argv[1] : "/tmp/forescale_profile_speed.csv";
  const Series history =
      generate::testing::NasaPerMinute("1995-07-01T00:00:00Z", "1995-07-22T00:00:00Z");
  auto t = std::chrono::steady_clock::now();
  auto model = generate::FitLoadModel(history);
  const double fit = Since(t);
  if (!model) {
    std::fprintf(stderr, "fit failed: %s\n", model.error().message().c_str());
    return 1;
  }
  generate::RoundForFile(*model);
  auto events = ParseEvents(R"(events:
  - {name: sale, type: campaign, start: 1995-07-25T09:00:00Z, ramp_up: 20m, ramp_shape: sigmoid, peak: 5x, plateau: 2h, ramp_down: 30m}
  - {name: export, type: scheduled_job, cron: "0 2 * * *", requests_per_run: 50000, duration: 15m}
  - {name: dc-loss, type: outage, start: 1995-08-02T10:00:00Z, duration: 10m, drop: 0.8})",
                            "bench");
  const generate::ProfileOptions options{.duration = std::chrono::days(30),
                                         .step = std::chrono::seconds(1),
                                         .seed = 42};
  double best_gen = 1e9, best_total = 1e9;
  size_t points = 0;
  for (int rep = 0; rep < 5; ++rep) {
    t = std::chrono::steady_clock::now();
    auto profile = generate::GenerateProfile(*model, *events, options);
    const double gen = Since(t);
    if (!profile) {
      std::fprintf(stderr, "generate failed: %s\n", profile.error().message().c_str());
      return 1;
    }
    if (auto ok = generate::WriteProfileCsv(*profile, out); !ok) {
      std::fprintf(stderr, "%s\n", ok.error().message().c_str());
      return 1;
    }
    const double total = Since(t);
    points = profile->size();
    best_gen = std::min(best_gen, gen);
    best_total = std::min(best_total, total);
  }
  std::printf("fit: %zu points (3 weeks at 1 min) in %.3f s\n", history.size(), fit);
  std::printf("profile: %zu points (30 days at 1 s, 3 events), best of 5\n", points);
  std::printf("  generate        %.3f s  (%.1f M points/s)\n", best_gen, points / best_gen / 1e6);
  std::printf("  generate+write  %.3f s  (%.1f M points/s)  target < 0.5 s: %s\n", best_total,
              points / best_total / 1e6, best_total < 0.5 ? "met" : "NOT met");
  std::printf("  output          %s\n", out.c_str());
  return 0;
}
