// Exponential smoothing state-space models (ETS), as in Hyndman, Koehler, Ord & Snyder (2008)
// and R's forecast::ets(): additive or multiplicative error; no, additive or damped additive
// trend; no, additive or multiplicative season. Parameters (smoothing weights, damping, and the
// initial states) are estimated by maximum likelihood with a real optimiser (NLopt); with no
// spec given, every admissible combination is fitted and the lowest AICc wins.
//
// One season at most: the shortest of FitContext::seasons that is <= EtsOptions::max_period
// (longer seasons belong to MSTL). Multiplicative error or season needs strictly positive data:
// those combinations are skipped otherwise (and said so in Notes()). Too-short histories fall
// back (seasonal -> non-seasonal -> simple exponential smoothing) and say so.
// Missing values: the state is propagated by the model's own one-step forecast, no update.
#pragma once

#include <optional>
#include <string>

#include "forecast/forecaster.h"

namespace forescale::forecast {

struct EtsSpec {
  enum class Error { kAdditive, kMultiplicative };
  enum class Trend { kNone, kAdditive, kDamped };
  enum class Season { kNone, kAdditive, kMultiplicative };
  Error error = Error::kAdditive;
  Trend trend = Trend::kNone;
  Season season = Season::kNone;

  std::string ToString() const;  // "ets(A,Ad,M)" in R's notation
  static std::optional<EtsSpec> Parse(std::string_view text);  // "AAdM", "ANN", "MNM", ...
};

struct EtsOptions {
  std::optional<EtsSpec> spec;  // none: choose by AICc
  size_t max_period = 168;      // longest season ETS takes (a week of hours)
};

struct EtsParameters {
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
  double sigma2 = 0;  // innovation variance
};

class EtsForecaster final : public Forecaster {
 public:
  explicit EtsForecaster(EtsOptions options = {});
  ~EtsForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
  Result<void> Update(double value) override;  // O(1): one state update, no refit
  bool RollsForward() const override;           // once fitted
  double Aicc() const override;

  const EtsSpec& spec() const;
  const EtsParameters& parameters() const;

 protected:
  Result<void> DoFit() override;

 private:
  struct State;
  EtsOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace forescale::forecast
