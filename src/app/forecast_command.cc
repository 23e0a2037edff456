#include "app/forecast_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/events.h"
#include "forecast/engine.h"

namespace forescale::app {
namespace {

std::string QuantileName(double q) { return fmt::format("q{}", q); }

// Longer horizons ran out of memory (999999999 steps: std::bad_alloc, found by probing); a
// million steps is a year of minutes, eleven days of seconds.
constexpr size_t kMaxHorizon = 1'000'000;

// Ten significant digits: six printed 1234567 +- 3 as 1.23457e+06 in every column, the spread
// between mean and quantiles gone (found by probing).
std::string Number(double v) {
  if (std::isnan(v)) return "";
  return fmt::format("{:.10g}", v);
}

// `regressors` belongs to the caller because the request points into it.
Result<forecast::ForecastResult> Run(const ForecastCommandOptions& options, std::string* label,
                                     Series* history, forecast::Regressors* regressors,
                                     bool backtest) {
  auto loaded = LoadSeries(options.source, label);
  if (!loaded) return std::unexpected(loaded.error());
  *history = std::move(*loaded);
  auto horizon = ParseHorizon(options.horizon, history->step);
  if (!horizon) return std::unexpected(horizon.error());
  forecast::ForecastRequest request{.horizon = *horizon,
                                    .model = backtest ? "auto" : options.model,
                                    .quantiles = options.quantiles,
                                    .folds = options.folds};
  if (!options.seasons.empty()) request.seasons = options.seasons;
  if (!options.events_path.empty()) {
    auto events = LoadEvents(options.events_path);
    if (!events) return std::unexpected(events.error());
    *regressors = forecast::EventRegressors(*events, *history, *horizon);
    request.regressors = regressors;
  }
  if (backtest) {
    // Each model once, in the order given, and only names that exist: an unknown one is a typo
    // to say now, not a 'failed' row under a choice made without it.
    for (const std::string& name : options.models) {
      if (auto probe = forecast::MakeForecaster(name); !probe) {
        return std::unexpected(probe.error().WithContext("--models"));
      }
      if (std::find(request.candidates.begin(), request.candidates.end(), name) ==
          request.candidates.end()) {
        request.candidates.push_back(name);
      }
    }
  }
  // Nothing shows the candidates' quantile scores of a quiet CSV forecast.
  request.candidate_quantile_scores = backtest || !options.quiet || options.format == "json";
  if (!backtest && options.model != "auto") {
    if (auto probe = forecast::MakeForecaster(options.model); !probe) {
      return std::unexpected(probe.error());
    }
  }
  return forecast::RunForecast(*history, request);
}

void PrintChoice(const forecast::ForecastResult& r, const std::string& label, std::FILE* out) {
  fmt::print(out, "series   {}\n", label);
  std::string seasons;
  for (const auto& c : r.seasons) {
    seasons += fmt::format("{}{} steps (strength {}{})", seasons.empty() ? "" : ", ", c.period,
                           std::isnan(c.strength) ? std::string("n/a: too short")
                                                  : fmt::format("{:.2f}", c.strength),
                           c.kept ? ", kept" : "");
  }
  if (r.seasons.empty()) {
    seasons = r.periods.empty() ? "none" : fmt::format("{} (given)", fmt::join(r.periods, ", "));
  }
  fmt::print(out, "seasons  {}\n", seasons);
  fmt::print(out, "model    {}  ({:.0f} ms; fitted on the last {} steps)\n", r.model,
             r.seconds * 1e3, r.fitted_steps);
  for (const auto& note : r.notes) fmt::print(out, "note     {}\n", note);
}

// Ranked by FOLD-GM, the geometric mean over folds of each fold's MASE (see backtest.h), or by
// RMSSE on an intermittent history (the notes say so); `by_quantile` adds a table of each
// candidate's pinball loss at each evaluation quantile.
void PrintCandidates(const forecast::ForecastResult& r, std::FILE* out, bool by_quantile = false) {
  size_t width = 28;
  for (const auto& c : r.candidates) width = std::max(width, c.model.size());
  fmt::print(out, "{:<{}} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>10}  {}\n", "MODEL", width,
             "FOLD-GM", "MASE", "RMSSE", "PINBALL", "COV80", "COV95", "FIT ms", "FITTED");
  for (const auto& c : r.candidates) {
    if (!c.error.empty()) {
      fmt::print(out, "{:<{}} failed: {}\n", c.model, width, c.error);
      continue;
    }
    fmt::print(out,
               "{:<{}} {:>8.3f} {:>8.3f} {:>8.3f} {:>9.4f} {:>7.1f}% {:>7.1f}% {:>10.1f}  {}\n",
               c.model, width, c.scores.fold_mase_gmean, c.scores.mase, c.scores.rmsse,
               c.scores.pinball_mean, 100 * c.scores.coverage80, 100 * c.scores.coverage95,
               1e3 * c.seconds_per_fit, c.fitted);
  }
  if (!by_quantile) return;
  std::vector<double> qs;
  for (const auto& c : r.candidates) {
    for (const auto& [q, loss] : c.scores.pinball) {
      if (std::find(qs.begin(), qs.end(), q) == qs.end()) qs.push_back(q);
    }
  }
  if (qs.empty()) return;
  std::sort(qs.begin(), qs.end());
  fmt::print(out, "\n{:<{}}", "PINBALL BY QUANTILE", width);
  for (double q : qs) fmt::print(out, " {:>9}", fmt::format("q{}", q));
  fmt::print(out, "\n");
  for (const auto& c : r.candidates) {
    if (!c.error.empty()) continue;
    fmt::print(out, "{:<{}}", c.model, width);
    for (double q : qs) {
      const auto it = c.scores.pinball.find(q);
      if (it == c.scores.pinball.end()) {
        fmt::print(out, " {:>9}", "-");
      } else {
        fmt::print(out, " {:>9.4f}", it->second);
      }
    }
    fmt::print(out, "\n");
  }
}

nlohmann::json ScoresJson(const forecast::CandidateReport& c) {
  nlohmann::json pinball = nlohmann::json::object();
  for (const auto& [q, loss] : c.scores.pinball) pinball[fmt::format("{}", q)] = loss;
  nlohmann::json j = {{"model", c.model}, {"fitted", c.fitted}};
  if (!c.error.empty()) {
    j["error"] = c.error;
    return j;
  }
  j["mase"] = c.scores.mase;
  j["fold_mase_gmean"] = c.scores.fold_mase_gmean;
  j["rmsse"] = c.scores.rmsse;
  j["mae"] = c.scores.mae;
  j["pinball"] = pinball;
  j["pinball_mean"] = c.scores.pinball_mean;
  j["coverage80"] = c.scores.coverage80;
  j["coverage95"] = c.scores.coverage95;
  j["fit_seconds"] = c.seconds_per_fit;
  j["points"] = c.scores.points;
  return j;
}

}  // namespace

Result<size_t> ParseHorizon(const std::string& text, Duration step) {
  if (text.empty()) return Fail(ErrorCode::kInvalidArgument, "--horizon is required");
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    const size_t steps = std::stoul(text.substr(0, 9));
    if (steps == 0 || text.size() > 9 || steps > kMaxHorizon) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--horizon " + text + ": between 1 and 1000000 steps");
    }
    return steps;
  }
  auto d = ParseDuration(text);
  if (!d) return std::unexpected(d.error().WithContext("--horizon"));
  if (d->count() <= 0 || d->count() % step.count() != 0) {
    return Fail(ErrorCode::kInvalidArgument, "--horizon " + text + " is not a whole number of " +
                                                 FormatDuration(step) + " steps");
  }
  const auto steps = static_cast<size_t>(d->count() / step.count());
  if (steps > kMaxHorizon) {
    return Fail(ErrorCode::kInvalidArgument, "--horizon " + text + " is " + std::to_string(steps) +
                                                 " steps of " + FormatDuration(step) +
                                                 ": at most 1000000");
  }
  return steps;
}

