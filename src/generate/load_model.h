// A statistical model of a service's request rate, fitted from history, from which synthetic
// load profiles are generated (profile.h).
//
// The model is multiplicative, so it lives on the log scale of the rate x (requests/s):
//
//   log(x_t + c) = level(t) + sum_k season_k(phase_k(t)) + noise_t + burst_t
//
//   level    a straight line (Theil–Sen, so an outage or a sale does not tilt it), reported as
//            the mean rate at the end of the history and a growth per week;
//   seasons  the cycles (hour, day, week) the history holds at least twice, each a per-phase
//            profile of multiplicative factors (geometric mean 1), fitted by backfitting
//            phase means, shortest first, smoothed as leave-one-cycle-out cross-validation
//            chooses; a cycle whose chosen profile is flat is no season (so a weak daily
//            cycle that forecast::DetectSeasons does not keep can still be one);
//   noise    two time scales on the normal scores of the log-residuals (mapped back through
//            their quantiles, so the marginal is the residuals' own), each an AR (order by AIC,
//            Yule–Walker, always stationary) whose innovations are drawn from their own empirical
//            quantiles, so heavy tails survive:
//              slow  the residuals' means over blocks (`noise.slow.block`: an hour; none when
//                    the step is too coarse for 10 steps an hour), an AR over a day of blocks,
//                    linearly interpolated between block centres — the hours-to-days wander of real
//                    load (a busy afternoon, a quiet day) that a short AR at the fitted step
//                    cannot hold, and whose absence decorrelates synthetic load after a few
//                    steps;
//              fast  AR(p <= 5) at the fitted step on what the slow part leaves (without
//                    a slow part, p may reach a day of steps);
//            the residuals are first divided by a robust spread per phase of the day
//            (`noise.scale`) and, where a weekly season tells level from time of day apart,
//            by rate^elasticity (`noise.level_elasticity`), because counts are relatively
//            noisier when they are small (night, the weekend) — a constant log-noise would
//            blow up the busy hours on the rate scale;
//   bursts   residual exceedances over a high quantile: onsets per day, heights (excess over
//            the threshold) from a generalized Pareto fit, exponential decay with the time
//            constant of the mean shape after a spike.
//
// c (`log_offset_rps`) is one request per fitted step: it keeps zero-rate steps finite on the
// log scale without bending the shape of busy series. Missing history (NaN) is skipped
// everywhere, never read as zero.
//
//   Result<LoadModel> model = FitLoadModel(history, {.values = ValueKind::kCountPerStep});
//
// A LoadModel is a plain value: copy it, edit it, write it (model_file.h). Thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/series.h"

