// The file level of AWS configuration: which documents a file holds, which group they are for,
// which alarm runs which policy, and how the policies combine.

#include "policy/aws_config.h"
#include "policy/internal/warnings.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "policy/combined.h"
#include "policy/internal/aws_config_documents.h"

namespace forescale::policy {
namespace {

using internal::AwsAlarm;
using internal::AwsDocumentKind;
using internal::AwsReadContext;
using internal::AwsScalingPolicy;
using internal::AwsScheduledAction;
using internal::ClassifyAwsDocument;
using internal::JsonObject;
using Type = AwsScalingPolicy::Type;

// The lists of describe-* output, each item a document of its own.
constexpr const char* kDescribeLists[] = {"ScalingPolicies", "ScheduledUpdateGroupActions",
                                          "MetricAlarms"};

bool IsDescribeOutput(const YAML::Node& node) {
  if (!node.IsMap() || node["kind"]) return false;
  for (const char* key : kDescribeLists) {
    if (node[key]) return true;
  }
  return false;
}

struct Document {
  YAML::Node node;
  std::string path;
};

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The documents of `node`, in file order: an array's items, a describe output's list items,
// or the node itself.
Result<void> CollectDocuments(const YAML::Node& node, const std::string& path,
                              const AwsReadContext& ctx, std::vector<Document>& out) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto ok = CollectDocuments(node[i], Index(path, i), ctx, out); !ok) return ok;
    }
    return {};
  }
  if (!IsDescribeOutput(node) && !(node.IsMap() && node["CompositeAlarms"])) {
    out.push_back({node, path});
    return {};
  }
  auto wrapper = JsonObject::Open(node, path, ctx);
  if (!wrapper) return std::unexpected(wrapper.error());
  for (const char* list : kDescribeLists) {
    if (!wrapper->Has(list)) {
      wrapper->MarkRead(list);
      continue;
    }
    const YAML::Node items = wrapper->At(list);
    wrapper->MarkRead(list);
    if (!items.IsSequence()) return wrapper->Bad(list, "expected a list");
    for (size_t i = 0; i < items.size(); ++i) {
      out.push_back({items[i], Index(wrapper->PathOf(list), i)});
    }
  }
  // Composite alarms combine other alarms' states; one that runs a scaling policy cannot be
  // simulated, the others change nothing here.
  auto composites = wrapper->ObjectList("CompositeAlarms");
  if (!composites) return std::unexpected(composites.error());
  for (JsonObject& alarm : *composites) {
    auto actions = alarm.StringList("AlarmActions");
    if (!actions) return std::unexpected(actions.error());
    for (const std::string& action : *actions) {
      if (action.find(":scalingPolicy:") != std::string::npos) {
        return alarm.Bad("AlarmActions",
                         "a composite alarm that runs a scaling policy cannot "
                         "be simulated (" +
                             action + ")");
      }
    }
  }
  auto next = wrapper->String("NextToken");
  if (!next) return std::unexpected(next.error());
  if (*next) {
    wrapper->Warn("NextToken",
                  "the describe output continues on further pages that are not in "
                  "this file (pass --no-paginate or merge the pages)");
  }
  wrapper->Identity({"LogAlarms"});
  wrapper->WarnUnread();
  return {};
}

// A scaling policy ARN: "...:scalingPolicy:<id>:autoScalingGroupName/<group>:policyName/<name>".
struct PolicyRef {
  std::string group;
  std::string name;
};

PolicyRef ParsePolicyRef(const std::string& action) {
  if (!action.starts_with("arn:")) return {"", action};
  auto part = [&](const std::string& key) {
    const size_t at = action.find(key);
    if (at == std::string::npos) return std::string();
    const size_t from = at + key.size();
    return action.substr(from, action.find(':', from) - from);
  };
  return {part(":autoScalingGroupName/"), part(":policyName/")};
}

// The node of `doc`'s field `name` (for its line), or `doc` when it has none.
YAML::Node FieldNode(const YAML::Node& doc, const char* name) {
  const YAML::Node n = doc[name];
  return n.IsDefined() ? n : doc;
}

