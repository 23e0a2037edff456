// forescale's own policy: scale for the load that will arrive when new replicas are ready.
//
// Every decision:
//   1. forecast: the request rate's history at `forecast_step` (from the MetricSource) goes
//      through the forecasting engine every `reselect_every`: model chosen by backtest (at the
//      horizon the policy acts on, a lead ahead, when the forecast rolls forward as below),
//      quantile calibrated on its backtest errors. Every `refit_every` in between, the chosen
//      models are refitted to the newest history (cheap: no backtest) and the calibrated quantile
//      width is carried over, rescaled by the square root of the level as the engine's calibration
//      does. Between refits the chosen models roll forward through every step the pipeline delivers
//      (an O(1) state update, no re-estimation), so each forecast starts from the newest load
//      and carries the model's own dynamics — a damped trend or an ARIMA continues a rise it
//      has just seen. Only models that update so (ETS, ARIMA, MSTL with either, theta, naive,
//      seasonal naive) roll, and only without known events (their stated lifts are applied
//      around a fit);
//   2. correct: a forecast that did not roll (prophet, or known events) is rescaled by how far
//      the last minutes' actual load was from what it predicted for them (bounded), so a level
//      shift is followed within minutes instead of waiting for the next refit — by as much of
//      that miss as past misses went on to persist to the lead (learned on the live stream,
//      internal/level_correction.h), so that on a noisy load the correction does not add the
//      last minutes' noise to every forecast;
//   3. calibrate: every decision's corrected forecast is scored once the load it forecast has
//      been delivered; the upper `quantile` of those scores over the last three days (split
//      conformal on the live stream), per level band and per situation, bounds the forecast.
//      The situation is the forecast's direction (below the newest delivered load, about at
//      it, or clearly above it) and how many delivered steps in a row have just risen clearly
//      (internal/forecast_calibration.h): what this service's surges went on to do after one,
//      two, three steps. It is what this policy's forecasts, at this lead, after these
//      corrections, missed by — not the model's backtest, which the bound falls back to until
//      two hours of decisions have been scored;
//   4. provision for [now + lead, now + lead + interval], lead = the start-up delay (what is
//      launched now is ready then): enough replicas for the upper bound at `max_utilisation`, the
//      utilisation above which latency breaks the SLO. The quantile is the headroom: no target
//      utilisation below it is needed, so a forecastable load runs hotter than under the HPA and
//      an unforecastable one gets more room. Under a `cost_budget` the quantile is lowered while
//      the policy spends more than that multiple of a reactive reference (internal/cost_budget.h);
//   5. reactive floor: never fewer than the current load needs below `max_utilisation` (its
//      request rate over the last minute or the newest sample, whichever is higher, and the
//      ready pods' newest CPU samples summed, as the HPA's replica calculator reads them), so a
//      forecast miss is followed as a reactive policy would follow it; and, until the
//      calibration knows the situation, when the last minutes of delivered load rise clearly
//      (a slope four standard errors above zero), what that ramp reaches by the end of the
//      window provisioned for at its slope's lower bound (two standard errors below) — a rise
//      to a level the history never showed is met ahead too;
//   6. guarded scale-down: below the current count only when the bound over the whole
//      [now, now + lead + interval] needs fewer, and not below any recommendation of the last
//      `scale_down_window` (by default the lead).
// The quantile follows from what under- and over-provisioning cost (newsvendor: q = u / (u + o)
// with u the cost of a replica-hour short, o its price), unless given.
// Until the history holds `min_history`, steps 1-4 are skipped and the reason says so.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "forecast/forecaster.h"
#include "policy/internal/cost_budget.h"
#include "policy/internal/forecast_calibration.h"
#include "policy/internal/level_correction.h"
#include "policy/policy.h"

