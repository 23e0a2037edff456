#include "testkit/scaling_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/histogram.h"

namespace forescale::testkit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// A latency distribution weighted by requests. Runs of equal latency (every calm step) go in
// as one weighted entry: the histogram costs a logarithm per entry.
class LatencyRuns {
 public:
  void Add(float latency, double weight) {
    if (latency != value_) {
      Flush();
      value_ = latency;
    }
    weight_ += weight;
  }
  // NaN when nothing was added (nothing served has no latency).
  double Quantile(double q) {
    Flush();
    return histogram_.count() > 0 ? histogram_.Quantile(q) : kNaN;
  }

 private:
  void Flush() {
    if (weight_ > 0) histogram_.Add(value_, std::max<uint64_t>(1, std::llround(weight_)));
    weight_ = 0;
  }
  LogHistogram histogram_;
  float value_ = -1;
  double weight_ = 0;
};

}  // namespace

ScalingSummary Summarise(const sim::Timeline& timeline, const ScalingMetricsOptions& options) {
  ScalingSummary s;
  const size_t n = timeline.size();
  const int64_t step_ms = timeline.step.count();
  auto index_of = [&](TimePoint t) -> size_t {
    if (t <= timeline.start) return 0;
    const int64_t k = (t - timeline.start).count() / step_ms;
    return std::min(n, static_cast<size_t>(k));
  };
  const size_t begin = index_of(options.from);
  const size_t end = options.to == TimePoint::max() ? n : index_of(options.to);
  if (begin >= end) return s;
  const double dt = Seconds(timeline.step);
  const double slo = Seconds(timeline.slo_p95_latency);
  s.duration_hours = static_cast<double>(end - begin) * dt / 3600.0;

  // Requests, drops, latency distribution and SLO minutes.
  // The p99 from the steps' own p99 when the timeline has them (a simulated one), none otherwise
  // (a live one measures p95 only): the p95s' 99th percentile is not a p99 (found by probing:
  // it equalled the p95 on every steady load).
  LatencyRuns latency, latency99;
  const bool has_p99 = timeline.latency_p99.size() == n;
  // Minutes are minutes of time, whatever the step (found by probing: a one-hour window
  // counted 64 minutes at a 7 s step, 80 at 45 s, 40 at 90 s). Below a minute, each step
  // belongs to the minute it starts in, and the last, partial minute counts when it holds half
  // a minute or more; from a minute up, a step is its share of minutes (a 5-minute step that
  // violates the SLO is five violation minutes).
  double minute_weight = 0, minute_slow = 0, minute_drops = 0;
  double minutes = 0, violation_minutes = 0;
  auto violates = [&] {
    // The minute's p95 exceeds the SLO when more than 5 % of its requests were slow.
    return minute_drops >= 0.5 || (minute_weight > 0 && minute_slow > 0.05 * minute_weight);
  };
  auto close_minute = [&](double length_minutes) {
    minutes += length_minutes;
    if (violates()) violation_minutes += length_minutes;
    minute_weight = minute_slow = minute_drops = 0;
  };
  int64_t minute = 0;
  for (size_t i = begin; i < end; ++i) {
    const double arrived = timeline.demand[i] * dt;
    const double served = timeline.served[i] * dt;
    const double dropped = timeline.dropped[i] * dt;
    s.requests += arrived;
    s.dropped += dropped;
    if (served > 0) {
      latency.Add(timeline.latency_p95[i], served);
      if (has_p99) latency99.Add(timeline.latency_p99[i], served);
    }
    if (dt < 60) {
      const auto m =
          static_cast<int64_t>(std::floor(static_cast<double>(i - begin) * dt / 60 + 1e-9));
      if (m != minute) close_minute(1);
      minute = m;
    }
    minute_weight += served;
    if (timeline.latency_p95[i] > slo) minute_slow += served;
    minute_drops += dropped;
    if (dt >= 60) close_minute(dt / 60);
  }
  if (dt < 60) {
    const double last = static_cast<double>(end - begin) * dt - static_cast<double>(minute) * 60;
    if (last >= 30 - 1e-9) close_minute(1);
  }
  s.minutes = static_cast<size_t>(std::llround(minutes));
  s.slo_violation_minutes = static_cast<size_t>(std::llround(violation_minutes));
  s.drop_fraction = s.requests > 0 ? s.dropped / s.requests : 0;
  // Nothing served has no latency: 0 ms made a policy that dropped every request the report's
  // best (found by probing); not available, like a cost efficiency without an oracle.
  s.latency_p95 = latency.Quantile(0.95);
  s.latency_p99 = latency99.Quantile(0.99);

  // Per resource: cost, utilisation, scaling actions; response time on the front resource.
  for (size_t r = 0; r < timeline.resources.size(); ++r) {
    const sim::ResourceTimeline& rt = timeline.resources[r];
    ResourceSummary rs{.name = rt.name, .policy = rt.policy};
    double replica_seconds = 0, ready_seconds = 0, served_work = 0, target_capacity = 0;
    int previous = rt.desired[begin];
    for (size_t i = begin; i < end; ++i) {
      replica_seconds += rt.running[i] * dt;
      ready_seconds += rt.ready[i] * dt;
      served_work += rt.served[i] * dt;
      target_capacity += rt.ready[i] * rt.capacity_rps * rt.target_utilisation * dt;
      rs.max_replicas = std::max(rs.max_replicas, rt.running[i]);
      if (rt.desired[i] > previous) ++rs.scale_ups;
      if (rt.desired[i] < previous) ++rs.scale_downs;
      previous = rt.desired[i];
    }
    rs.replica_hours = replica_seconds / 3600.0;
    rs.cost = rs.replica_hours * rt.price_per_replica_hour;
    rs.mean_ready = ready_seconds / (static_cast<double>(end - begin) * dt);
    // No ready capacity at all: 0 / 0, not available (not 0 %).
    rs.utilisation = target_capacity > 0 ? served_work / target_capacity : kNaN;
    rs.cpu_utilisation =
        target_capacity > 0 ? served_work / (target_capacity / rt.target_utilisation) : kNaN;
    s.cost += rs.cost;
    s.resources.push_back(rs);
  }
  if (!timeline.resources.empty()) {
    s.utilisation = s.resources[0].utilisation;
    const sim::ResourceTimeline& front = timeline.resources[0];
    const size_t min_steps =
        std::max<size_t>(1, static_cast<size_t>(Seconds(options.min_episode) / dt));
    std::vector<double> episodes;
    size_t open = 0;
    bool in_episode = false;
    for (size_t i = begin; i <= end; ++i) {
      const bool short_of =
          i < end && front.demand[i] >
                         front.ready[i] * front.capacity_rps * front.target_utilisation * 1.0001;
      if (short_of) s.under_provisioned_seconds += dt;
      if (short_of && !in_episode) {
        in_episode = true;
        open = i;
      } else if (!short_of && in_episode) {
        in_episode = false;
        if (i - open >= min_steps) episodes.push_back(static_cast<double>(i - open) * dt);
      }
    }
    // Rises, per minute: the need at the target grew; met in advance if no step of that minute
    // was short of ready capacity.
    const size_t per_minute = std::max<size_t>(1, static_cast<size_t>(60.0 / dt));
    const double per_replica = front.capacity_rps * front.target_utilisation;
    int previous_need = -1;
    for (size_t m = begin; m + per_minute <= end; m += per_minute) {
      double peak = 0;
      bool covered = true;
      for (size_t i = m; i < m + per_minute; ++i) {
        peak = std::max(peak, static_cast<double>(front.demand[i]));
        const double capacity = front.ready[i] * per_replica;
        if (front.demand[i] > capacity * 1.0001) covered = false;
        if (front.demand[i] > 0) {
          s.worst_shortfall = std::max(s.worst_shortfall, 1.0 - capacity / front.demand[i]);
        }
      }
      const int need = per_replica > 0 ? static_cast<int>(std::ceil(peak / per_replica - 1e-9)) : 0;
      if (previous_need >= 0 && need > previous_need) {
        ++s.rises;
        if (covered) ++s.rises_met_in_advance;
      }
      previous_need = need;
    }
    // Scaling actions and flaps (up then down, or down then up, within the flap window).
    const size_t flap_steps = static_cast<size_t>(Seconds(options.flap_window) / dt);
    int last_direction = 0;
    size_t last_change = 0;
    for (size_t i = begin + 1; i < end; ++i) {
      const int delta = front.desired[i] - front.desired[i - 1];
      if (delta == 0) continue;
      ++s.scaling_actions;
      const int direction = delta > 0 ? 1 : -1;
      if (last_direction != 0 && direction != last_direction && i - last_change <= flap_steps) ++s.flaps;
      last_direction = direction;
      last_change = i;
    }
    s.scaling_episodes = episodes.size();
    if (!episodes.empty()) {
      double sum = 0;
      for (double e : episodes) sum += e;
      s.response_time_mean = sum / static_cast<double>(episodes.size());
      s.response_time_p95 = Percentile(episodes, 0.95);
      s.response_time_max = *std::max_element(episodes.begin(), episodes.end());
    }
  }
  return s;
}

}  // namespace forescale::testkit
