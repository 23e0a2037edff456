// Seasonal ARIMA with automatic order selection, after R's forecast::auto.arima()
// (Hyndman & Khandakar 2008): differencing orders from unit-root tests (KPSS for d, a seasonal
// strength test for D), then a stepwise search over (p, q)(P, Q) by AICc; each candidate is
// fitted by conditional sum of squares followed by exact (or CSS) maximum likelihood with
// NLopt. One season at most (the shortest of FitContext::seasons <= ArimaOptions::max_period).
// Missing values are handled in the likelihood (skipped innovations), not filled with zeros.
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

struct ArimaOptions {
  std::optional<ArimaOrder> order;  // none: automatic
  size_t max_period = 168;
  int max_p = 5, max_q = 5, max_P = 2, max_Q = 2;
};

class ArimaForecaster final : public Forecaster {
 public:
  explicit ArimaForecaster(ArimaOptions options = {});
  ~ArimaForecaster() override;

  std::string Name() const override;
  Result<std::vector<double>> Predict(size_t horizon) const override;
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