std::string PolicyLabel(const AwsScalingPolicy& p) {
  if (!p.name.empty()) return p.name;
  return p.type == Type::kTargetTracking ? "target tracking configuration"
                                         : "predictive scaling configuration";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Whether an alarm-driven policy can remove capacity.
bool ScalesIn(const StepPolicySpec& p) {
  return std::any_of(p.steps.begin(), p.steps.end(), [&](const StepAdjustment& s) {
    return p.adjustment_type == AdjustmentType::kExactCapacity || s.adjustment < 0;
  });
}

class ConfigReader {
 public:
  ConfigReader(const YamlConfig& reader, const PolicyContext& context,
               std::vector<std::string>& warnings)
      : ctx_{reader, warnings}, context_(context) {}

  Result<AwsPolicyConfig> Read(const YAML::Node& root) {
    std::vector<Document> documents;
    if (auto ok = CollectDocuments(root, "", ctx_, documents); !ok) {
      return std::unexpected(ok.error());
    }
    for (const Document& d : documents) {
      if (auto ok = ReadDocument(d); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = PairAlarms(); !ok) return std::unexpected(ok.error());
    Build();
    if (config_.members.empty()) {
      return ctx_.Bad(root, "", "no scaling policy or scheduled action to simulate");
    }
    WarnAboutVetoes();
    return std::move(config_);
  }

 private:
  // Remembers the group a document names; a second group is an error.
  Result<void> NoteGroup(const std::string& group, JsonObject& doc) {
    if (group.empty()) return {};
    if (config_.group.empty()) {
      config_.group = group;
    } else if (group != config_.group) {
      return doc.Bad("AutoScalingGroupName",
                     "this file describes two Auto Scaling groups ('" + config_.group + "' and '" +
                         group + "'); forescale simulates one group per policy: split the file");
    }
    return {};
  }

  Result<void> ReadDocument(const Document& d) {
    auto kind = ClassifyAwsDocument(d.node);
    if (!kind) {
      return ctx_.Bad(d.node, d.path,
                      "not an AWS Auto Scaling document: expected the input of put-scaling-policy "
                      "(PolicyName, PolicyType), put-metric-alarm (AlarmName) or "
                      "put-scheduled-update-group-action (ScheduledActionName)");
    }
    auto doc = JsonObject::Open(d.node, d.path, ctx_);
    if (!doc) return std::unexpected(doc.error());
    switch (*kind) {
      case AwsDocumentKind::kAlarm: {
        auto alarm = internal::ReadAwsAlarm(*doc);
        if (!alarm) return std::unexpected(alarm.error());
        alarms_.push_back(std::move(*alarm));
        return {};
      }
      case AwsDocumentKind::kScheduledAction: {
        auto action = internal::ReadAwsScheduledAction(*doc);
        if (!action) return std::unexpected(action.error());
        if (auto ok = NoteGroup(action->group, *doc); !ok) return ok;
        order_.push_back({Entry::kScheduled, scheduled_.size()});
        scheduled_.push_back(std::move(*action));
        return {};
      }
      default: {
        auto policy = internal::ReadAwsScalingPolicy(*doc, *kind, context_);
        if (!policy) return std::unexpected(policy.error());
        if (auto ok = NoteGroup(policy->group, *doc); !ok) return ok;
        order_.push_back({Entry::kPolicy, policies_.size()});
        policies_.push_back(std::move(*policy));
        return {};
      }
    }
  }

  // The step or simple policy an alarm action names, if it is in this file.
  std::optional<size_t> FindPolicy(const std::string& action) const {
    const PolicyRef ref = ParsePolicyRef(action);
    for (size_t i = 0; i < policies_.size(); ++i) {
      const AwsScalingPolicy& p = policies_[i];
      if (!p.arn.empty() && p.arn == action) return i;
      if (p.name.empty() || p.name != ref.name) continue;
      if (!ref.group.empty() && !p.group.empty() && ref.group != p.group) continue;
      return i;
    }
    return std::nullopt;
  }

  static bool AlarmDriven(const AwsScalingPolicy& p) {
    return p.type == Type::kStep || p.type == Type::kSimple;
  }

  Result<void> PairAlarms() {
    std::set<std::pair<size_t, size_t>> paired;  // (policy, alarm)
    std::set<size_t> silenced;                   // policies whose alarms have actions disabled
    std::set<size_t> used;                       // alarms that run a policy of this file
    auto pair = [&](size_t policy, size_t alarm) {
      used.insert(alarm);
      // Target tracking runs its own alarms (describe-alarms lists them): nothing to pair.
      if (!AlarmDriven(policies_[policy])) return;
      if (!alarms_[alarm].actions_enabled) {
        silenced.insert(policy);
        return;
      }
      if (paired.insert({policy, alarm}).second) pairs_.push_back({policy, alarm});
    };
    for (size_t a = 0; a < alarms_.size(); ++a) {
      for (const std::string& action : alarms_[a].policy_actions) {
        if (const auto policy = FindPolicy(action)) pair(*policy, a);
      }
    }
    // describe-policies output names each policy's alarms.
    for (size_t p = 0; p < policies_.size(); ++p) {
      for (const std::string& name : policies_[p].alarm_names) {
        for (size_t a = 0; a < alarms_.size(); ++a) {
          if (alarms_[a].name == name) pair(p, a);
        }
      }
    }
    for (size_t a = 0; a < alarms_.size(); ++a) {
      const AwsAlarm& alarm = alarms_[a];
      for (const std::string& action : alarm.policy_actions) {
        if (!FindPolicy(action)) {
          ctx_.Warn(FieldNode(alarm.at, "AlarmActions"),
                    YamlConfig::Join(alarm.path, "AlarmActions"),
                    "runs policy " + action + ", which is not in this file: ignored");
        }
      }
      if (!used.contains(a) && alarm.policy_actions.empty()) {
        ctx_.Warn(alarm.at, alarm.path, "alarm " + alarm.name + " runs no scaling policy: ignored");
      } else if (used.contains(a) && !alarm.actions_enabled) {
        ctx_.Warn(FieldNode(alarm.at, "ActionsEnabled"),
                  YamlConfig::Join(alarm.path, "ActionsEnabled"),
                  "false: alarm " + alarm.name + " runs none of its policies");
      }
    }
    std::stable_sort(pairs_.begin(), pairs_.end());
    for (size_t p = 0; p < policies_.size(); ++p) {
      const AwsScalingPolicy& policy = policies_[p];
      if (!AlarmDriven(policy) || !policy.enabled) continue;
      const bool has_alarm =
          std::any_of(pairs_.begin(), pairs_.end(), [&](const auto& x) { return x.first == p; });
      if (has_alarm) continue;
      if (silenced.contains(p)) {
        ctx_.Warn(policy.at, policy.path,
                  "policy " + PolicyLabel(policy) +
                      " is left out: its alarms have ActionsEnabled false, so AWS never runs it");
        continue;
      }
      std::string hint =
          "add the put-metric-alarm input whose AlarmActions name it (its PolicyARN or PolicyName)";
      if (!policy.alarm_names.empty()) {
        hint = "its alarms (" + JoinNames(policy.alarm_names) +
               ") are not in this file: add the output of aws cloudwatch describe-alarms "
               "--alarm-names for them";
      }
      return ctx_.Bad(
          FieldNode(policy.at, "PolicyName"), YamlConfig::Join(policy.path, "PolicyName"),
          std::string(policy.type == Type::kStep ? "step" : "simple") + " scaling policy " +
              PolicyLabel(policy) + " has no alarm to run it: " + hint);
    }
    return {};
  }

  // The alarm-driven specs of policy `p`, one per alarm, bounds in forescale's units.
  std::vector<StepPolicySpec> SpecsFor(size_t p) const {
    std::vector<StepPolicySpec> specs;
    size_t count = 0;
    for (const auto& [policy, alarm] : pairs_) count += policy == p ? 1 : 0;
    for (const auto& [policy, a] : pairs_) {
      if (policy != p) continue;
      const AwsAlarm& alarm = alarms_[a];
      StepPolicySpec spec = policies_[p].alarm_driven;
      spec.name = PolicyLabel(policies_[p]) + (count > 1 ? " (alarm " + alarm.name + ")" : "");
      spec.alarm = alarm.alarm;
      for (StepAdjustment& s : spec.steps) {
        if (s.lower) *s.lower /= alarm.divisor;
        if (s.upper) *s.upper /= alarm.divisor;
      }
      specs.push_back(std::move(spec));
    }
    return specs;
  }

  void Build() {
    std::optional<size_t> step_member, simple_member, scheduled_member;
    std::vector<std::string> step_names, simple_names, scheduled_names;
    std::map<int64_t, std::string> warmups;  // step warm-up (ms) -> a policy that sets it
    for (const Entry& e : order_) {
      if (e.kind == Entry::kScheduled) {
        const AwsScheduledAction& s = scheduled_[e.index];
        if (!scheduled_member) {
          scheduled_member = config_.members.size();
          config_.members.push_back({"", ScheduledOptions{}});
        }
        auto& options = std::get<ScheduledOptions>(config_.members[*scheduled_member].options);
        for (const ScheduledAction& a : s.actions) options.actions.push_back(a);
        scheduled_names.push_back(s.actions.front().name);
        continue;
      }
      const AwsScalingPolicy& p = policies_[e.index];
      if (!p.enabled) {
        ctx_.Warn(FieldNode(p.at, "Enabled"), YamlConfig::Join(p.path, "Enabled"),
                  "false: AWS does not run policy " + PolicyLabel(p) + ", so it is left out");
        continue;
      }
      switch (p.type) {
        case Type::kTargetTracking:
          config_.members.push_back({PolicyLabel(p), p.target_tracking});
          break;
        case Type::kPredictive:
          config_.members.push_back({PolicyLabel(p), p.predictive});
          break;
        case Type::kStep:
        case Type::kSimple: {
          std::vector<StepPolicySpec> specs = SpecsFor(e.index);
          if (specs.empty()) break;  // its alarms run no policy (PairAlarms said so)
          const bool step = p.type == Type::kStep;
          std::optional<size_t>& member = step ? step_member : simple_member;
          if (!member) {
            member = config_.members.size();
            StepScalingOptions options;
            options.mode =
                step ? StepScalingOptions::Mode::kStep : StepScalingOptions::Mode::kSimple;
            config_.members.push_back({"", options});
          }
          auto& options = std::get<StepScalingOptions>(config_.members[*member].options);
          for (StepPolicySpec& spec : specs) options.policies.push_back(std::move(spec));
          (step ? step_names : simple_names).push_back(PolicyLabel(p));
          if (step && p.warmup) warmups.emplace(p.warmup->count(), PolicyLabel(p));
          break;
        }
      }
    }
    if (step_member) {
      auto& member = config_.members[*step_member];
      member.name = "step: " + JoinNames(step_names);
      // forescale's step policy has one warm-up for the group's step policies; the longest is
      // the one that keeps instances out of the metric the longest.
      if (!warmups.empty()) {
        std::get<StepScalingOptions>(member.options).warmup = Duration(warmups.rbegin()->first);
      }
      if (warmups.size() > 1) {
        ctx_.warnings.push_back(
            ctx_.reader.origin() + ": step policies " + JoinNames(step_names) +
            " set different EstimatedInstanceWarmup values; forescale uses one for all, the "
            "longest (" +
            FormatDuration(Duration(warmups.rbegin()->first)) + ", from " +
            warmups.rbegin()->second + ")");
      }
    }
    if (simple_member) config_.members[*simple_member].name = "simple: " + JoinNames(simple_names);
    if (scheduled_member) {
      config_.members[*scheduled_member].name = "scheduled: " + JoinNames(scheduled_names);
    }
  }

  // forescale's `combined` lets a member that holds veto another member's scale-in (right for
  // several target tracking policies); AWS runs an alarm-driven scale-in whenever its alarm
  // fires. Say so when the difference can show.
  void WarnAboutVetoes() {
    size_t dynamic = 0;
    std::vector<std::string> scale_in;
    for (const AwsPolicyMember& m : config_.members) {
      if (std::holds_alternative<TargetTrackingOptions>(m.options)) ++dynamic;
      if (const auto* s = std::get_if<StepScalingOptions>(&m.options)) {
        ++dynamic;
        for (const StepPolicySpec& p : s->policies) {
          if (ScalesIn(p)) scale_in.push_back(p.name);
        }
      }
    }
    if (dynamic < 2 || scale_in.empty()) return;
    ctx_.warnings.push_back(
        ctx_.reader.origin() + ": scale-in by " + JoinNames(scale_in) +
        " is approximated: combined with other dynamic policies it applies only when they also "
        "hold or scale in (forescale's combined rule); AWS runs it whenever its alarm fires and "
        "no other policy is scaling out at the same time");
  }

  struct Entry {
    enum Kind { kPolicy, kScheduled } kind;
    size_t index;
  };

  AwsReadContext ctx_;
  const PolicyContext& context_;
  std::vector<AwsScalingPolicy> policies_;
  std::vector<AwsAlarm> alarms_;
  std::vector<AwsScheduledAction> scheduled_;
  std::vector<Entry> order_;                      // policies and actions in file order
  std::vector<std::pair<size_t, size_t>> pairs_;  // (policy, alarm), by policy then alarm
  AwsPolicyConfig config_;
};

// "parse error at line 3, column 5: syntax error while parsing object key - unexpected '}'"
// -> (3, "syntax error while parsing object key - unexpected '}'").
std::string JsonSyntaxError(const std::string& path, const std::string& text,
                            const nlohmann::json::parse_error& e) {
  const size_t upto = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  const int64_t line =
      1 + std::count(text.begin(), text.begin() + static_cast<int64_t>(upto), '\n');
  std::string what = e.what();
  if (const size_t at = what.find(": ", what.find("parse error")); at != std::string::npos) {
    what = what.substr(at + 2);
  }
  return path + ":" + std::to_string(line) + ": invalid JSON: " + what;
}

bool HasJsonExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".json";
}

}  // namespace