Result<void> ForecastCommand(const ForecastCommandOptions& options) {
  std::string label;
  Series history;
  forecast::Regressors regressors;
  auto result = Run(options, &label, &history, &regressors, false);
  if (!result) return std::unexpected(result.error());
  const auto& r = *result;
  if (!options.quiet) {
    PrintChoice(r, label, stderr);
    if (r.candidates.size() > 1) PrintCandidates(r, stderr);
  }
  if (options.format == "json") {
    nlohmann::json points = nlohmann::json::array();
    for (size_t j = 0; j < r.mean.size(); ++j) {
      nlohmann::json qs = nlohmann::json::object();
      for (const auto& [q, values] : r.quantiles) qs[fmt::format("{}", q)] = values[j];
      points.push_back({{"timestamp", FormatRfc3339(r.start + r.step * static_cast<int64_t>(j))},
                        {"mean", r.mean[j]},
                        {"quantiles", qs}});
    }
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& c : r.candidates) candidates.push_back(ScoresJson(c));
    nlohmann::json out = {{"series", label},
                          {"model", r.model},
                          {"step", FormatDuration(r.step)},
                          {"fitted_steps", r.fitted_steps},
                          {"seasons", r.periods},
                          {"notes", r.notes},
                          {"ranked_by", r.ranked_by},
                          {"candidates", candidates},
                          {"forecast", points}};
    // Factors by hour of the week ((hours since the epoch) mod 168), when one was used.
    if (!r.week_profile.empty()) out["week_profile"] = r.week_profile;
    fmt::print("{}\n", out.dump());
    return {};
  }
  std::string csv = "timestamp,mean";
  for (const auto& [q, _] : r.quantiles) csv += "," + QuantileName(q);
  csv += "\n";
  for (size_t j = 0; j < r.mean.size(); ++j) {
    csv += FormatRfc3339(r.start + r.step * static_cast<int64_t>(j)) + "," + Number(r.mean[j]);
    for (const auto& [q, values] : r.quantiles) csv += "," + Number(values[j]);
    csv += "\n";
  }
  std::fwrite(csv.data(), 1, csv.size(), stdout);
  return {};
}

