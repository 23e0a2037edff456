#include "loadgen/schedule.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace forescale::loadgen {

Result<Arrivals> ParseArrivals(const std::string& text) {
  if (text == "poisson") return Arrivals::kPoisson;
  if (text == "uniform") return Arrivals::kUniform;
  if (text == "compressed") return Arrivals::kCompressed;
  return Fail(ErrorCode::kInvalidArgument,
              "arrivals: '" + text + "' is not poisson, uniform or compressed");
}

Result<Schedule> Schedule::FromProfile(const Series& profile,
                                       const ProfileScheduleOptions& options) {
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    return Fail(ErrorCode::kInvalidArgument, "time scale must be positive");
  }
  if (profile.empty()) return Fail(ErrorCode::kInvalidArgument, "the profile is empty");
  if (profile.step.count() <= 0)
    return Fail(ErrorCode::kInvalidArgument, "the profile step is not positive");
  auto rates = std::make_shared<std::vector<double>>();
  rates->reserve(profile.size());
  Schedule s;
  s.kind_ = Kind::kProfile;
  s.options_ = options;
  s.step_s_ = std::chrono::duration<double>(profile.step).count() / options.time_scale;
  for (size_t i = 0; i < profile.size(); ++i) {
    const double r = profile.values[i];
    if (r < 0 || std::isinf(r)) {
      return Fail(ErrorCode::kInvalidArgument, "profile value " + std::to_string(r) + " at " +
                                                   FormatRfc3339(profile.TimeAt(i)) +
                                                   " is not a rate (requests/s >= 0)");
    }
    rates->push_back(std::isnan(r) ? 0.0 : r);
    s.expected_ += rates->back() * s.step_s_;
  }
  s.rates_ = std::move(rates);
  s.length_ns_ =
      static_cast<int64_t>(std::llround(s.step_s_ * 1e9 * static_cast<double>(profile.size())));
  return s;
}

Result<Schedule> Schedule::ConstantRate(double rps, double seconds,
                                        const ProfileScheduleOptions& options) {
  if (!(rps >= 0) || !std::isfinite(rps))
    return Fail(ErrorCode::kInvalidArgument, "rate must be >= 0");
  if (!(seconds > 0)) return Fail(ErrorCode::kInvalidArgument, "duration must be positive");
  // One step of the whole duration at scale 1: the rate and length are exactly what was asked.
  ProfileScheduleOptions o = options;
  o.time_scale = 1.0;
  Series one{.start = TimePoint{},
             .step = Duration(std::max<int64_t>(1, std::llround(seconds * 1000))),
             .values = {rps}};
  return FromProfile(one, o);
}

Result<Schedule> Schedule::FromRequests(std::vector<TimedRequest> requests, double time_scale) {
  if (!(time_scale > 0) || !std::isfinite(time_scale)) {
    return Fail(ErrorCode::kInvalidArgument, "time scale must be positive");
  }
  if (requests.empty()) return Fail(ErrorCode::kInvalidArgument, "no requests");
  std::stable_sort(requests.begin(), requests.end(),
                   [](const TimedRequest& a, const TimedRequest& b) { return a.t_ms < b.t_ms; });
  Schedule s;
  s.kind_ = Kind::kRequests;
  s.requests_.clear();
  std::map<std::pair<std::string, std::string>, uint32_t> index;
  auto arrivals = std::make_shared<std::vector<Arrival>>();
  arrivals->reserve(requests.size());
  const int64_t t0 = requests.front().t_ms;
  for (TimedRequest& r : requests) {
    auto key = std::make_pair(r.spec.method, r.spec.path);
    auto [it, inserted] = index.emplace(key, static_cast<uint32_t>(s.requests_.size()));
    if (inserted) s.requests_.push_back(std::move(r.spec));
    const double ns = static_cast<double>(r.t_ms - t0) * 1e6 / time_scale;
    arrivals->push_back({static_cast<int64_t>(std::llround(ns)), it->second});
  }
  // One millisecond of profile time after the last request, so it lies inside the run.
  s.length_ns_ = arrivals->back().at_ns + static_cast<int64_t>(std::llround(1e6 / time_scale));
  s.expected_ = static_cast<double>(arrivals->size());
  s.arrivals_ = std::move(arrivals);
  return s;
}