namespace forescale::policy {

struct PredictiveOptions {
  Duration interval{std::chrono::seconds(15)};
  Duration lead{std::chrono::minutes(2)};           // the start-up delay
  // The calibrated bound's coverage per decision window.
  double quantile = 0.95;
  // The upper bound must fit below this: where latency starts to break the SLO. 85 % suits a
  // service whose requests take a small part of its latency SLO (the example service: 20 ms
  // requests, 500 ms p95, which one replica holds up to about 86 %).
  double max_utilisation = 0.85;
  Duration forecast_step{std::chrono::minutes(1)};
  Duration history{std::chrono::days(7)};            // at most this much history per fit
  Duration min_history{std::chrono::hours(6)};
  Duration refit_every{std::chrono::hours(1)};
  Duration reselect_every{std::chrono::days(1)};
  std::string model = "auto";                        // or a family name: ets, snaive, ...
  // What "auto" chooses among. Seasonal ARIMA is left out by default: its order search on a
  // week of minutes costs seconds per refit; MSTL with ARIMA on the adjusted series stands in.
  // Without known events the forecast rolls forward, and prophet, which cannot, is passed over.
  std::vector<std::string> candidates = {"naive",      "snaive", "ets",    "mstl",
                                         "mstl-arima", "theta",  "prophet"};
  // Never below any recommendation of this window; unset: the lead. A replica removed now takes
  // the lead to come back, so one that a decision within the last lead still wanted stays: the
  // bound moves with the load's noise, and without this it crosses a replica boundary back and
  // forth (NYC taxi: 35,501 scale-ups in six weeks with no window, 805 with the lead).
  std::optional<Duration> scale_down_window;
  // How far above max_utilisation the reactive floor lets the load run before it acts. 0:
  // at once; max_utilisation is where latency breaks, not a target with room above it.
  double tolerance = 0.0;
  // At most this multiple of the replica-hours of a reactive reference — the HPA's algorithm at
  // `target_utilisation` on the same load (internal/cost_budget.h): the quantile is lowered,
  // never below the median, while the policy spends more. 0.98: the reference runs within about
  // 2 % of a real HPA, so by default the policy costs no more than one. nullopt: no budget.
  std::optional<double> cost_budget = 0.98;
  double target_utilisation = 0.6;  // the service's, for the reactive reference
};

class PredictivePolicy final : public Policy {
 public:
  // `events`: known future events (campaigns, scheduled jobs) the forecast takes as regressors;
  // an event that never occurred in the history is planned for with the lift it states.
  // `past_demand`: request rate from before the controller started, extended by what the
  // monitoring pipeline delivers (its history wins where both have a step).
  explicit PredictivePolicy(PredictiveOptions options, std::vector<Event> events = {},
                            Series past_demand = {});
  std::string_view kind() const override { return "predictive"; }
  Duration interval() const override { return options_.interval; }
  Decision Decide(const Observation& observation) override;

 private:
  void Refit(const Observation& observation);
  void Select(const Series& history, size_t horizon, TimePoint now);
  bool RefitChosen(const Series& history, size_t horizon);
  // Corrected forecast: the highest mean and quantile over [from, to); nullopt outside it.
  struct Peak {
    double mean = 0;
    double quantile = 0;
  };
  std::optional<Peak> PeakForecast(TimePoint from, TimePoint to) const;
  int ReplicasForPeak(const Peak& peak, double capacity_per_replica) const;
  std::optional<double> MeanForecastAt(TimePoint from, TimePoint to) const;
  void RollForward(const Series& delivered);

  PredictiveOptions options_;
  // The current forecast: step i covers [start + i*step, start + (i+1)*step).
  TimePoint forecast_start_{};
  std::vector<double> forecast_mean_, forecast_quantile_;
  std::string forecast_model_;
  std::vector<std::string> families_;     // chosen by the last selection (a combination: several)
  size_t fitted_steps_ = 0;               // the window the selection fitted on
  std::vector<size_t> periods_;           // seasons the selection used
  std::vector<double> week_profile_;      // and its day-of-week profile (empty: none)
  std::vector<std::unique_ptr<forecast::Forecaster>> models_;  // the chosen models, rolled forward
  size_t horizon_ = 0;
  std::vector<double> width_;             // (quantile - mean) / sqrt(mean) per horizon step,
                                          // with the stated event lifts taken out
  std::vector<Event> events_;
  Series past_demand_;                    // at forecast_step
  forecast::Regressors regressors_;       // events_ over the last fit's history and horizon
  TimePoint last_fit_{}, last_selection_{};
  bool fitted_ = false;
  double correction_ = 1.0;
  std::string fit_problem_;
  std::deque<std::pair<TimePoint, int>> recommendations_;
  internal::ConditionalCalibration calibrate_ahead_, calibrate_near_;
  internal::LevelCorrection correct_level_;
  std::optional<internal::CostBudget> budget_;
};

}  // namespace forescale::policy
