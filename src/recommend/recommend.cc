#include "recommend/recommend.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "generate/profile.h"
#include "policy/policy.h"
#include "sim/simulator.h"
#include "testkit/scaling_metrics.h"

namespace forescale::recommend {
namespace {

using std::chrono::duration;

double Seconds(Duration d) { return duration<double>(d).count(); }

size_t IndexOf(const Series& s, TimePoint t) {
  if (t <= s.start) return 0;
  return std::min(s.size(), static_cast<size_t>((t - s.start) / s.step));
}

struct Load {
  std::string name;
  Series series;
  std::vector<Event> events;  // known in advance (the campaign)
};

// The history cropped to warm-up + scored part, and its two variations.
Result<std::vector<Load>> MakeLoads(const Series& history, const RecommendOptions& o,
                                    TimePoint& score_from, std::vector<Event>& campaign, Series& past) {
  if (history.empty()) return Fail(ErrorCode::kInvalidArgument, "recommend: the history is empty");
  Series base = history;
  if (o.last) {
    const TimePoint from = history.end() - *o.last - o.warmup;
    if (from > history.start) {
      const size_t i = IndexOf(history, from);
      past = history;
      past.values.resize(i);
      base.start = history.TimeAt(i);
      base.values.assign(history.values.begin() + static_cast<std::ptrdiff_t>(i), history.values.end());
    }
  }
  score_from = base.start + o.warmup;
  if (score_from >= base.end() - std::chrono::hours(1)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("recommend: the history ({}) is too short for a {} warm-up and a scored part",
                            FormatDuration(base.end() - base.start), FormatDuration(o.warmup)));
  }
  std::vector<Load> loads;
  loads.push_back({"history", base, {}});

  Series growth = base;
  for (size_t i = 0; i < growth.size(); ++i) {
    const double weeks = Seconds(growth.TimeAt(i) - score_from) / (7 * 86400.0);
    if (weeks > 0) growth.values[i] *= std::pow(1 + o.growth_per_week, weeks);
  }
  loads.push_back({fmt::format("growth +{:.0f}%/week", 100 * o.growth_per_week), std::move(growth), {}});

