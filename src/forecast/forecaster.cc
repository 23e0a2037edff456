#include "forecast/forecaster.h"

#include <algorithm>
#include <cmath>

namespace forescale::forecast {

FitContext FitContext::FromRow(size_t row, Regressors& storage) const {
  if (!regressors || row == 0) return *this;
  storage = Regressors{.names = regressors->names, .columns = {},
                       .expected_lift = regressors->expected_lift};
  for (const std::vector<double>& column : regressors->columns) {
    const size_t from = std::min(row, column.size());
    storage.columns.emplace_back(column.begin() + static_cast<ptrdiff_t>(from), column.end());
  }
  FitContext out = *this;
  out.regressors = &storage;
  return out;
}

Result<void> Forecaster::Fit(const Series& history, const FitContext& context) {
  size_t present = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    const double v = history.values[i];
    if (std::isnan(v)) continue;
    if (!std::isfinite(v)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "history holds an infinite value at " + FormatRfc3339(history.TimeAt(i)));
    }
    ++present;
  }
  if (present == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                history.empty() ? "history is empty" : "history holds no value (all missing)");
  }
  history_ = history;
  context_ = context;
  notes_.clear();
  return DoFit();
}

Result<void> Forecaster::Extend(std::span<const double> values) {
  for (double v : values) {
    if (auto ok = Update(v); !ok) return ok;
  }
  return {};
}

Result<void> Forecaster::Update(double value) {
  history_.values.push_back(value);
  const Series extended = history_;
  const FitContext context = context_;
  return Fit(extended, context);
}

}  // namespace forescale::forecast
