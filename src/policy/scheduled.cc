#include "policy/scheduled.h"

#include <algorithm>

#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::ClampReplicas;

ScheduledPolicy::ScheduledPolicy(ScheduledOptions options) : options_(std::move(options)) {}

std::vector<ScheduledPolicy::Run> ScheduledPolicy::RunsIn(TimePoint from, TimePoint to) const {
  std::vector<Run> runs;
  for (size_t i = 0; i < options_.actions.size(); ++i) {
    const ScheduledAction& a = options_.actions[i];
    if (a.at) {
      if (*a.at > from && *a.at <= to) runs.push_back({*a.at, i});
      continue;
    }
    TimePoint lo = from, hi = to;
    if (a.start) lo = std::max(lo, *a.start - Duration{1});
    if (a.end) hi = std::min(hi, *a.end);
    if (lo >= hi) continue;
    // CronSchedule::RunsBetween is [from, to) at minute resolution; we want (lo, hi].
    for (TimePoint t : a.cron->RunsBetween(lo + Duration{1}, hi + Duration{1})) {
      runs.push_back({t, i});
    }
  }
  std::stable_sort(runs.begin(), runs.end(), [](const Run& x, const Run& y) {
    return x.time < y.time || (x.time == y.time && x.action < y.action);
  });
  return runs;
}

internal::Bounds ScheduledPolicy::Narrow(const Observation& obs) {
  std::optional<int> desired;
  std::string ran;
  auto apply = [&](const Run& run, bool with_desired) {
    const ScheduledAction& a = options_.actions[run.action];
    if (a.min_replicas) min_ = a.min_replicas;
    if (a.max_replicas) max_ = a.max_replicas;
    if (with_desired && a.desired_replicas) desired = a.desired_replicas;
    last_action_ = a.name + " (" + FormatRfc3339(run.time) + ")";
  };
  if (!last_) {
    if (options_.replay.count() > 0) {
      for (const Run& run : RunsIn(obs.now - options_.replay, obs.now - interval())) {
        apply(run, false);
      }
    }
    last_ = obs.now - interval();
  }
  for (const Run& run : RunsIn(*last_, obs.now)) {
    apply(run, true);
    ran += (ran.empty() ? "" : ", ") + options_.actions[run.action].name;
  }
  last_ = obs.now;

  internal::Bounds b;
  b.min_replicas =
      ClampReplicas(min_.value_or(obs.min_replicas), obs.min_replicas, obs.max_replicas);
  b.max_replicas =
      ClampReplicas(max_.value_or(obs.max_replicas), obs.min_replicas, obs.max_replicas);
  b.max_replicas = std::max(b.max_replicas, b.min_replicas);
  if (desired) b.desired = ClampReplicas(*desired, b.min_replicas, b.max_replicas);
  b.reason =
      "scheduled [" + std::to_string(b.min_replicas) + ", " + std::to_string(b.max_replicas) + "]";
  if (!ran.empty()) {
    b.reason += " set now by " + ran;
  } else if (!last_action_.empty()) {
    b.reason += " since " + last_action_;
  } else {
    b.reason += " (no action has run)";
  }
  if (b.desired) b.reason += ", desired " + std::to_string(*b.desired);
  return b;
}

Decision ScheduledPolicy::Decide(const Observation& obs) {
  const internal::Bounds b = Narrow(obs);
  const int from = b.desired.value_or(obs.current_replicas);
  Decision d{.desired_replicas = ClampReplicas(from, b.min_replicas, b.max_replicas)};
  d.reason = b.reason + ": " + std::to_string(obs.current_replicas) + " -> " +
             std::to_string(d.desired_replicas);
  return d;
}

