// Export of a load profile to the load tools people already use: k6, Locust, Vegeta, Gatling.
//
// A profile (CSV `timestamp,rps` from `forescale generate profile`, possibly 2.6 M points at
// 1 s) is first compressed into a bounded number of piecewise-linear *stages*, the shape every
// one of these tools understands: the rate starts at `start_rps` and each stage ramps linearly
// to its `target_rps` over its `duration`. The writers then spell the stages in each tool's
// language.
//
// How the stages are chosen (CompressProfile):
//   1. the profile is averaged onto at most 2^18 equal buckets (exact for request totals);
//   2. knots are placed by greedy top-down splitting: the segment whose best split most reduces
//      the squared error between the points and the chord through its end points is split
//      there (a least-squares Douglas–Peucker; broad features such as the daily cycle win over
//      single noisy points), until `max_stages` (less the room kept for the peak) is reached or
//      the curve is represented exactly (a step function needs few stages);
//   3. the knot values are refitted by least squares over all points (a continuous
//      piecewise-linear fit: smooth, and it keeps the point sum because the hat functions sum
//      to one), and clamped at 0;
//   4. when that plan misses the profile's peak by more than `peak_tolerance`, the peak step is
//      added as a plateau with ramps of a thousandth of a step inside the peak's step, raised
//      so that the step carries exactly the peak's requests (4 knots);
//      so is a plan that overshoots the peak (a peak in the first or last step);
//   5. all knots but the peak plateau are scaled so the plan's request count equals the
//      profile's.
// The plan reports what it kept: request counts, peaks and a shape error, so a user (and the
// tests) can see the price of compression.
//
// Invariants of a StagePlan: every stage duration is > 0 ms, every rate is finite and >= 0, the
// durations add up to the profile's duration, and stages.size() <= the requested max_stages.
//
// Thread safety: all functions are pure; call them from any thread.
//
//   auto profile = ReadProfileCsv("profile.csv");
//   auto plan = CompressProfile(*profile, {.max_stages = 200});
//   std::string script = RenderExport(*plan, {.format = ExportFormat::kK6});
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/series.h"

namespace forescale::generate {

// Reads a profile CSV: `timestamp,rps[,...]` with an optional header (the column named `rps`
// is used; without a header, the second column). Timestamps are anything ParseTimestamp reads
// and must advance by one constant step; rates must be finite and >= 0. At least two rows are
// needed (the step is the distance between rows). Errors name the file and the line:
// "profile.csv:17: rate '-3' is negative". `path` "-" reads standard input.
Result<Series> ReadProfileCsv(const std::string& path);
// The same on text already in memory; `name` is used in error messages.
Result<Series> ParseProfileCsv(std::string_view text, std::string_view name);

// One linear ramp: from the previous stage's target (or the plan's start_rps) to `target_rps`.
struct Stage {
  Duration duration{0};
  double target_rps = 0;
};

struct StagePlan {
  TimePoint start{};       // the profile's first timestamp (informational)
  double start_rps = 0;
  std::vector<Stage> stages;

  // What the plan keeps of the profile.
  double profile_requests = 0;  // sum of rps * step over the profile
  double plan_requests = 0;     // integral of the plan's rate
  double profile_peak_rps = 0;
  double plan_peak_rps = 0;
  // Mean absolute deviation of the plan from the profile, both averaged over windows of
  // `shape_window` (about 1/1000 of the duration), relative to the profile's mean.
  double shape_error = 0;
  Duration shape_window{0};

  // Signed relative errors: (plan - profile) / profile; 0 when the profile is all zeros.
  double RequestError() const;
  double PeakError() const;
  Duration TotalDuration() const;
  // The plan's rate `since` after its start (linear inside a stage; the last target after it).
  double RateAt(Duration since) const;
};

struct CompressOptions {
  size_t max_stages = 200;      // at least 1; 8 or more leave room for the peak plateau
  double peak_tolerance = 0.01; // add the peak plateau when the smooth plan misses it by more
};

// Fails on an empty profile, max_stages == 0, or values that are NaN, infinite, negative or
// above 1e9 requests/s (more than any load tool sends: a unit slip).
Result<StagePlan> CompressProfile(const Series& profile, const CompressOptions& options);

enum class ExportFormat { kK6, kLocust, kVegeta, kGatling };
// "k6", "locust", "vegeta", "gatling"; anything else is an error listing these.
Result<ExportFormat> ParseExportFormat(std::string_view text);
std::string_view ExportFormatName(ExportFormat format);

struct ExportOptions {
  ExportFormat format = ExportFormat::kK6;
  // The URL every request goes to; each script also reads it from the TARGET environment
  // variable when set (k6: __ENV.TARGET).
  std::string target = "http://127.0.0.1:8080/";
  // k6: VUs to pre-allocate (peak rate x expected_latency) and the most it may use
  // (peak rate x max_latency): an arrival-rate executor needs one VU per request in flight.
  Duration expected_latency{250};
  Duration max_latency{2000};
  // Locust controls users, not rates: the shape runs ceil(rps / user_rps) users and paces
  // each at rps / users requests per second (at most `user_rps`), so together they make the
  // rate, while one request takes less than users / rps seconds.
  double user_rps = 1.0;  // the command takes 0.001 to 1e9
  // Vegeta's rate is constant per `vegeta attack`: a ramp becomes constant steps, each at the
  // ramp's mean rate over the step (so request counts are kept), with the rate changing by at
  // most this fraction of the peak from one step to the next (and steps of at least 1 s).
  double vegeta_max_step_change = 0.02;
  // Vegeta: the targets file the script uses by default (beside the script); empty: the
  // script writes a temporary one from TARGET.
  std::string vegeta_targets_file;
  // The name of the generated simulation / user classes where the tool needs one.
  std::string class_name = "ForescaleSimulation";
};

// An http:// or https:// URL with a host, in well-formed UTF-8, with no spaces or control
// characters: what every script may embed (a newline would end a comment in the Vegeta script
// and run the rest; a stray byte made the Locust script a SyntaxError).
Result<void> CheckTarget(std::string_view url);

// A Gatling simulation lists its stages in one method, whose code the JVM caps: 2000 stages
// did not compile, 1500 did.
inline constexpr size_t kMaxGatlingStages = 1000;

// The requests the rendered script sends, with the rates as it writes them: k6 whole requests
// per timeUnit (one unit for the scenario: the peak's, coarser while a rate held from 0.1 % of
// the peak up would round by more than 5 %); Vegeta's constant steps, each `freq/per` with
// 100 requests or more per `per` where possible and whole hits per step (a hit every
// per/freq, the first one interval in); Locust and Gatling rates to 1e-6 requests/s. What the
// user should compare with the profile's requests, rather than the plan's.
double ExportedRequests(const StagePlan& plan, const ExportOptions& options);

// The script, in the format's language. For Vegeta this is the bash pacing plan; the targets
// file it reads is RenderVegetaTargets.
std::string RenderExport(const StagePlan& plan, const ExportOptions& options);
std::string RenderK6(const StagePlan& plan, const ExportOptions& options);
std::string RenderLocust(const StagePlan& plan, const ExportOptions& options);
std::string RenderVegetaScript(const StagePlan& plan, const ExportOptions& options);
std::string RenderVegetaTargets(const ExportOptions& options);
std::string RenderGatling(const StagePlan& plan, const ExportOptions& options);

// "1h2m3s", "500ms", "0s": the Go duration syntax that k6 and Vegeta read.
std::string FormatGoDuration(Duration d);

}  // namespace forescale::generate
