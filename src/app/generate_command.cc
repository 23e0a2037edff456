#include "app/generate_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "app/cli_validators.h"
#include "app/generate_behaviour_command.h"
#include "app/generate_edge_cases_command.h"
#include "app/generate_export_command.h"
#include "app/generate_fidelity_command.h"
#include "app/generate_profile_command.h"
#include "generate/model_file.h"

namespace forescale::app {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<void> GenerateFitCommand(const GenerateFitOptions& options) {
  if (options.out.empty()) return Fail(ErrorCode::kInvalidArgument, "--out: give the model file to write");
  std::string label;
  auto history = LoadSeries(options.source, &label);
  if (!history) return std::unexpected(history.error());
  if (options.step && options.step->count() % history->step.count() != 0) {
    // Samples too irregular for a step that divides --step: bucketed at --step directly.
    SeriesSource coarse = options.source;
    coarse.step = options.step;
    coarse.aggregation = Aggregation::Sum();
    history = LoadSeries(coarse, &label);
    if (!history) return std::unexpected(history.error());
  }
  // Found by probing: a profile forescale wrote (timestamp,rps) was fitted as counts per
  // minute, a level of 0.0275 rps for 100: a series named as a rate is read as one.
  const bool named_rate = NamedAsRate(label);
  const generate::ValueKind values = options.values.value_or(
      named_rate ? generate::ValueKind::kRatePerSecond : generate::ValueKind::kCountPerStep);
  if (options.step && *options.step != history->step) {
    // Not a plain sum: an hour with its 12:00-12:30 minutes missing summed to half the load, and
    // the fit learned a daily dip that was an outage of the logs (found by probing).
    auto coarse = Resample(*history, *options.step, Aggregation::Mean());
    if (!coarse) return std::unexpected(coarse.error().WithContext(label));
    if (values == generate::ValueKind::kCountPerStep) {
      const double fine_per_coarse =
          static_cast<double>(options.step->count()) / static_cast<double>(history->step.count());
      for (double& v : coarse->values) v *= fine_per_coarse;  // NaN stays NaN
    }
    history = std::move(coarse);
  }
  const auto start = std::chrono::steady_clock::now();
  auto model = generate::FitLoadModel(*history, {.values = values});
  if (!model) return std::unexpected(model.error().WithContext(label));
  generate::RoundForFile(*model);
  const double seconds = SecondsSince(start);
  if (auto ok = generate::WriteModelFile(*model, options.out); !ok) return ok;
  if (options.quiet) return {};
  fmt::print(stderr, "series   {} ({} points, {} missing, step {})\n", label, model->points,
             model->missing, FormatDuration(model->step));
  if (!options.values) {
    fmt::print(stderr, "values   read as {} ({}; --values {} if not)\n",
               named_rate ? "requests/s" : "requests per step",
               named_rate ? "named as a rate" : "the default", named_rate ? "count" : "rate");
  }
  std::string seasons;
  for (const auto& s : model->seasons) {
    double lo = INFINITY, hi = 0;
    for (double f : s.factors) {
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    seasons += fmt::format("{}{} (strength {:.2f}, peak/trough {:.2f})", seasons.empty() ? "" : ", ",
                           FormatDuration(s.period), s.strength, lo > 0 ? hi / lo : 0.0);
  }
  fmt::print(stderr, "level    {:.4g} rps at {}, growth {:+.2f} %/week\n", model->level_rps,
             FormatRfc3339(model->history_end), 100 * model->growth_per_week);
  fmt::print(stderr, "seasons  {}\n", seasons.empty() ? "none detected" : seasons);
  if (!model->unusual_days.empty()) {
    std::string days;
    for (TimePoint d : model->unusual_days) {
      days += (days.empty() ? "" : ", ") + FormatRfc3339(d).substr(0, 10);
    }
    fmt::print(stderr,
               "unusual  {} left out of the seasons: shaped unlike the other days (a holiday or an "
               "incident; to generate one, add an event)\n",
               days);
  }
  const std::string slow =
      model->noise.slow.block.count() > 0
          ? fmt::format(" + AR({}) on {} means", model->noise.slow.ar.size(), FormatDuration(model->noise.slow.block))
          : std::string();
  const std::string spread =
      model->noise.level_elasticity != 0
          ? fmt::format("; spread ~ rate^{:.2f}", model->noise.level_elasticity)
          : std::string();
  fmt::print(stderr,
             "noise    AR({}) at the step{} of the log-residuals{}, {} innovation quantiles{}\n",
             model->noise.ar.size(), slow, model->noise.normal_scores ? " (normal scores)" : "",
             model->noise.innovation_quantiles.size(), spread);
  fmt::print(stderr, "bursts   {:.3g}/day, decay {}\n", model->bursts.rate_per_day,
             FormatDuration(model->bursts.decay));
  fmt::print(stderr, "wrote    {} (fit {:.3f} s)\n", options.out, seconds);
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateCommands(CLI::App& app) {
  // Everything CLI11 binds to must outlive the parse: it lives in the returned callable.
  struct State {
    GenerateFitOptions fit;
    std::string fit_step, fit_offset = "+00:00", values = "count";
    CLI::App* fit_cmd = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check = PositiveDuration();

  CLI::App* gen = app.add_subcommand(
      "generate", "Fit a load model from history and generate synthetic load profiles");
  gen->require_subcommand(1);

  s->fit_cmd = gen->add_subcommand("fit", "Fit a load model (trend, seasons, noise, bursts) to a series");
  CLI::App* fit = s->fit_cmd;
  fit->add_option("--input", s->fit.source.input,
                  "CSV timestamp,value[,...] or Prometheus export (gzip ok; - is stdin)");
  fit->add_option("--column", s->fit.source.column, "Which series of a multi-series file");
  fit->add_option("--series", s->fit.source.series, "A stored series, e.g. 'nasa:requests'");
  fit->add_option("--db", s->fit.source.db_path, "SQLite database file (with --series)");
  fit->add_option("--step", s->fit_step,
                  "Resample to this coarser step first (counts: the load of the step, from the "
                  "present finer steps; rates: their mean)")
      ->check(duration_check);
  fit->add_option("--utc-offset", s->fit_offset, "Zone of timestamps written without one");
  fit->add_option("--values", s->values,
                  "count: requests per step (ingested logs); rate: already requests/s")
      ->check(CLI::IsMember({"count", "rate"}));
  fit->add_option("--out", s->fit.out, "Model file to write (YAML)")->required();
  fit->add_flag("--quiet", s->fit.quiet, "No model summary on stderr");

  // Subcommands that live in files of their own.
  const auto run_profile = AddGenerateProfileCommand(*gen);
  const auto run_edge_cases = AddGenerateEdgeCasesCommand(*gen);
  const auto run_export = AddGenerateExportCommand(*gen);
  const auto run_fidelity = AddGenerateFidelityCommand(*gen);
  const auto run_behaviour = AddGenerateBehaviourCommands(*gen);

  return [s, run_profile, run_edge_cases, run_export, run_fidelity,
          run_behaviour]() -> std::optional<Result<void>> {
    for (const auto* run : {&run_profile, &run_edge_cases, &run_export, &run_fidelity, &run_behaviour}) {
      if (auto result = (*run)()) return result;
    }
    if (s->fit_cmd->parsed()) {
      if (!s->fit_step.empty()) {
        s->fit.step = *ParseDuration(s->fit_step);
      }
      auto off = ParseRfc3339("1970-01-01T00:00:00" + s->fit_offset);
      if (!off) return Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + s->fit_offset + "'");
      s->fit.source.default_offset = -off->time_since_epoch();
      if (s->fit_cmd->count("--values") > 0) {
        s->fit.values = s->values == "rate" ? generate::ValueKind::kRatePerSecond
                                            : generate::ValueKind::kCountPerStep;
      }
      return GenerateFitCommand(s->fit);
    }
    return std::nullopt;
  };
}

}  // namespace forescale::app