  // The campaign peaks over the busiest hour of the scored part.
  const size_t per_hour = std::max<size_t>(1, static_cast<size_t>(3600 / std::max(1.0, Seconds(base.step))));
  size_t best_start = IndexOf(base, score_from);
  double best_sum = -1;
  for (size_t i = IndexOf(base, score_from); i + per_hour <= base.size(); i += per_hour) {
    double sum = 0;
    for (size_t k = i; k < i + per_hour; ++k) sum += std::isfinite(base.values[k]) ? base.values[k] : 0;
    if (sum > best_sum) {
      best_sum = sum;
      best_start = i;
    }
  }
  Event e;
  e.name = "recommend-campaign";
  e.type = Event::Type::kCampaign;
  e.start = base.TimeAt(best_start) - std::chrono::hours(1);
  e.ramp_up = std::chrono::hours(1);
  e.plateau = std::chrono::hours(2);
  e.ramp_down = std::chrono::hours(1);
  e.peak_multiplier = o.campaign_peak;
  campaign = {e};
  Series with_campaign = base;
  generate::OverlayEvents(campaign, with_campaign);
  loads.push_back({fmt::format("campaign {:g}x", o.campaign_peak), std::move(with_campaign), campaign});
  return loads;
}

double PeakNeed(const Series& s, TimePoint from, const sim::ResourceModel& r) {
  double peak = 0;
  for (size_t i = IndexOf(s, from); i < s.size(); ++i) {
    if (std::isfinite(s.values[i])) peak = std::max(peak, s.values[i]);
  }
  return std::ceil(peak / (r.capacity_rps * r.target_utilisation));
}

double MedianNeed(const Series& s, TimePoint from, const sim::ResourceModel& r) {
  std::vector<double> v;
  for (size_t i = IndexOf(s, from); i < s.size(); ++i) {
    if (std::isfinite(s.values[i])) v.push_back(s.values[i]);
  }
  if (v.empty()) return 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return std::ceil(v[v.size() / 2] / (r.capacity_rps * r.target_utilisation));
}

// Runs `jobs` on `threads` threads.
void Parallel(size_t jobs, unsigned threads, const std::function<void(size_t)>& job) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs;) job(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(threads, jobs); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

class Evaluator {
 public:
  Evaluator(const std::vector<Load>& loads, const Series& past, const sim::ServiceModel& service,
            const RecommendOptions& o, TimePoint score_from, double violation_cost)
      : loads_(loads), past_(past), service_(service), o_(o), score_from_(score_from),
        violation_cost_(violation_cost) {}

  // One policy document (or kind name) over every load; several settings at once.
  std::vector<Result<Outcome>> Run(const std::vector<YAML::Node>& policies, const std::string& origin,
                                   std::vector<std::string>* warnings) {
    const size_t n = policies.size() * loads_.size();
    std::vector<Result<testkit::ScalingSummary>> runs(n, Fail(ErrorCode::kInternal, "not run"));
    std::vector<std::vector<std::string>> run_warnings(n);
    const unsigned threads = o_.threads ? o_.threads : std::max(1u, std::thread::hardware_concurrency());
    Parallel(n, threads, [&](size_t job) {
      const size_t p = job / loads_.size(), l = job % loads_.size();
      runs[job] = RunOne(policies[p], origin, loads_[l], &run_warnings[job]);
    });
    if (warnings && !run_warnings.empty()) *warnings = run_warnings[0];
    std::vector<Result<Outcome>> out;
    for (size_t p = 0; p < policies.size(); ++p) {
      Outcome o;
      std::optional<Error> error;
      for (size_t l = 0; l < loads_.size(); ++l) {
        const auto& r = runs[p * loads_.size() + l];
        if (!r) {
          error = r.error();
          break;
        }
        o.loads.push_back({loads_[l].name, static_cast<double>(r->slo_violation_minutes), r->cost,
                           r->response_time_p95, r->utilisation});
        o.slo_violation_minutes += static_cast<double>(r->slo_violation_minutes);
        o.cost += r->cost;
        o.response_p95_s = std::max(o.response_p95_s, r->response_time_p95);
      }
      if (error) {
        out.push_back(std::unexpected(*error));
        continue;
      }
      o.objective = o.cost + violation_cost_ * o.slo_violation_minutes;
      out.push_back(o);
    }
    return out;
  }

 private:
  Result<testkit::ScalingSummary> RunOne(const YAML::Node& policy_node, const std::string& origin,
                                         const Load& load, std::vector<std::string>* warnings) const {
    std::vector<std::unique_ptr<policy::Policy>> policies;
    for (size_t r = 0; r < service_.resources.size(); ++r) {
      policy::PolicyContext ctx = sim::ContextFor(service_.resources[r], &load.series, o_.seed);
      ctx.events = &load.events;
      // What Prometheus or the store would already hold when the replay starts.
      if (!past_.empty()) ctx.past_demand = &past_;
      ctx.warnings = warnings;
      auto p = r == 0 ? policy::LoadPolicy(policy_node, origin, ctx) : policy::LoadPolicy("hpa", ctx);
      if (!p) return std::unexpected(p.error());
      policies.push_back(std::move(*p));
    }
    auto timeline = sim::Simulate(load.series, service_, policies, {.step = o_.step, .seed = o_.seed});
    if (!timeline) return std::unexpected(timeline.error());
    return testkit::Summarise(*timeline, {.from = score_from_});
  }

  const std::vector<Load>& loads_;
  const Series& past_;
  const sim::ServiceModel& service_;
  const RecommendOptions& o_;
  TimePoint score_from_;
  double violation_cost_;
};

// Every point of a grid of `levels` per knob, evenly over each knob's range.
OptimiserResult GridSearch(const std::vector<Knob>& knobs, int levels, unsigned batch,
                           const std::function<std::vector<double>(const std::vector<Point>&)>& objective) {
  std::vector<std::vector<int>> axes;
  for (const Knob& k : knobs) {
    std::vector<int> axis;
    for (int i = 0; i < levels; ++i) {
      const int level = static_cast<int>(std::lround(static_cast<double>(i) * (k.Levels() - 1) / (levels - 1)));
      if (axis.empty() || axis.back() != level) axis.push_back(level);
    }
    axes.push_back(axis);
  }
  std::vector<Point> all(1, Point{});
  for (const auto& axis : axes) {
    std::vector<Point> next;
    for (const Point& p : all) {
      for (int level : axis) {
        Point q = p;
        q.push_back(level);
        next.push_back(std::move(q));
      }
    }
    all = std::move(next);
  }
  OptimiserResult r;
  for (size_t start = 0; start < all.size(); start += batch) {
    const std::vector<Point> chunk(all.begin() + static_cast<std::ptrdiff_t>(start),
                                   all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), start + batch)));
    const std::vector<double> values = objective(chunk);
    for (size_t k = 0; k < chunk.size(); ++k) {
      r.evaluations.push_back({chunk[k], values[k], 0});
      if (values[k] < r.evaluations[r.best].value) r.best = r.evaluations.size() - 1;
    }
  }
  return r;
}

}  // namespace

