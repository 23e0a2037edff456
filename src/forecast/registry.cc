// MakeForecaster: the one place that knows every model family.
#include "forecast/arima.h"
#include "forecast/baseline.h"
#include "forecast/ets.h"
#include "forecast/forecaster.h"
#include "forecast/mstl.h"
#include "forecast/prophet.h"
#include "forecast/theta.h"

namespace forescale::forecast {

Result<std::unique_ptr<Forecaster>> MakeForecaster(std::string_view name) {
  if (name == "naive") return std::make_unique<NaiveForecaster>();
  if (name == "mean") return std::make_unique<MeanForecaster>();
  if (name == "snaive") return std::make_unique<SeasonalNaiveForecaster>();
  if (name == "ets") return std::make_unique<EtsForecaster>();
  if (name == "mstl") return std::make_unique<MstlForecaster>();
  if (name == "mstl-arima") return std::make_unique<MstlForecaster>(AdjustedModel::kArima);
  if (name == "theta") return std::make_unique<ThetaForecaster>();
  if (name == "arima") return std::make_unique<ArimaForecaster>();
  if (name == "prophet") return std::make_unique<ProphetForecaster>();
  std::string known;
  for (std::string_view n : kModelNames) known += (known.empty() ? "" : ", ") + std::string(n);
  return Fail(ErrorCode::kInvalidArgument,
              "unknown model '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace forescale::forecast
