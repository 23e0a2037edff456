#include "forecast/online.h"

namespace forescale::forecast {

OnlineForecaster::OnlineForecaster(std::unique_ptr<Forecaster> model, OnlineOptions options)
    : model_(std::move(model)), options_(options) {}

Result<void> OnlineForecaster::Start(const Series& history, const FitContext& context) {
  history_ = history;
  context_ = context;
  since_refit_ = 0;
  return model_->Fit(history_, context_);
}

Result<void> OnlineForecaster::Observe(double value) {
  history_.values.push_back(value);
  if (options_.max_history && history_.size() > options_.max_history) {
    // Keep the window bounded; the dropped prefix moves the start forward.
    const size_t drop = history_.size() - options_.max_history;
    history_.values.erase(history_.values.begin(), history_.values.begin() + static_cast<ptrdiff_t>(drop));
    history_.start += history_.step * static_cast<int64_t>(drop);
  }
  ++observed_;
  if (options_.refit_every && ++since_refit_ >= options_.refit_every) {
    since_refit_ = 0;
    ++refits_;
    return model_->Fit(history_, context_);
  }
  return model_->Update(value);
}

}  // namespace forescale::forecast