Result<Recommendation> Recommend(const Series& history, const sim::ServiceModel& service,
                                 const RecommendOptions& o) {
  if (service.resources.empty()) return Fail(ErrorCode::kInvalidArgument, "recommend: the service has no resources");
  const sim::ResourceModel& front = service.resources[0];
  TimePoint score_from{};
  std::vector<Event> campaign;
  Series past;
  auto loads = MakeLoads(history, o, score_from, campaign, past);
  if (!loads) return std::unexpected(loads.error());

  const double peak_need = PeakNeed((*loads)[0].series, score_from, front);
  // A history with no load in its scored part has nothing to tune against: every setting
  // scores the same, and "written back unchanged" would read as a verdict (found by probing).
  const Series& scored = (*loads)[0].series;
  bool any_load = false;
  for (size_t i = 0; i < scored.size() && !any_load; ++i) {
    any_load = scored.TimeAt(i) >= score_from && scored.values[i] > 0;
  }
  if (!any_load) {
    return Fail(ErrorCode::kInvalidArgument,
                "no load in the scored part of the history: nothing to tune against (every setting "
                "would score the same)");
  }
  KnobLimits limits{.capacity_per_replica = front.capacity_rps,
                    .max_replicas = front.max_replicas,
                    .min_replicas_hi = static_cast<int>(std::clamp(
                        MedianNeed((*loads)[0].series, score_from, front), front.min_replicas + 1.0,
                        static_cast<double>(std::max(front.min_replicas + 1, front.max_replicas)))),
                    .startup_delay_s = Seconds(front.startup_delay)};
  auto config = TunableConfig::Read(o.policy_path, limits);
  if (!config) return std::unexpected(config.error());
  // The file as a policy first, as simulate reads it: the tuned copies are re-rendered documents
  // whose errors would all point at line 1.
  {
    policy::PolicyContext ctx = sim::ContextFor(front, &(*loads)[0].series, o.seed);
    std::vector<std::string> ignored;
    ctx.warnings = &ignored;
    if (auto p = policy::LoadPolicy(o.policy_path, ctx); !p) return std::unexpected(p.error());
  }

  Recommendation rec{.config = std::move(*config)};
  for (const Load& l : *loads) rec.loads.push_back(l.name);
  rec.campaign = campaign;
  rec.history = (*loads)[0].series;
  rec.past = past;
  rec.score_from = score_from;
  rec.violation_cost = o.violation_cost > 0
                           ? o.violation_cost
                           : std::clamp(peak_need, 1.0, static_cast<double>(front.max_replicas)) *
                                 front.price_per_replica_hour;  // an hour of peak capacity
  Evaluator eval(*loads, past, service, o, score_from, rec.violation_cost);
  const auto started = std::chrono::steady_clock::now();

  // The current setting, exactly as written.
  rec.current_values = rec.config.Current();
  {
    auto r = eval.Run({rec.config.Document(rec.current_values)}, o.policy_path, &rec.warnings);
    if (!r[0]) return std::unexpected(r[0].error());
    rec.current = *r[0];
  }

  // The search, on the knobs' grids.
  const std::vector<Knob>& knobs = rec.config.knobs();
  OptimiserOptions opt{.budget = std::max(1, o.budget - 1), .batch = 2, .seed = o.seed};
  Point start;
  for (const Knob& k : knobs) {
    opt.levels.push_back(k.Levels());
    start.push_back(k.LevelOf(k.current));
  }
  opt.start = {start};
  auto values_of = [&](const Point& p) {
    std::vector<double> v;
    for (size_t i = 0; i < knobs.size(); ++i) v.push_back(knobs[i].ValueAt(p[i]));
    return v;
  };
  std::optional<Error> failure;
  auto objective = [&](const std::vector<Point>& points) {
    std::vector<YAML::Node> docs;
    for (const Point& p : points) docs.push_back(rec.config.Document(values_of(p)));
    auto results = eval.Run(docs, o.policy_path, nullptr);
    std::vector<double> values;
    for (auto& r : results) {
      if (!r) {
        if (!failure) failure = r.error();
        rec.evaluated.push_back({});
        values.push_back(1e300);
        continue;
      }
      rec.evaluated.push_back(*r);
      values.push_back(std::max(r->objective, 1e-9));
    }
    return values;
  };
  if (o.grid_levels > 1) {
    rec.search = GridSearch(knobs, o.grid_levels, 2 * std::max(1u, o.threads ? o.threads : std::thread::hardware_concurrency()),
                            objective);
  } else {
    rec.search = Minimise(opt, objective);
  }
  if (failure && rec.evaluated.size() == rec.search.evaluations.size() &&
      std::all_of(rec.search.evaluations.begin(), rec.search.evaluations.end(),
                  [](const Evaluation& e) { return e.value >= 1e300; })) {
    return std::unexpected(failure->WithContext(o.policy_path));
  }
  rec.simulations = 1 + static_cast<int>(rec.search.evaluations.size());
  const Outcome& best = rec.evaluated[rec.search.best];
  if (best.objective < rec.current.objective) {
    rec.recommended_values = values_of(rec.search.evaluations[rec.search.best].point);
    rec.recommended = best;
  } else {
    rec.recommended_values = rec.current_values;  // nothing better found: keep it
    rec.recommended = rec.current;
  }
  rec.seconds = duration<double>(std::chrono::steady_clock::now() - started).count();

  // forescale's predictive policy on the same loads (knowing the campaign in advance).
  YAML::Node predictive("predictive");
  auto p = eval.Run({predictive}, "predictive", nullptr);
  if (!p[0]) return std::unexpected(p[0].error());
  rec.predictive = *p[0];
  return rec;
}

}  // namespace forescale::recommend
