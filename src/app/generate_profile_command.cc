#include "app/generate_profile_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "app/cli_validators.h"
#include "app/output_paths.h"
#include "core/events.h"
#include "generate/behaviour.h"
#include "generate/model_file.h"
#include "generate/requests.h"

namespace forescale::app {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What --mean-rps / --peak-rps did to the profile, done to the real episodes: the history's
// mean (or peak) rate goes to the requested one. 1 when the profile was not rescaled.
Result<double> EpisodeScale(const Series& history, const generate::ProfileOptions& p) {
  if (!p.mean_rps && !p.peak_rps) return 1.0;
  const double step_s = std::chrono::duration<double>(history.step).count();
  double sum = 0, peak = 0;
  size_t present = 0;
  for (double v : history.values) {
    if (std::isnan(v)) continue;
    sum += v;
    peak = std::max(peak, v);
    ++present;
  }
  const double reference = p.mean_rps ? sum / static_cast<double>(std::max<size_t>(present, 1)) / step_s
                                      : peak / step_s;
  if (!(reference > 0)) {
    return Fail(ErrorCode::kInvalidArgument,
                "--edge-cases: the history has no load to scale to --mean-rps / --peak-rps");
  }
  return (p.mean_rps ? *p.mean_rps : *p.peak_rps) / reference;
}

struct Summary {
  double mean = 0, peak = 0;
};
Summary Summarise(const Series& s) {
  Summary out;
  for (double v : s.values) {
    out.mean += v;
    out.peak = std::max(out.peak, v);
  }
  out.mean /= static_cast<double>(std::max<size_t>(s.size(), 1));
  return out;
}

}  // namespace