bool LooksLikeAwsConfig(const YAML::Node& root) {
  if (IsDescribeOutput(root)) return true;
  if (root.IsSequence()) {
    for (const YAML::Node& item : root) {
      if (IsDescribeOutput(item) || ClassifyAwsDocument(item)) return true;
    }
    return false;
  }
  return ClassifyAwsDocument(root).has_value();
}

Result<AwsPolicyConfig> ReadAwsConfig(const YAML::Node& root, const YamlConfig& reader,
                                      const PolicyContext& context,
                                      std::vector<std::string>& warnings) {
  return ConfigReader(reader, context, warnings).Read(root);
}

std::unique_ptr<Policy> MakeAwsPolicy(const AwsPolicyConfig& config) {
  std::vector<std::unique_ptr<Policy>> members;
  for (const AwsPolicyMember& m : config.members) {
    members.push_back(std::visit(
        [](const auto& options) -> std::unique_ptr<Policy> {
          using O = std::decay_t<decltype(options)>;
          if constexpr (std::is_same_v<O, TargetTrackingOptions>) {
            return std::make_unique<TargetTrackingPolicy>(options);
          } else if constexpr (std::is_same_v<O, StepScalingOptions>) {
            return std::make_unique<StepScalingPolicy>(options);
          } else if constexpr (std::is_same_v<O, AwsPredictiveOptions>) {
            return std::make_unique<AwsPredictivePolicy>(options);
          } else {
            return std::make_unique<ScheduledPolicy>(options);
          }
        },
        m.options));
  }
  if (members.size() == 1) return std::move(members.front());
  return std::make_unique<CombinedPolicy>(std::move(members));
}