namespace forescale::generate {

// One detected cycle, as multiplicative factors per phase bin.
struct SeasonProfile {
  Duration period{};              // 1h, 1d, 1w
  Duration bin{};                 // width of one factor; period is a whole number of bins
  double strength = 0;            // seasonal strength from DetectSeasons (0..1), for the reader
                                  // (below its threshold when only the profile fit kept it)
  std::vector<double> factors;    // period / bin factors; bin i covers phase [i*bin, (i+1)*bin)
                                  // of (t since the Unix epoch) mod period
};

struct NoiseModel {
  // Spread of the log-residuals by phase (RMS 1); the rest of the noise model (and the burst
  // heights) is in units of it. Empty factors: the same spread at every phase.
  SeasonProfile scale;
  // The spread also follows the seasonal level: multiplied by exp(level_elasticity * s(t)),
  // s(t) the sum of the seasons' log factors at t (0 on average), i.e. spread ~ rate^elasticity
  // (pure Poisson counting: -0.5). Fitted where a season longer than `scale`'s period (a week)
  // tells level from time of day apart, within [-1, 1]; 0 otherwise, and in files without it.
  double level_elasticity = 0;
  // Slow part (see the file comment); block 0: none (a model file without `noise.slow`).
  struct Slow {
    Duration block{};                        // blocks are aligned to the Unix epoch
    std::vector<double> ar;                  // AR on the block means (lag 1 first)
    std::vector<double> innovation_quantiles;  // score quantiles, as below
  } slow;
  std::vector<double> ar;                    // fast AR on what the slow part leaves (lag 1 first)
  // Quantiles at probabilities Phi(z), z evenly spaced over [-4, 4] (internal/stats.h: a
  // grid dense in the tails), of the AR innovations and of the (scaled) log-residuals.
  std::vector<double> innovation_quantiles;
  std::vector<double> residual_quantiles;
  // When true, `slow`, `ar` and both innovation quantiles act on the residuals' normal scores
  // z = Phi^-1(F(residual)) (a Gaussian-copula AR): generation maps z back through
  // residual_quantiles, so the noise keeps the residuals' distribution, tails included, and
  // a one-step dropout (a zero count) cannot return as a spike of the opposite sign, as an AR
  // on the raw residuals with independent heavy-tailed innovations makes it. False (model
  // files written before it): the AR acts on the residuals themselves.
  bool normal_scores = false;
};

struct BurstModel {
  double rate_per_day = 0;        // burst onsets per day; 0: no bursts
  double threshold = 0;           // scaled log-residual above which a step counted as a burst
  double height_scale = 0;        // GPD of log-height excess over the threshold
  double height_shape = 0;
  double max_height = 0;          // largest log-height drawn (1.5x the largest one seen)
  Duration decay{};               // time constant of the exponential decay after onset (the
                                  // fitted step when there are no bursts)
};

struct LoadModel {
  Duration step{};                // step of the history the model was fitted on
  TimePoint history_start{}, history_end{};
  size_t points = 0, missing = 0; // of the history
  // Days (UTC midnight) left out of the level and seasons: their shape departs from the seasons
  // far more than the other days' (a holiday, an incident). They stay in the noise and bursts.
  // Informational in the model file.
  std::vector<TimePoint> unusual_days;
  double level_rps = 0;           // mean rate at history_end, without bursts
  double growth_per_week = 0;     // relative: 0.05 = +5 % a week
  double log_offset_rps = 0;      // c above
  std::vector<SeasonProfile> seasons;  // shortest period first
  NoiseModel noise;
  BurstModel bursts;
};

// What the history's values mean.
enum class ValueKind {
  kCountPerStep,  // requests counted in each step (what `forescale ingest` stores)
  kRatePerSecond, // already requests/s (a Prometheus rate())
};

struct FitOptions {
  ValueKind values = ValueKind::kCountPerStep;
  size_t quantiles = 101;         // stored quantiles of innovations and residuals
  size_t max_ar_order = 5;       // fast part, at the fitted step
  // Without a slow part (steps too coarse for hourly blocks), the fast AR's order may reach
  // back this far instead (AIC chooses; at most 1/20 of the present values).
  Duration max_ar_span{std::chrono::days(1)};
  size_t min_slow_blocks = 48;    // fewer present blocks: no slow part
  double burst_quantile = 0.995;  // residual quantile above which a burst starts
  size_t max_profile_bins = 1440; // cap per season; longer seasons are binned coarser
  // DetectSeasons threshold (forecast::SeasonalityOptions). A season it keeps sets the bin of
  // the longer ones (1/24 of its period); weaker cycles are fitted all the same, and stay when
  // their cross-validated profile is not flat.
  double min_strength = 0.3;
};

// Fits the model; fails when the history has too few present values (< 2 days' worth or
// < 100 points) or none positive. The history must be on a regular grid (Series invariant).
Result<LoadModel> FitLoadModel(const Series& history, const FitOptions& options = {});

// E[exp(s * season)] over the phases of all seasons combined (the mean of their product over
// the longest cycle, as generation reads them); profile.cc and the fit both use it to keep
// `level_rps` a mean.
double SeasonMeanFactor(const LoadModel& model, double strength_multiplier);
// E[exp(n * spread * residual)] from the residual quantiles, averaged over the phases of the
// spread (`scale`, and the seasons' levels through `level_elasticity`, those scaled by
// `strength_multiplier` as in SeasonMeanFactor).
double NoiseMeanFactor(const LoadModel& model, double noise_multiplier, double strength_multiplier);

}  // namespace forescale::generate
