#include "policy/combined.h"

#include <algorithm>
#include <filesystem>

#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::ClampReplicas;

namespace {

// Scheduled actions set the bounds that predictive scaling then raises the minimum of.
int SetterRank(const Policy& p) { return p.kind() == "scheduled" ? 0 : 1; }

}  // namespace

CombinedPolicy::CombinedPolicy(std::vector<std::unique_ptr<Policy>> members) {
  for (size_t i = 0; i < members.size(); ++i) {
    Member m;
    m.bounds = dynamic_cast<internal::BoundsSetter*>(members[i].get());
    m.policy = std::move(members[i]);
    m.index = i;
    interval_ = i == 0 ? m.policy->interval() : std::min(interval_, m.policy->interval());
    members_.push_back(std::move(m));
  }
  std::stable_sort(members_.begin(), members_.end(), [](const Member& a, const Member& b) {
    const int ra = a.bounds ? SetterRank(*a.policy) : 2;
    const int rb = b.bounds ? SetterRank(*b.policy) : 2;
    return ra < rb;
  });
}

bool CombinedPolicy::Due(Member& member, TimePoint now) {
  if (member.next_due && now < *member.next_due) return false;
  member.next_due = now + member.policy->interval();
  return true;
}

Decision CombinedPolicy::Decide(const Observation& obs) {
  Observation view = obs;
  std::string bounds_text;
  double expected_load = std::nan("");
  for (Member& m : members_) {
    if (!m.bounds) continue;
    if (Due(m, obs.now) || !m.last_bounds) {
      m.last_bounds = m.bounds->Narrow(view);
    } else {
      m.last_bounds->desired.reset();  // a DesiredCapacity applies once, when its action runs
    }
    const internal::Bounds& b = *m.last_bounds;
    // Within the resource's own bounds, whatever a member asks for.
    view.max_replicas = ClampReplicas(b.max_replicas, obs.min_replicas, obs.max_replicas);
    view.min_replicas = ClampReplicas(b.min_replicas, obs.min_replicas, view.max_replicas);
    if (b.desired) {
      view.current_replicas = ClampReplicas(*b.desired, view.min_replicas, view.max_replicas);
    }
    if (std::isnan(expected_load)) expected_load = b.expected_load;
    bounds_text += "; #" + std::to_string(m.index + 1) + " " + b.reason;
  }

  std::optional<size_t> winner;
  int best = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    Member& m = members_[i];
    if (m.bounds) continue;
    if (Due(m, obs.now) || !m.last_decision) m.last_decision = m.policy->Decide(view);
    const int desired = m.last_decision->desired_replicas;
    if (!winner || desired > best) {
      winner = i;
      best = desired;
    }
  }

  Decision d;
  const int lo = view.min_replicas, hi = view.max_replicas;
  if (!winner) {
    d.desired_replicas = ClampReplicas(view.current_replicas, lo, hi);
    d.reason = "bounds only: " + std::to_string(obs.current_replicas) + " -> " +
               std::to_string(d.desired_replicas);
  } else {
    const Member& w = members_[*winner];
    d.desired_replicas = ClampReplicas(best, lo, hi);
    if (best <= view.min_replicas && view.min_replicas > obs.min_replicas) {
      // Every member sits on the raised minimum: the bounds decided, not a member.
      d.reason = "the narrowed minimum " + std::to_string(view.min_replicas) + " wins (#" +
                 std::to_string(w.index + 1) + " " + std::string(w.policy->kind()) + ": " +
                 w.last_decision->reason + ")";
    } else {
      d.reason = "#" + std::to_string(w.index + 1) + " " + std::string(w.policy->kind()) +
                 " wins with " + std::to_string(best) + " (" + w.last_decision->reason + ")";
    }
    if (d.desired_replicas != best) d.reason += ", kept to " + std::to_string(d.desired_replicas);
    if (!std::isnan(w.last_decision->expected_load)) {
      expected_load = w.last_decision->expected_load;
    }
    for (size_t i = 0; i < members_.size(); ++i) {
      const Member& m = members_[i];
      if (m.bounds || i == *winner) continue;
      d.reason += "; #" + std::to_string(m.index + 1) + " " + std::string(m.policy->kind()) + " " +
                  std::to_string(m.last_decision->desired_replicas);
    }
  }
  d.reason += bounds_text;
  d.expected_load = expected_load;
  return d;
}

namespace internal {

PolicyResult MakeCombined(const YAML::Node* config, const YamlConfig& reader,
                          const PolicyContext& context) {
  if (!config) {
    return Fail(ErrorCode::kInvalidArgument,
                reader.origin() +
                    ": a combined policy needs its members: write them in a policy file "
                    "(see examples/policies/combined.yaml) and pass its path");
  }
  if (auto ok = reader.Keys(*config, "", {"kind", "members"}); !ok) {
    return std::unexpected(ok.error());
  }
  const YAML::Node members = (*config)["members"];
  if (!members) return reader.Bad(*config, "members", "missing");
  if (!members.IsSequence() || members.size() == 0) {
    return reader.Bad(members, "members", "expected a list of policies (files or mappings)");
  }
  // A member file is found next to the file that names it, as an include would be.
  std::error_code ec;
  const std::filesystem::path origin(reader.origin());
  const bool origin_is_file = std::filesystem::is_regular_file(origin, ec);
  const std::vector<std::string>& kinds = PolicyKinds();
  std::vector<std::unique_ptr<Policy>> policies;
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string path = "members[" + std::to_string(i) + "]";
    YAML::Node node = members[i];
    if (node.IsScalar()) {
      const std::string name = node.Scalar();
      if (name == "combined") {
        return reader.Bad(node, path, "a combined member needs its own file");
      }
      const bool is_kind = std::find(kinds.begin(), kinds.end(), name) != kinds.end();
      std::filesystem::path file(name);
      if (!is_kind && file.is_relative() && origin_is_file) {
        const std::filesystem::path beside = origin.parent_path() / file;
        if (std::filesystem::exists(beside, ec)) node = YAML::Node(beside.string());
      }
    }
    auto policy = MakeFromNode(node, reader, context);
    if (!policy) {
      // An inline member's error already names this file and line; a member file's names that
      // file, so say which member brought it in.
      if (!node.IsScalar()) return std::unexpected(policy.error());
      return reader.Bad(members[i], path, policy.error().message());
    }
    policies.push_back(std::move(*policy));
  }
  return std::make_unique<CombinedPolicy>(std::move(policies));
}

}  // namespace internal
}  // namespace forescale::policy