Result<Schedule> Schedule::FromRequestsFile(const std::string& path, double time_scale) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, path + ": cannot open the request file");
  std::vector<TimedRequest> requests;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::string where = path + ":" + std::to_string(line_no);
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return Fail(ErrorCode::kInvalidArgument, where + ": not a JSON object");
    }
    auto t = j.find("t");
    auto p = j.find("path");
    if (t == j.end() || !t->is_string())
      return Fail(ErrorCode::kInvalidArgument, where + ": no \"t\" timestamp");
    if (p == j.end() || !p->is_string() || p->get_ref<const std::string&>().empty() ||
        p->get_ref<const std::string&>()[0] != '/') {
      return Fail(ErrorCode::kInvalidArgument, where + ": no \"path\" starting with '/'");
    }
    auto when = ParseRfc3339(t->get_ref<const std::string&>());
    if (!when) return std::unexpected(when.error().WithContext(where));
    TimedRequest r{.t_ms = when->time_since_epoch().count()};
    r.spec.path = p->get<std::string>();
    if (auto m = j.find("method"); m != j.end() && m->is_string())
      r.spec.method = m->get<std::string>();
    for (char c : r.spec.path + r.spec.method) {
      if (c == ' ' || c == '\r' || c == '\n') {
        return Fail(ErrorCode::kInvalidArgument, where + ": space or line break in method or path");
      }
    }
    requests.push_back(std::move(r));
  }
  if (requests.empty()) return Fail(ErrorCode::kInvalidArgument, path + ": no requests");
  auto s = FromRequests(std::move(requests), time_scale);
  if (!s) return std::unexpected(s.error().WithContext(path));
  return s;
}

Schedule Schedule::Max() { return Schedule(); }

Schedule::Cursor Schedule::Share(size_t k, size_t shares) const {
  Cursor c;
  c.schedule_ = this;
  c.shares_ = std::max<size_t>(shares, 1);
  c.share_ = k % c.shares_;
  c.rng_ = Rng(options_.seed);
  return c;
}

std::optional<Arrival> Schedule::Cursor::Next() {
  // Skip to this share's next position: every share walks the one global sequence, so the
  // split does not change which arrivals exist.
  while (true) {
    const uint64_t position = index_;
    std::optional<Arrival> a = NextGlobal();
    if (!a) return std::nullopt;
    if (position % shares_ == share_) return a;
  }
}

std::optional<Arrival> Schedule::Cursor::NextGlobal() {
  const Schedule& s = *schedule_;
  switch (s.kind_) {
    case Kind::kMax:
      ++index_;
      return Arrival{};
    case Kind::kRequests:
      if (index_ >= s.arrivals_->size()) return std::nullopt;
      return (*s.arrivals_)[index_++];
    case Kind::kProfile:
      break;
  }
  const std::vector<double>& rates = *s.rates_;
  const double dt = s.step_s_;
  auto at = [&](double seconds_in_step) {
    const double wall = (static_cast<double>(step_) + 0.0) * dt + seconds_in_step;
    return Arrival{static_cast<int64_t>(std::llround(wall * 1e9)), 0};
  };
  if (s.options_.arrivals == Arrivals::kUniform) {
    while (step_ < rates.size()) {
      if (!step_started_) {
        const double want = carry_ + rates[step_] * dt;
        step_n_ = static_cast<uint64_t>(std::floor(want + 1e-9));
        carry_ = std::max(0.0, want - static_cast<double>(step_n_));
        step_k_ = 0;
        step_started_ = true;
      }
      if (step_k_ < step_n_) {
        const double offset =
            (static_cast<double>(step_k_) + 0.5) * dt / static_cast<double>(step_n_);
        ++step_k_;
        ++index_;
        return at(offset);
      }
      ++step_;
      step_started_ = false;
    }
    return std::nullopt;
  }
  // Poisson with a piecewise-constant rate: an exponential amount of "rate mass" is spent
  // across steps, so a rate change mid-gap is honoured exactly (inverse cumulative intensity).
  double mass = rng_.Exponential(1.0);
  if (s.options_.arrivals == Arrivals::kCompressed) {
    // Gamma(k, 1/k): the gap to the k-th next arrival of the k-times-denser stream.
    const int k = static_cast<int>(std::clamp(std::llround(s.options_.time_scale), 1LL, 3600LL));
    for (int i = 1; i < k; ++i) mass += rng_.Exponential(1.0);
    mass /= k;
  }
  while (step_ < rates.size()) {
    const double left = rates[step_] * (dt - t_);
    if (mass < left) {
      t_ += mass / rates[step_];
      ++index_;
      return at(t_);
    }
    mass -= left;
    ++step_;
    t_ = 0;
  }
  return std::nullopt;
}

}  // namespace forescale::loadgen
