#include "app/generate_fidelity_command.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli_validators.h"

namespace forescale::app {
namespace {

generate::ValueKind KindFor(const std::string& flag, const std::string& label) {
  if (flag == "rate") return generate::ValueKind::kRatePerSecond;
  if (flag == "count") return generate::ValueKind::kCountPerStep;
  return NamedAsRate(label) ? generate::ValueKind::kRatePerSecond
                            : generate::ValueKind::kCountPerStep;
}

const char* KindName(generate::ValueKind kind) {
  return kind == generate::ValueKind::kRatePerSecond ? "rate (requests/s)" : "count per step";
}

nlohmann::json Num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

std::string Fixed(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : std::string("n/a");
}

double AcfAt(const generate::FidelityReport& r, const std::vector<double>& acf, size_t lag) {
  for (size_t i = 0; i < r.acf_lags.size(); ++i) {
    if (r.acf_lags[i] == lag) return acf[i];
  }
  return NAN;
}

void PrintTable(const generate::FidelityReport& r, const std::string& real_label,
                const std::string& syn_label, const GenerateFidelityOptions& o) {
  fmt::print("real       {}: {} points, mean {:.4g} requests/s\n", real_label, r.real_points,
             r.real_mean);
  fmt::print("synthetic  {}: {} points, mean {:.4g} requests/s\n", syn_label, r.synthetic_points,
             r.synthetic_mean);
  fmt::print("step       {}\n\n", FormatDuration(r.step));
  fmt::print("{:<20} {:>9}  {}\n", "MEASURE", "VALUE", "DETAIL");
  std::string lags = r.acf_lags.empty() ? "no lags" : fmt::format("{} lags", r.acf_lags.size());
  const size_t day = r.step.count() > 0 && std::chrono::days(1) % r.step == Duration{0}
                         ? static_cast<size_t>(std::chrono::days(1) / r.step)
                         : 0;
  const double day_real = AcfAt(r, r.acf_real, day), day_syn = AcfAt(r, r.acf_synthetic, day);
  fmt::print("{:<20} {:>9}  RMS over {}; lag 1: real {}, synthetic {}{}\n", "acf distance",
             Fixed(r.acf_distance, 4), lags, Fixed(AcfAt(r, r.acf_real, 1), 3),
             Fixed(AcfAt(r, r.acf_synthetic, 1), 3),
             std::isnan(day_real) ? std::string()
                                  : fmt::format("; lag 1d: real {}, synthetic {}",
                                                Fixed(day_real, 3), Fixed(day_syn, 3)));
  fmt::print("{:<20} {:>9}  of the marginals, divided by the real mean\n", "wasserstein-1",
             Fixed(r.wasserstein1, 4));
  fmt::print("{:<20} {:>9}  largest gap between the marginal CDFs\n", "ks distance",
             Fixed(r.ks, 4));
  fmt::print(
      "{:<20} {:>9}  hours; daily peaks (smoothed {}) at {} h real ({} days), {} h synthetic ({} "
      "days)\n",
      "peak hour error", Fixed(r.peak_hour_error, 2), FormatDuration(o.fidelity.peak_smoothing),
      Fixed(r.peak_hour_real, 1), r.peak_days_real, Fixed(r.peak_hour_synthetic, 1),
      r.peak_days_synthetic);
  fmt::print(
      "{:<20} {:>9}  peak / mean: real {}, synthetic {}\n", "peak/mean error",
      std::isfinite(r.peak_to_mean_error) ? Fixed(100 * r.peak_to_mean_error, 1) + "%" : "n/a",
      Fixed(r.peak_to_mean_real, 2), Fixed(r.peak_to_mean_synthetic, 2));
  fmt::print(
      "{:<20} {:>9}  episodes/day above {:.4g} requests/s (real q{}): real {}, synthetic {}\n",
      "burst rate", Fixed(r.burst_rate_synthetic, 2), r.burst_threshold, o.fidelity.burst_quantile,
      Fixed(r.burst_rate_real, 2), Fixed(r.burst_rate_synthetic, 2));
  fmt::print(
      "{:<20} {:>9}  held-out accuracy telling real from synthetic windows ({}-fold, {} windows "
      "of {} per class); 0.5 = indistinguishable\n",
      "discriminative", Fixed(r.discriminative, 3), o.fidelity.cv_folds, r.discriminative_windows,
      FormatDuration(std::max(o.fidelity.window, r.step * 8)));
  if (o.fidelity.tstr) {
    fmt::print(
        "{:<20} {:>9}  MASE of {} forecasts of the real series ({} folds of {} steps, each after "
        "{} of real context): trained on synthetic {}, on real {}\n",
        "tstr ratio", Fixed(r.tstr_ratio, 3), r.tstr_model, r.tstr_folds, r.tstr_horizon,
        FormatDuration(o.fidelity.tstr_context), Fixed(r.tstr_mase_synthetic, 3),
        Fixed(r.tstr_mase_real, 3));
  }
  for (const auto& note : r.notes) fmt::print("note       {}\n", note);
}

nlohmann::json ReportJson(const generate::FidelityReport& r, const std::string& real_label,
                          const std::string& syn_label, const GenerateFidelityOptions& o) {
  nlohmann::json acf = nlohmann::json::array();
  for (size_t i = 0; i < r.acf_lags.size(); ++i) {
    acf.push_back({{"lag", r.acf_lags[i]},
                   {"real", Num(r.acf_real[i])},
                   {"synthetic", Num(r.acf_synthetic[i])}});
  }
  return {
      {"real", {{"series", real_label}, {"points", r.real_points}, {"mean", Num(r.real_mean)}}},
      {"synthetic",
       {{"series", syn_label}, {"points", r.synthetic_points}, {"mean", Num(r.synthetic_mean)}}},
      {"step", FormatDuration(r.step)},
      {"acf_distance", Num(r.acf_distance)},
      {"acf", acf},
      {"wasserstein1", Num(r.wasserstein1)},
      {"ks", Num(r.ks)},
      {"peak_hour_error", Num(r.peak_hour_error)},
      {"peak_hour_real", Num(r.peak_hour_real)},
      {"peak_hour_synthetic", Num(r.peak_hour_synthetic)},
      {"peak_days_real", r.peak_days_real},
      {"peak_days_synthetic", r.peak_days_synthetic},
      {"peak_to_mean_real", Num(r.peak_to_mean_real)},
      {"peak_to_mean_synthetic", Num(r.peak_to_mean_synthetic)},
      {"peak_to_mean_error", Num(r.peak_to_mean_error)},
      {"burst_threshold", Num(r.burst_threshold)},
      {"burst_rate_real", Num(r.burst_rate_real)},
      {"burst_rate_synthetic", Num(r.burst_rate_synthetic)},
      {"discriminative", Num(r.discriminative)},
      {"discriminative_windows", r.discriminative_windows},
      {"tstr", o.fidelity.tstr ? nlohmann::json{{"model", r.tstr_model},
                                                {"folds", r.tstr_folds},
                                                {"horizon", r.tstr_horizon},
                                                {"context", FormatDuration(o.fidelity.tstr_context)},
                                                {"mase_real", Num(r.tstr_mase_real)},
                                                {"mase_synthetic", Num(r.tstr_mase_synthetic)},
                                                {"ratio", Num(r.tstr_ratio)}}
                               : nlohmann::json(nullptr)},
      {"notes", r.notes},
  };
}

}  // namespace

Result<void> GenerateFidelityCommand(const GenerateFidelityOptions& options) {
  std::string real_label, syn_label;
  auto real = LoadSeries(options.real, &real_label);
  if (!real) return std::unexpected(real.error().WithContext("--real"));
  auto syn = LoadSeries(options.synthetic, &syn_label);
  if (!syn) return std::unexpected(syn.error().WithContext("--synthetic"));
  generate::FidelityOptions fo = options.fidelity;
  fo.real_values = KindFor(options.real_values, real_label);
  fo.synthetic_values = KindFor(options.synthetic_values, syn_label);
  auto report = generate::Compare(*real, *syn, fo);
  if (!report) return std::unexpected(report.error());
  const std::string real_shown = real_label + ", " + KindName(fo.real_values);
  const std::string syn_shown = syn_label + ", " + KindName(fo.synthetic_values);
  GenerateFidelityOptions shown = options;
  shown.fidelity = fo;
  if (options.format == "json") {
    fmt::print("{}\n", ReportJson(*report, real_shown, syn_shown, shown).dump());
  } else {
    PrintTable(*report, real_shown, syn_shown, shown);
  }
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateFidelityCommand(CLI::App& generate) {
  struct State {
    GenerateFidelityOptions o;
    std::string offset = "+00:00", window = "1h", horizon = "1d", context = "6h";
    bool no_tstr = false;
    CLI::App* cmd = nullptr;
  };
  auto s = std::make_shared<State>();
  const CLI::Validator duration_check = PositiveDuration();
  const CLI::Validator kind_check = CLI::IsMember({"auto", "count", "rate"});
  s->cmd = generate.add_subcommand(
      "fidelity",
      "Compare a synthetic profile with real load: ACF, marginals, peaks, bursts, "
      "a classifier's accuracy, forecasts trained on synthetic history");
  CLI::App* c = s->cmd;
  auto& o = s->o;
  c->add_option("--real", o.real.input,
                "The real series: CSV timestamp,value[,...] or Prometheus export")
      ->required();
  c->add_option("--synthetic", o.synthetic.input,
                "The synthetic series, e.g. a 'generate profile' CSV")
      ->required();
  c->add_option("--column", o.real.column, "Which series of the real file (default: the first)");
  c->add_option("--synthetic-column", o.synthetic.column,
                "Which series of the synthetic file (default: the first)");
  c->add_option("--real-values", o.real_values,
                "auto|count|rate: count per step or requests/s (auto: 'rps' is a rate)")
      ->check(kind_check);
  c->add_option("--synthetic-values", o.synthetic_values, "auto|count|rate, as --real-values")
      ->check(kind_check);
  c->add_option("--utc-offset", s->offset, "Zone of timestamps written without one (both files)");
  c->add_option("--window", s->window, "Window of the discriminative score")->check(duration_check);
  c->add_option("--seed", o.fidelity.seed, "Seed of the cross-validation folds");
  c->add_option("--tstr-model", o.fidelity.tstr_model,
                "Forecaster for train-on-synthetic-test-on-real")
      ->check(CLI::IsMember({"naive", "snaive", "ets", "mstl", "theta", "prophet", "arima"}));
  c->add_option("--tstr-horizon", s->horizon, "Forecast horizon of each TSTR fold")
      ->check(duration_check);
  c->add_option("--tstr-context", s->context,
                "Real steps both TSTR forecasters roll through before each origin (0s: none)")
      ->check(NonNegativeDuration());
  c->add_option("--tstr-folds", o.fidelity.tstr_folds,
                "TSTR folds (the last ones of the real series)")
      ->check(CLI::Range(1, 50));
  c->add_flag("--no-tstr", s->no_tstr, "Skip train-on-synthetic-test-on-real (the slow part)");
  c->add_option("--format", o.format, "table|json")->check(CLI::IsMember({"table", "json"}));

  return [s]() -> std::optional<Result<void>> {
    if (!s->cmd->parsed()) return std::nullopt;
    auto off = ParseRfc3339("1970-01-01T00:00:00" + s->offset);
    if (!off) return Fail(ErrorCode::kInvalidArgument, "bad --utc-offset '" + s->offset + "'");
    s->o.real.default_offset = s->o.synthetic.default_offset = -off->time_since_epoch();
    s->o.fidelity.window = *ParseDuration(s->window);
    s->o.fidelity.tstr_horizon = *ParseDuration(s->horizon);
    s->o.fidelity.tstr_context = *ParseDuration(s->context);
    s->o.fidelity.tstr = !s->no_tstr;
    return GenerateFidelityCommand(s->o);
  };
}

}  // namespace forescale::app
