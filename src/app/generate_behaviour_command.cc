#include "app/generate_behaviour_command.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "app/cli_validators.h"
#include "app/load_series.h"
#include "app/output_paths.h"
#include "generate/export.h"

namespace forescale::app {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<void> GenerateBehaviourCommand(const GenerateBehaviourOptions& options) {
  if (options.out.empty())
    return Fail(ErrorCode::kInvalidArgument, "--out: give the model file to write");
  // --out over one of the logs replaced the log with the model (found by probing).
  if (auto ok = CheckOutputsApart({{"--out", options.out}}, options.logs); !ok) return ok;
  const auto start = std::chrono::steady_clock::now();
  auto model = generate::LearnBehaviour(options.logs, options.learn);
  if (!model) return std::unexpected(model.error());
  if (auto ok = generate::WriteBehaviourFile(*model, options.out); !ok) return ok;
  if (options.quiet) return {};
  const generate::LearnedFrom& from = *model->learned_from;
  auto mean = generate::MeanRequestsPerSession(*model);
  fmt::print(stderr, "requests {} ({} lines skipped), {} to {}\n", from.requests,
             from.skipped_lines, FormatRfc3339(from.start), FormatRfc3339(from.end));
  fmt::print(stderr, "sessions {} (idle timeout {}), {:.3g} requests per session\n", from.sessions,
             FormatDuration(from.idle_timeout), mean ? *mean : 0.0);
  std::string top;
  for (size_t i = 0; i < model->endpoints.size() && i < 3; ++i) {
    top += fmt::format("{}{} ({})", top.empty() ? "" : ", ", model->endpoints[i].path,
                       model->endpoints[i].requests);
  }
  fmt::print(stderr, "states   {} endpoints; busiest {}\n", model->endpoints.size(), top);
  const auto& q = model->think_time_quantiles;
  fmt::print(stderr, "think    median {:.3g} s\n", q.empty() ? 0.0 : q[q.size() / 2]);
  fmt::print(stderr, "wrote    {} ({:.3f} s)\n", options.out, SecondsSince(start));
  return {};
}

Result<void> GenerateRequestsCommand(const GenerateRequestsOptions& options) {
  if (options.out == "-" && options.series_out == "-") {
    return Fail(ErrorCode::kInvalidArgument,
                "--out and --series-out cannot both be stdout: give one of them a file");
  }
  if (auto ok = CheckOutputsApart({{"--out", options.out}, {"--series-out", options.series_out}},
                                  {options.behaviour_path, options.profile_path});
      !ok) {
    return ok;
  }
  auto model = generate::ReadBehaviourFile(options.behaviour_path);
  if (!model) return std::unexpected(model.error());
  // The profile as `generate export` reads it (rps column, one constant step, every row a
  // rate): read as any series, one row had become a 1-minute step and a missing row a rate of
  // 0, silently (found by probing).
  const std::string label = options.profile_path == "-" ? "<stdin>" : options.profile_path;
  auto profile = generate::ReadProfileCsv(options.profile_path);
  if (!profile) return std::unexpected(profile.error());
  auto sink = generate::OpenRequestFile(options.out);
  if (!sink) return std::unexpected(sink.error());
  const auto start = std::chrono::steady_clock::now();
  auto result = generate::GenerateRequests(*profile, *model, options.requests, **sink);
  if (!result) return std::unexpected(result.error().WithContext(options.profile_path));
  const double seconds = SecondsSince(start);
  if (!options.series_out.empty()) {
    if (auto ok = generate::WriteRequestSeriesCsv(*result, options.series_out); !ok) return ok;
  }
  for (const std::string& note : result->notes)
    fmt::print(stderr, "forescale: warning: {}\n", note);
  if (options.quiet) return {};
  const double span = std::chrono::duration<double>(profile->end() - profile->start).count();
  fmt::print(stderr, "profile  {} ({} points every {} from {})\n", label, profile->size(),
             FormatDuration(profile->step), FormatRfc3339(profile->start));
  fmt::print(stderr,
             "requests {} in {} sessions ({:.4g} requests per session expected), mean {:.4g} rps\n",
             result->requests, result->sessions, result->mean_requests_per_session,
             span > 0 ? static_cast<double>(result->requests) / span : 0.0);
  fmt::print(stderr, "wrote    {} ({:.3f} s, {:.3g} requests/s)\n", options.out, seconds,
             seconds > 0 ? static_cast<double>(result->requests) / seconds : 0.0);
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateBehaviourCommands(CLI::App& generate) {
  // Everything CLI11 binds to must outlive the parse: it lives in the returned callable.
  struct State {
    GenerateBehaviourOptions behaviour;
    GenerateRequestsOptions requests;
    std::string idle_timeout = "30m";
    CLI::App* behaviour_cmd = nullptr;
    CLI::App* requests_cmd = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check = PositiveDuration();

  s->behaviour_cmd = generate.add_subcommand(
      "behaviour",
      "Learn a user-behaviour model (sessions, endpoint chain, think times) from access logs");
  CLI::App* beh = s->behaviour_cmd;
  beh->add_option("--log", s->behaviour.logs, "Access logs, CLF or combined (gzip ok; - is stdin)")
      ->required();
  beh->add_option("--out", s->behaviour.out, "Behaviour model to write (YAML)")->required();
  beh->add_option("--top-endpoints", s->behaviour.learn.top_endpoints,
                  "Endpoints with a state of their own; the rest share {other}")
      ->check(CLI::PositiveNumber);
  beh->add_option("--idle-timeout", s->idle_timeout,
                  "A longer gap between a client's requests starts a new session")
      ->check(duration_check);
  beh->add_flag("--quiet", s->behaviour.quiet, "No summary on stderr");

  s->requests_cmd = generate.add_subcommand(
      "requests", "Generate a request sequence (JSONL) whose rate follows a profile");
  CLI::App* req = s->requests_cmd;
  req->add_option("--profile", s->requests.profile_path,
                  "Rate profile CSV timestamp,rps (generate profile)")
      ->required();
  req->add_option("--behaviour", s->requests.behaviour_path,
                  "Behaviour model YAML (generate behaviour, or hand-written workflows)")
      ->required();
  req->add_option("--seed", s->requests.requests.seed, "Random seed: same seed, same requests");
  req->add_option("--out", s->requests.out, "JSONL file to write (- is stdout)");
  req->add_option("--series-out", s->requests.series_out,
                  "Also write what was generated per profile step: CSV timestamp,rps,bytes_per_s");
  req->add_flag("--quiet", s->requests.quiet, "No summary on stderr");

  return [s]() -> std::optional<Result<void>> {
    if (s->behaviour_cmd->parsed()) {
      s->behaviour.learn.idle_timeout = *ParseDuration(s->idle_timeout);
      return GenerateBehaviourCommand(s->behaviour);
    }
    if (s->requests_cmd->parsed()) return GenerateRequestsCommand(s->requests);
    return std::nullopt;
  };
}

}  // namespace forescale::app