Result<void> GenerateProfileCommand(const GenerateProfileCommandOptions& o) {
  if (!o.requests_path.empty() && o.behaviour_path.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "--requests: requests are drawn from a behaviour model: give --behaviour FILE too");
  }
  if (o.requests_path == "-" && o.out == "-") {
    return Fail(ErrorCode::kInvalidArgument,
                "--out and --requests cannot both be stdout: give one of them a file");
  }
  // An output over an input, or two outputs on one file, silently clobbered one of them
  // (found by probing: --requests wfc.yaml --out mc.yaml overwrote both inputs, exit 0).
  if (auto ok = CheckOutputsApart(
          {{"--out", o.out}, {"--requests", o.requests_path}},
          {o.model_path, o.events_path, o.behaviour_path, o.history.source.input});
      !ok) {
    return ok;
  }
  // Read and check every input before anything is written.
  auto model = generate::ReadModelFile(o.model_path);
  if (!model) return std::unexpected(model.error());
  std::vector<Event> events;
  if (!o.events_path.empty()) {
    auto loaded = LoadEvents(o.events_path);
    if (!loaded) return std::unexpected(loaded.error());
    events = std::move(*loaded);
  }
  std::optional<generate::BehaviourModel> behaviour;
  std::optional<double> bytes_per_request;
  if (!o.behaviour_path.empty()) {
    auto read = generate::ReadBehaviourFile(o.behaviour_path);
    if (!read) return std::unexpected(read.error());
    auto bytes = generate::MeanBytesPerRequest(*read);
    if (!bytes) return std::unexpected(bytes.error().WithContext(o.behaviour_path));
    behaviour = std::move(*read);
    bytes_per_request = *bytes;
  }
  std::optional<Series> history;
  std::string history_label;
  if (!o.edge_cases_dir.empty()) {
    auto loaded = LoadEdgeCaseHistory(o.history, &history_label);
    if (!loaded) return std::unexpected(loaded.error());
    history = std::move(*loaded);
  }

  const auto start = std::chrono::steady_clock::now();
  auto profile = generate::GenerateProfile(*model, events, o.profile);
  if (!profile) return std::unexpected(profile.error());
  const double generated = SecondsSince(start);

  std::vector<generate::EdgeCase> cases;
  if (history) {
    generate::EdgeCaseOptions edge = o.cases;
    edge.baseline = *profile;
    edge.seed = o.profile.seed;
    auto scale = EpisodeScale(*history, o.profile);
    if (!scale) return std::unexpected(scale.error());
    edge.episode_scale = *scale;
    auto built = generate::BuildEdgeCases(*history, *model, edge);
    if (!built) return std::unexpected(built.error().WithContext(history_label));
    cases = std::move(*built);
  }

  std::vector<double> bytes;
  std::vector<generate::ProfileColumn> extra;
  if (bytes_per_request) {
    bytes.reserve(profile->size());
    for (double rps : profile->values) bytes.push_back(rps * *bytes_per_request);
    extra.push_back({"bytes_per_s", bytes});
  }
  // Edge cases staged first, then the request sequence: if either fails (an unwritable path, a
  // refused rate), the profile is not written either (found by probing: a complete profile
  // beside the error); the staged cases are moved into place only once the profile is.
  std::optional<StagedEdgeCases> staged_cases;
  if (history) {
    auto staged = StagedEdgeCases::Write(cases, o.edge_cases_dir, bytes_per_request);
    if (!staged) return std::unexpected(staged.error());
    staged_cases.emplace(std::move(*staged));
  }
  std::optional<generate::RequestsResult> requests;
  double requests_seconds = 0;
  if (!o.requests_path.empty()) {
    const auto requests_start = std::chrono::steady_clock::now();
    auto sink = generate::OpenRequestFile(o.requests_path);
    if (!sink) return std::unexpected(sink.error());
    auto result = generate::GenerateRequests(*profile, *behaviour, {.seed = o.profile.seed}, **sink);
    if (!result) return std::unexpected(result.error());
    requests = std::move(*result);
    requests_seconds = SecondsSince(requests_start);
  }
  if (auto ok = generate::WriteProfileCsv(*profile, o.out, extra); !ok) return ok;
  const double written = SecondsSince(start);

  const std::string shown = o.out == "-" ? "<stdout>" : o.out;
  if (!o.quiet) {
    const Summary s = Summarise(*profile);
    fmt::print(stderr,
               "profile  {} points from {} every {}: mean {:.4g} rps, peak {:.4g} rps, {} events\n",
               profile->size(), FormatRfc3339(profile->start), FormatDuration(profile->step), s.mean,
               s.peak, events.size());
    // A remainder of the duration is dropped (whole steps only): say so, or --duration 90s
    // --step 1m writing one minute goes unnoticed (found by probing).
    if (o.profile.step.count() > 0 && o.profile.duration.count() % o.profile.step.count() != 0) {
      fmt::print(stderr,
                 "note     --duration {} is not a whole number of --step {}: the profile holds "
                 "{} whole steps, {}\n",
                 FormatDuration(o.profile.duration), FormatDuration(o.profile.step),
                 profile->size(), FormatDuration(profile->end() - profile->start));
    }
    // A holiday follows another day's pattern, which only a weekly season tells apart: without
    // one it changed nothing, silently (found by probing).
    const bool weekly =
        std::any_of(model->seasons.begin(), model->seasons.end(),
                    [](const auto& season) { return season.period >= std::chrono::days(7); });
    for (const Event& e : events) {
      const bool active = e.ActiveDuring(profile->start, profile->end());
      if (active && e.type == Event::Type::kHoliday && !weekly) {
        fmt::print(stderr,
                   "note     holiday '{}' has no effect: the model has no weekly season, so every "
                   "day already follows the same pattern\n",
                   e.name);
        continue;
      }
      if (active) continue;
      fmt::print(stderr,
                 "note     {} '{}' is not under way in the profile's time span: it has no effect\n",
                 Event::TypeName(e.type), e.name);
    }
    if (bytes_per_request) {
      fmt::print(stderr, "bytes    {:.4g} per request expected ({}): mean {:.4g} bytes/s\n",
                 *bytes_per_request, o.behaviour_path, s.mean * *bytes_per_request);
    }
    fmt::print(stderr, "wrote    {} (generate {:.3f} s, total {:.3f} s)\n", shown, generated, written);
    if (requests) {
      const double span = std::chrono::duration<double>(profile->end() - profile->start).count();
      fmt::print(stderr,
                 "requests {} in {} sessions, mean {:.4g} rps (profile {:.4g}); wrote {} ({:.3f} s)\n",
                 requests->requests, requests->sessions,
                 span > 0 ? static_cast<double>(requests->requests) / span : 0.0, s.mean,
                 o.requests_path == "-" ? "<stdout>" : o.requests_path, requests_seconds);
    }
  }
  if (requests) {
    for (const std::string& note : requests->notes)
      fmt::print(stderr, "forescale: warning: {}\n", note);
  }
  if (staged_cases) return staged_cases->Commit(o.quiet);
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateProfileCommand(CLI::App& generate) {
  // Everything CLI11 binds to must outlive the parse: it lives in the returned callable.
  struct State {
    GenerateProfileCommandOptions profile;
    std::string duration = "7d", step = "1s", start;
    double mean_rps = 0, peak_rps = 0, growth = 0;
    CLI::App* command = nullptr;
    CLI::Option* mean_opt = nullptr;
    CLI::Option* peak_opt = nullptr;
    CLI::Option* growth_opt = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check = PositiveDuration();
  const CLI::Validator time_check(
      [](const std::string& text) -> std::string {
        auto t = ParseTimestamp(text);
        return t ? "" : t.error().message();
      },
      "TIME");

  s->command = generate.add_subcommand(
      "profile", "Generate a request-rate profile (CSV timestamp,rps[,bytes_per_s]), and with a "
                 "behaviour model the requests; with --edge-cases the profiles that break autoscalers");
  CLI::App* prof = s->command;
  auto& po = s->profile.profile;
  prof->add_option("--model", s->profile.model_path, "Model file from 'generate fit'")->required();
  prof->add_option("--events", s->profile.events_path,
                   "YAML of events: campaigns, scheduled jobs, flash crowds, outages, holidays");
  CLI::Option* behaviour_opt = prof->add_option(
      "--behaviour", s->profile.behaviour_path,
      "Behaviour model ('generate behaviour', or hand-written workflows): the CSV gains "
      "bytes_per_s, the rate times the expected bytes per request");
  prof->add_option("--requests", s->profile.requests_path,
                   "Also write the request sequence (JSONL: t, method, path, bytes, session) whose "
                   "rate follows the profile; - is stdout")
      ->needs(behaviour_opt);
  prof->add_option("--duration", s->duration, "Length of the profile, e.g. 7d")->check(duration_check);
  prof->add_option("--step", s->step, "Resolution of the profile, e.g. 1s, 1m")->check(duration_check);
  prof->add_option("--start", s->start, "First timestamp (default: where the history ended)")
      ->check(time_check);
  prof->add_option("--seed", po.seed, "Random seed (profile, requests, edge cases): same seed, same output");
  s->mean_opt = prof->add_option("--mean-rps", s->mean_rps, "Scale to this mean rate (before events)")
                    ->check(CLI::PositiveNumber);
  s->peak_opt = prof->add_option("--peak-rps", s->peak_rps, "Scale to this peak rate (before events)")
                    ->check(CLI::PositiveNumber)
                    ->excludes(s->mean_opt);
  s->growth_opt = prof->add_option("--growth-per-week", s->growth,
                                   "Growth per week, e.g. 0.05 (default: the model's)");
  prof->add_option("--seasonality", po.seasonality, "Seasonal amplitude multiplier (0: flat)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--noise", po.noise, "Noise amplitude multiplier (0: none)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--burstiness", po.burstiness, "Burst rate multiplier (0: no bursts)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--burst-height", po.burst_height, "Burst height multiplier (log scale)")
      ->check(CLI::NonNegativeNumber);
  prof->add_option("--out", s->profile.out, "CSV file to write (- is stdout)");
  CLI::Option* edge_opt = prof->add_option(
      "--edge-cases", s->profile.edge_cases_dir,
      "Also write edge cases into this directory, one CSV per case named NN-<label>.csv "
      "(anomalous-episode-N, steepest-ramp, largest-spike) and edge_cases.json; the ramp and "
      "spike are laid over this profile, the episodes come from the history (--input/--series)");
  AddEdgeCaseHistoryFlags(*prof, s->profile.history, "History for --edge-cases");
  for (const char* flag : {"--input", "--column", "--series", "--db", "--utc-offset", "--values"}) {
    prof->get_option(flag)->needs(edge_opt);
  }
  prof->add_option("--episodes", s->profile.cases.episodes,
                   "With --edge-cases: anomalous real episodes to keep")
      ->needs(edge_opt);
  prof->add_option("--return-period", s->profile.cases.return_period_days,
                   "With --edge-cases: plausible = once in this many days (at least 10x the history)")
      ->check(CLI::PositiveNumber)
      ->needs(edge_opt);
  prof->add_flag("--quiet", s->profile.quiet, "No summary on stderr");

  return [s]() -> std::optional<Result<void>> {
    if (!s->command->parsed()) return std::nullopt;
    auto& p = s->profile.profile;
    p.duration = *ParseDuration(s->duration);
    p.step = *ParseDuration(s->step);
    if (!s->start.empty()) p.start = *ParseTimestamp(s->start);
    if (s->mean_opt->count() > 0) p.mean_rps = s->mean_rps;
    if (s->peak_opt->count() > 0) p.peak_rps = s->peak_rps;
    if (s->growth_opt->count() > 0) p.growth_per_week = s->growth;
    return GenerateProfileCommand(s->profile);
  };
}

}  // namespace forescale::app