Result<void> BacktestCommand(const ForecastCommandOptions& options) {
  std::string label;
  Series history;
  forecast::Regressors regressors;
  auto result = Run(options, &label, &history, &regressors, true);
  if (!result) return std::unexpected(result.error());
  const auto& r = *result;
  // A backtest that scored nothing has no result to report: say why, and fail.
  if (std::none_of(r.candidates.begin(), r.candidates.end(),
                   [](const forecast::CandidateReport& c) { return c.error.empty(); })) {
    std::string why = r.candidates.empty() ? "the history is too short to backtest" : "";
    const bool same = std::all_of(r.candidates.begin(), r.candidates.end(), [&](const auto& c) {
      return c.error == r.candidates.front().error;
    });
    if (same && !r.candidates.empty()) why = r.candidates.front().error;
    for (size_t i = 0; !same && i < r.candidates.size(); ++i) {
      why += (i ? "; " : "") + r.candidates[i].model + ": " + r.candidates[i].error;
    }
    return Fail(ErrorCode::kInvalidArgument, "no model could be backtested: " + why);
  }
  if (options.format == "json") {
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& c : r.candidates) candidates.push_back(ScoresJson(c));
    nlohmann::json out = {
        {"series", label},  {"step", FormatDuration(r.step)}, {"horizon", r.mean.size()},
        {"folds", r.folds}, {"seasons", r.periods},           {"chosen", r.model},
        {"notes", r.notes}, {"ranked_by", r.ranked_by},       {"candidates", candidates}};
    if (!r.week_profile.empty()) out["week_profile"] = r.week_profile;
    fmt::print("{}\n", out.dump());
    return {};
  }
  PrintChoice(r, label, stdout);
  fmt::print("horizon  {} steps of {}, {} folds; MASE scaled by in-sample seasonal naive; "
             "pinball averaged over q 0.025, 0.1, 0.5, 0.9, 0.975\n\n",
             r.mean.size(), FormatDuration(r.step), r.folds);
  PrintCandidates(r, stdout, /*by_quantile=*/true);
  return {};
}

}  // namespace forescale::app
