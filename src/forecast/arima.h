// Seasonal ARIMA with automatic order selection, after R's forecast::auto.arima()
// (Hyndman & Khandakar 2008): differencing orders from unit-root tests (KPSS for d, a seasonal
// strength test for D), then a stepwise search over (p, q)(P, Q) by AICc. Each candidate is
// fitted as stats::arima(method = "CSS-ML") does: conditional sum of squares for the start, then
// the exact Gaussian likelihood from a Kalman filter over the state-space form, with a diffuse
// prior on the differencing states (Gardner, Harvey & Phillips 1980; Durbin & Koopman 2012).
// Both are least-squares problems, solved by Levenberg-Marquardt (L-BFGS from NLopt takes over
// when it crawls). As auto.arima does, the search itself uses CSS when n > 150 or the season is
// longer than 12, and only the winner is refitted by maximum likelihood.
//
// One season at most: the shortest of FitContext::seasons that is <= ArimaOptions::max_period
// (longer ones are left out, and said so in Notes()). Missing values are skipped by the filter
// (predict, no update), never read as zeros; histories under 10 values fall back to the last
// value carried forward, with a note.
//
// Thread safety: as Forecaster (one instance per thread).
//
//   ArimaForecaster model;                       // automatic order
//   model.Fit(hourly, {.seasons = {24, 168}});   // takes the shortest season, 24
//   model.Name();                                // e.g. "arima(2,0,1)(0,1,1)[24]"
//   std::vector<double> next_day = *model.Predict(24);
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "forecast/forecaster.h"

namespace forescale::forecast {

struct ArimaOrder {
  int p = 0, d = 0, q = 0;
  int P = 0, D = 0, Q = 0;
  size_t period = 0;  // 0: non-seasonal
  bool constant = false;
  // "arima(2,1,1)(0,1,1)[24]"; "+c" is appended when a constant is included (the mean when
  // d + D = 0, the drift when d + D = 1); the seasonal part only when P + D + Q > 0.
  std::string ToString() const;
};

// How ArimaForecaster chooses the order when none is given.
enum class OrderSearch {
  // auto.arima's stepwise search by AICc, each candidate fitted (CSS on long series).
  kStepwise,
  // Non-seasonal: differencing by KPSS as above, then (p, q) by the Hannan-Rissanen
  // regressions and BIC, and only that order fitted: least squares instead of a dozen
  // nonlinear fits, for long series refitted often (MSTL's adjusted series: a week of minutes).
  // Seasonal models (a season <= max_period in the context) use the stepwise search.
  kHannanRissanen,
};

struct ArimaOptions {
  // A fixed order (fitted as given; a seasonal part without a period takes the season from the
  // context); none: automatic. An order that cannot be fitted falls back to automatic, noted.
  std::optional<ArimaOrder> order;
  size_t max_period = 168;                         // longest season taken (a week of hours)
  int max_p = 5, max_q = 5, max_P = 2, max_Q = 2;  // bounds of the search, as auto.arima's
  OrderSearch search = OrderSearch::kStepwise;
  // false: every fit by conditional sum of squares alone (R's method = "CSS"), no exact
  // likelihood. On long series the two estimates agree closely and CSS costs a fraction (an
  // MA(3) on a week of minutes: the likelihood's Kalman filter took most of a forecast's time).
  // log_likelihood() is then NaN and Aicc() CSS-approximated.
  bool exact_likelihood = true;
};

class ArimaForecaster final : public Forecaster {
 public:
  explicit ArimaForecaster(ArimaOptions options = {});
  ~ArimaForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
  // Appends one observation (NaN allowed) and re-runs the Kalman filter with the fitted
  // coefficients: no re-estimation, O(n r) without gaps (the filter's fast recursions).
  Result<void> Update(double value) override;
  // Several observations with one filter run at the end.
  Result<void> Extend(std::span<const double> values) override;
  bool RollsForward() const override { return state_ != nullptr; }
  // AICc as auto.arima computes it (CSS-approximated when log_likelihood() is NaN); NaN for a
  // perfect (constant) fit.
  double Aicc() const override;
  const ArimaOrder& order() const;
  // The fitted coefficients in R's order: ar1..arp, ma1..maq, sar1..sarP, sma1..smaQ, then the
  // mean (d + D = 0) or the drift per step (d + D = 1) when order().constant. Empty before Fit().
  const std::vector<double>& coefficients() const;
  // Innovation variance as forecast::Arima reports it: sum of squared residuals / (n - d - m*D
  // - number of coefficients). NaN before Fit().
  double sigma2() const;
  // Exact Gaussian log-likelihood of the final fit; NaN when it was estimated by CSS only.
  double log_likelihood() const;

 protected:
  Result<void> DoFit() override;

 private:
  struct State;
  ArimaOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace forescale::forecast
