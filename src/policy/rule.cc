#include "policy/rule.h"

#include <cmath>
#include <sstream>

#include "policy/internal/factories.h"

namespace forescale::policy {

using internal::ClampReplicas;
using internal::FormatMetricValue;

namespace {

std::unexpected<Error> Bad(const std::string& what) {
  return Fail(ErrorCode::kInvalidArgument, what);
}

// Splits into words, with the comparison operators as words of their own ("cpu>80%" too).
std::vector<std::string> Words(std::string_view text) {
  std::string spaced;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '>' || c == '<') {
      spaced += ' ';
      spaced += c;
      if (i + 1 < text.size() && text[i + 1] == '=') spaced += text[++i];
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  std::istringstream in(spaced);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "2" or "50%": a positive whole amount.
std::optional<std::pair<int, bool>> ParseAmount(std::string_view s) {
  bool percent = false;
  if (!s.empty() && s.back() == '%') {
    percent = true;
    s.remove_suffix(1);
  }
  auto v = internal::ParsePlainNumber(s);
  if (!v || *v != std::floor(*v) || *v < 0 || *v > 100000) return std::nullopt;
  return std::pair{static_cast<int>(*v), percent};
}

std::string ActionText(const ScalingRule& r) {
  const std::string amount = std::to_string(r.amount) + (r.percent ? "%" : "");
  switch (r.action) {
    case ScalingRule::Action::kUp:
      return "scale up by " + amount;
    case ScalingRule::Action::kDown:
      return "scale down by " + amount;
    case ScalingRule::Action::kTo:
      return "scale to " + std::to_string(r.amount);
  }
  return "?";
}

std::string RuleText(const ScalingRule& r) {
  std::string s = ActionText(r) + " if " + r.metric.name + " " + internal::ComparisonSymbol(r.op) +
                  " " + FormatMetricValue(r.metric, r.threshold);
  if (r.sustain.count() > 0) s += " for " + FormatDuration(r.sustain);
  if (r.cooldown) s += " cooldown " + FormatDuration(*r.cooldown);
  return s;
}

int64_t Apply(const ScalingRule& r, int current) {
  switch (r.action) {
    case ScalingRule::Action::kTo:
      return r.amount;
    case ScalingRule::Action::kUp:
      if (!r.percent) return int64_t{current} + r.amount;
      return current + std::max<int64_t>(1, internal::CeilCapacity(current * r.amount / 100.0));
    case ScalingRule::Action::kDown:
      if (!r.percent) return int64_t{current} - r.amount;
      return current - std::max<int64_t>(
                           1, static_cast<int64_t>(std::floor(current * r.amount / 100.0 + 1e-9)));
  }
  return current;
}

}  // namespace

Result<ScalingRule> ParseRule(std::string_view text) {
  const std::vector<std::string> w = Words(text);
  const std::string quoted = "'" + std::string(text) + "'";
  auto expect = [&](size_t i, const std::string& what) {
    return Bad("cannot read rule " + quoted + ": expected " + what +
               (i < w.size() ? " at '" + w[i] + "'" : " at the end"));
  };
  ScalingRule r;
  size_t i = 0;
  if (i >= w.size() || Lower(w[i]) != "scale") return expect(i, "'scale'");
  ++i;
  const std::string verb = i < w.size() ? Lower(w[i]) : "";
  if (verb == "up" || verb == "down") {
    r.action = verb == "up" ? ScalingRule::Action::kUp : ScalingRule::Action::kDown;
    ++i;
    if (i >= w.size() || Lower(w[i]) != "by") return expect(i, "'by'");
    ++i;
    auto amount = i < w.size() ? ParseAmount(w[i]) : std::nullopt;
    if (!amount || amount->first == 0) return expect(i, "a positive whole number or percentage");
    r.amount = amount->first;
    r.percent = amount->second;
  } else if (verb == "to") {
    r.action = ScalingRule::Action::kTo;
    ++i;
    auto amount = i < w.size() ? ParseAmount(w[i]) : std::nullopt;
    if (!amount || amount->second) return expect(i, "a replica count");
    r.amount = amount->first;
  } else {
    return expect(i, "'up', 'down' or 'to'");
  }
  ++i;
  if (i >= w.size() || Lower(w[i]) != "if") return expect(i, "'if'");
  ++i;
  auto metric = i < w.size() ? internal::ParseMetricName(w[i]) : std::nullopt;
  if (!metric) return expect(i, std::string("a metric (") + internal::kMetricNameList + ")");
  r.metric = *metric;
  ++i;
  auto op = i < w.size() ? internal::ParseComparison(w[i]) : std::nullopt;
  if (!op || (w[i] != ">" && w[i] != ">=" && w[i] != "<" && w[i] != "<=")) {
    return expect(i, "one of > >= < <=");
  }
  r.op = *op;
  ++i;
  auto value = i < w.size() ? internal::ParseMetricValue(r.metric, w[i], false) : std::nullopt;
  if (!value) return expect(i, internal::MetricUnitHint(r.metric));
  r.threshold = *value;
  ++i;
  while (i < w.size()) {
    const std::string key = Lower(w[i]);
    if (key != "for" && key != "cooldown") return expect(i, "'for' or 'cooldown'");
    ++i;
    auto d = i < w.size() ? ParseDuration(w[i]) : Result<Duration>(Bad(""));
    if (i < w.size() && w[i] == "0") d = Duration{0};
    if (!d || d->count() < 0) return expect(i, "a duration such as 5m");
    (key == "for" ? r.sustain : r.cooldown.emplace()) = *d;
    ++i;
  }
  r.text = RuleText(r);
  return r;
}

RulePolicy::RulePolicy(RuleOptions options)
    : options_(std::move(options)),
      true_since_(options_.rules.size()),
      last_fired_(options_.rules.size()) {}

Decision RulePolicy::Decide(const Observation& obs) {
  const int current = obs.current_replicas;
  auto clamp = [&](int64_t n) { return ClampReplicas(n, obs.min_replicas, obs.max_replicas); };
  std::optional<size_t> winner;
  int winner_desired = 0;
  std::string waiting;
  for (size_t i = 0; i < options_.rules.size(); ++i) {
    const ScalingRule& r = options_.rules[i];
    const double value = internal::ReadMetric(obs, r.metric, options_.window);
    if (!internal::Breaches(r.op, value, r.threshold)) {
      true_since_[i].reset();
      continue;
    }
    if (!true_since_[i]) true_since_[i] = obs.now;
    const Duration held = obs.now - *true_since_[i];
    if (held < r.sustain) {
      waiting += (waiting.empty() ? "" : "; ") + r.text + ": true for " + FormatDuration(held);
      continue;
    }
    const Duration cooldown = r.cooldown.value_or(options_.cooldown);
    if (last_fired_[i] && obs.now - *last_fired_[i] < cooldown) {
      waiting += (waiting.empty() ? "" : "; ") + r.text + ": in cooldown";
      continue;
    }
    const int desired = clamp(Apply(r, current));
    if (desired == current) continue;
    if (!winner || desired > winner_desired) {
      winner = i;
      winner_desired = desired;
    }
  }
  Decision d{.desired_replicas = clamp(current)};
  if (!winner) {
    d.reason = waiting.empty() ? "no rule fires, hold " + std::to_string(current)
                               : waiting + ", hold " + std::to_string(current);
    return d;
  }
  const ScalingRule& r = options_.rules[*winner];
  d.desired_replicas = winner_desired;
  d.reason = "rule " + std::to_string(*winner + 1) + " '" + r.text + "': " + r.metric.name + " " +
             FormatMetricValue(r.metric, internal::ReadMetric(obs, r.metric, options_.window)) +
             ", " + std::to_string(current) + " -> " + std::to_string(winner_desired);
  last_fired_[*winner] = obs.now;
  for (auto& since : true_since_) since.reset();
  return d;
}

namespace internal {
namespace {

Result<ScalingRule> ReadStructuredRule(const YAML::Node& node, const std::string& path,
                                       const YamlConfig& reader) {
  if (auto ok = reader.Keys(node, path,
                            {"name", "metric", "op", "threshold", "for", "action", "cooldown"});
      !ok) {
    return std::unexpected(ok.error());
  }
  ScalingRule r;
  auto metric = reader.Text(node, path, "metric");
  if (!metric) return std::unexpected(metric.error());
  auto spec = ParseMetricName(*metric);
  if (!spec) {
    return reader.Bad(
        node["metric"], YamlConfig::Join(path, "metric"),
        "unknown metric '" + *metric + "' (expected one of: " + kMetricNameList + ")");
  }
  r.metric = *spec;
  auto op = reader.Text(node, path, "op");
  if (!op) return std::unexpected(op.error());
  auto cmp = ParseComparison(*op);
  if (!cmp) {
    return reader.Bad(node["op"], YamlConfig::Join(path, "op"),
                      "expected one of > >= < <=, got '" + *op + "'");
  }
  r.op = *cmp;
  auto threshold = ReadMetricValue(reader, node, path, "threshold", r.metric, false);
  if (!threshold) return std::unexpected(threshold.error());
  r.threshold = *threshold;
  auto sustain = reader.Time(node, path, "for", Duration{0});
  if (!sustain) return std::unexpected(sustain.error());
  r.sustain = *sustain;
  if (node["cooldown"]) {
    auto cooldown = reader.Time(node, path, "cooldown");
    if (!cooldown) return std::unexpected(cooldown.error());
    r.cooldown = *cooldown;
  }
  const std::string apath = YamlConfig::Join(path, "action");
  const YAML::Node action = node["action"];
  if (!action) return reader.Bad(node, apath, "missing");
  if (auto ok = reader.Keys(action, apath, {"scale", "by", "to"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto scale = reader.Text(action, apath, "scale");
  if (!scale) return std::unexpected(scale.error());
  const std::string verb = Lower(*scale);
  const char* amount_key = verb == "to" ? "to" : "by";
  if (verb != "up" && verb != "down" && verb != "to") {
    return reader.Bad(action["scale"], YamlConfig::Join(apath, "scale"),
                      "expected up, down or to, got '" + *scale + "'");
  }
  if (action[verb == "to" ? "by" : "to"]) {
    return reader.Bad(action, apath,
                      verb == "to" ? "'scale: to' takes 'to:', not 'by:'"
                                   : "'scale: " + verb + "' takes 'by:', not 'to:'");
  }
  auto amount_text = reader.Text(action, apath, amount_key);
  if (!amount_text) return std::unexpected(amount_text.error());
  auto amount = ParseAmount(*amount_text);
  if (!amount || (verb == "to" && amount->second) || (verb != "to" && amount->first == 0)) {
    return reader.Bad(action[amount_key], YamlConfig::Join(apath, amount_key),
                      verb == "to" ? "expected a replica count"
                                   : "expected a positive whole number or a percentage such as "
                                     "50%, got '" +
                                         *amount_text + "'");
  }
  r.action = verb == "up"     ? ScalingRule::Action::kUp
             : verb == "down" ? ScalingRule::Action::kDown
                              : ScalingRule::Action::kTo;
  r.amount = amount->first;
  r.percent = amount->second;
  r.text = RuleText(r);
  if (node["name"]) {
    auto name = reader.Text(node, path, "name");
    if (!name) return std::unexpected(name.error());
    r.text = *name + ": " + r.text;
  }
  return r;
}

// Used when `rule` is named on the command line.
RuleOptions DefaultRuleOptions() {
  RuleOptions options;
  for (const char* text :
       {"scale up by 2 if cpu > 80% for 3m", "scale down by 1 if cpu < 30% for 15m"}) {
    options.rules.push_back(*ParseRule(text));
  }
  return options;
}

}  // namespace

PolicyResult MakeRule(const YAML::Node* config, const YamlConfig& reader, const PolicyContext&) {
  if (!config) return std::make_unique<RulePolicy>(DefaultRuleOptions());
  if (auto ok = reader.Keys(*config, "", {"kind", "interval", "window", "cooldown", "rules"});
      !ok) {
    return std::unexpected(ok.error());
  }
  RuleOptions options;
  for (auto [key, field] :
       {std::pair{"interval", &options.interval}, std::pair{"window", &options.window},
        std::pair{"cooldown", &options.cooldown}}) {
    auto d = reader.Time(*config, "", key, *field);
    if (!d) return std::unexpected(d.error());
    if (std::string_view(key) != "cooldown" && d->count() <= 0) {
      return reader.Bad((*config)[key], key, "must be positive");
    }
    *field = *d;
  }
  const YAML::Node rules = (*config)["rules"];
  if (!rules) return reader.Bad(*config, "rules", "missing");
  if (!rules.IsSequence() || rules.size() == 0) {
    return reader.Bad(rules, "rules", "expected a list of rules");
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string path = "rules[" + std::to_string(i) + "]";
    const YAML::Node node = rules[i];
    if (node.IsScalar()) {
      auto r = ParseRule(node.Scalar());
      if (!r) return reader.Bad(node, path, r.error().message());
      options.rules.push_back(std::move(*r));
    } else if (node.IsMap()) {
      auto r = ReadStructuredRule(node, path, reader);
      if (!r) return std::unexpected(r.error());
      options.rules.push_back(std::move(*r));
    } else {
      return reader.Bad(node, path, "expected a rule: a line or a mapping");
    }
  }
  return std::make_unique<RulePolicy>(std::move(options));
}

}  // namespace internal
}  // namespace forescale::policy