Result<std::unique_ptr<Policy>> PolicyFromAwsConfig(const YAML::Node& root,
                                                    const YamlConfig& reader,
                                                    const PolicyContext& context) {
  std::vector<std::string> warnings;
  auto config = ReadAwsConfig(root, reader, context, warnings);
  // Warnings are worth seeing even when an error follows them.
  for (std::string& w : warnings) internal::Warn(context, std::move(w));
  if (!config) return std::unexpected(config.error());
  return MakeAwsPolicy(*config);
}

std::optional<Result<std::unique_ptr<Policy>>> LoadAwsPolicyFile(const std::string& path,
                                                                 const PolicyContext& context) {
  const bool json = HasJsonExtension(path);
  auto text = ReadConfigFile(path);
  if (!text) {
    if (!json) return std::nullopt;
    return std::unexpected(text.error());
  }
  // yaml-cpp reads JSON too (and keeps lines for the messages), but also takes what JSON
  // forbids (trailing commas, comments); nlohmann checks the syntax the AWS CLI enforces.
  if (json && !nlohmann::json::accept(*text)) {
    try {
      const nlohmann::json parsed = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& e) {
      return Fail(ErrorCode::kInvalidArgument, JsonSyntaxError(path, *text, e));
    }
  }
  auto root = LoadYamlText(*text, path);
  if (!root) {
    if (!json) return std::nullopt;
    return std::unexpected(root.error());
  }
  if (!LooksLikeAwsConfig(*root)) return std::nullopt;
  return PolicyFromAwsConfig(*root, YamlConfig(path), context);
}

}  // namespace forescale::policy