namespace internal {

PolicyResult MakeScheduled(const YAML::Node* config, const YamlConfig& reader,
                           const PolicyContext&) {
  if (!config) {
    return Fail(ErrorCode::kInvalidArgument,
                reader.origin() +
                    ": a scheduled policy needs its actions: write them in a policy file "
                    "(see examples/policies/scheduled.yaml) and pass its path");
  }
  if (auto ok = reader.Keys(*config, "", {"kind", "replay", "actions"}); !ok) {
    return std::unexpected(ok.error());
  }
  ScheduledOptions options;
  auto replay = reader.Time(*config, "", "replay", options.replay);
  if (!replay) return std::unexpected(replay.error());
  options.replay = *replay;
  const YAML::Node actions = (*config)["actions"];
  if (!actions) return reader.Bad(*config, "actions", "missing");
  if (!actions.IsSequence() || actions.size() == 0) {
    return reader.Bad(actions, "actions", "expected a list of scheduled actions");
  }
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string path = "actions[" + std::to_string(i) + "]";
    const YAML::Node node = actions[i];
    if (auto ok = reader.Keys(node, path,
                              {"name", "cron", "at", "start", "end", "min", "max", "desired"});
        !ok) {
      return std::unexpected(ok.error());
    }
    ScheduledAction a;
    auto name = reader.Text(node, path, "name", path);
    if (!name) return std::unexpected(name.error());
    a.name = *name;
    auto time = [&](const char* key) -> Result<std::optional<TimePoint>> {
      if (!node[key]) return std::optional<TimePoint>();
      auto text = reader.Text(node, path, key);
      if (!text) return std::unexpected(text.error());
      auto t = ParseRfc3339(*text);
      if (!t) return reader.Bad(node[key], YamlConfig::Join(path, key), t.error().message());
      return std::optional<TimePoint>(*t);
    };
    if (node["cron"] && node["at"]) {
      return reader.Bad(node, path, "give either cron (a recurrence) or at (one time), not both");
    }
    if (node["cron"]) {
      auto text = reader.Text(node, path, "cron");
      if (!text) return std::unexpected(text.error());
      auto cron = CronSchedule::Parse(*text);
      if (!cron) {
        return reader.Bad(node["cron"], YamlConfig::Join(path, "cron"), cron.error().message());
      }
      a.cron = std::move(*cron);
    } else if (node["at"]) {
      auto at = time("at");
      if (!at) return std::unexpected(at.error());
      a.at = *at;
      if (node["start"] || node["end"]) {
        return reader.Bad(node, path,
                          "start and end bound a cron recurrence; a one-time action "
                          "has only 'at'");
      }
    } else {
      return reader.Bad(node, path, "missing: cron (a recurrence) or at (one time)");
    }
    auto start = time("start");
    if (!start) return std::unexpected(start.error());
    auto end = time("end");
    if (!end) return std::unexpected(end.error());
    a.start = *start;
    a.end = *end;
    if (a.start && a.end && *a.end <= *a.start) {
      return reader.Bad(node["end"], YamlConfig::Join(path, "end"), "must be after start");
    }
    for (auto [key, field] : {std::pair{"min", &a.min_replicas}, std::pair{"max", &a.max_replicas},
                              std::pair{"desired", &a.desired_replicas}}) {
      auto v = ReadReplicas(reader, node, path, key);
      if (!v) return std::unexpected(v.error());
      *field = *v;
    }
    if (!a.min_replicas && !a.max_replicas && !a.desired_replicas) {
      return reader.Bad(node, path, "an action must set at least one of min, max, desired");
    }
    if (a.min_replicas && a.max_replicas && *a.max_replicas < *a.min_replicas) {
      return reader.Bad(node["max"], YamlConfig::Join(path, "max"),
                        "must be >= min (" + std::to_string(*a.min_replicas) + ")");
    }
    if (a.desired_replicas && ((a.min_replicas && *a.desired_replicas < *a.min_replicas) ||
                               (a.max_replicas && *a.desired_replicas > *a.max_replicas))) {
      return reader.Bad(node["desired"], YamlConfig::Join(path, "desired"),
                        "must lie within the action's min and max");
    }
    options.actions.push_back(std::move(a));
  }
  return std::make_unique<ScheduledPolicy>(std::move(options));
}

}  // namespace internal
}  // namespace forescale::policy
