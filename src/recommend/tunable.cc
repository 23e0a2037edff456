#include "recommend/tunable.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <variant>

#include "core/yaml_config.h"

namespace forescale::recommend {

struct TunableConfig::Edit {
  std::function<void(YAML::Node&, double)> yaml;        // on the policy document
  std::function<void(nlohmann::json&, double)> json;    // on the whole JSON file
};

namespace {

using Step = std::variant<std::string, size_t>;
using Path = std::vector<Step>;

std::string PathText(const Path& path) {
  std::string out;
  for (const Step& s : path) {
    if (const auto* key = std::get_if<std::string>(&s)) {
      out += (out.empty() ? "" : ".") + *key;
    } else {
      out += "[" + std::to_string(std::get<size_t>(s)) + "]";
    }
  }
  return out;
}

// The node at `path`, made (as maps) where missing. yaml-cpp nodes are handles: assigning
// through the result writes into `root`.
YAML::Node Walk(YAML::Node root, const Path& path) {
  YAML::Node node = root;
  for (const Step& s : path) {
    if (const auto* key = std::get_if<std::string>(&s)) {
      node.reset(node[*key]);
    } else {
      node.reset(node[std::get<size_t>(s)]);
    }
  }
  return node;
}

std::optional<double> NumberAt(const YAML::Node& root, const Path& path) {
  YAML::Node node = YAML::Clone(root);
  for (const Step& s : path) {
    if (!node.IsMap() && !node.IsSequence()) return std::nullopt;
    if (const auto* key = std::get_if<std::string>(&s)) {
      if (!node.IsMap() || !node[*key]) return std::nullopt;
      node.reset(node[*key]);
    } else {
      if (!node.IsSequence() || std::get<size_t>(s) >= node.size()) return std::nullopt;
      node.reset(node[std::get<size_t>(s)]);
    }
  }
  if (!node.IsScalar()) return std::nullopt;
  // Kubernetes quantities: 500m, 2k; plain numbers; "60%".
  std::string text = node.Scalar();
  double factor = 1;
  if (!text.empty() && text.back() == '%') text.pop_back();
  if (!text.empty() && text.back() == 'm') {
    factor = 1e-3;
    text.pop_back();
  } else if (!text.empty() && text.back() == 'k') {
    factor = 1e3;
    text.pop_back();
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v * factor;
}

// How a value is written back.
enum class Style { kInteger, kNumber, kQuantity, kQuotedNumber, kPercent, kSeconds };

std::string FormatValue(double v, Style style) {
  switch (style) {
    case Style::kInteger: return fmt::format("{}", static_cast<long long>(std::llround(v)));
    case Style::kPercent: return fmt::format("{}%", static_cast<long long>(std::llround(v)));
    case Style::kSeconds: return fmt::format("{}s", static_cast<long long>(std::llround(v)));
    case Style::kQuantity: {
      const double milli = std::round(v * 1000);
      if (std::fmod(milli, 1000) == 0) return fmt::format("{}", static_cast<long long>(milli / 1000));
      return fmt::format("{}m", static_cast<long long>(milli));
    }
    case Style::kNumber:
    case Style::kQuotedNumber: return fmt::format("{}", std::round(v * 1e6) / 1e6);
  }
  return "";
}

void SetYaml(YAML::Node doc, const Path& path, double v, Style style) {
  YAML::Node node = Walk(doc, path);
  node = FormatValue(v, style);
  // Kubernetes string fields (KEDA trigger metadata) must stay strings: the non-specific tag
  // "!" marks a quoted scalar, which EmitYaml keeps quoted.
  if (style == Style::kQuotedNumber) node.SetTag("!");
}

// A "nice" resolution: about a hundredth of the range, rounded to 1, 2 or 5 x 10^k.
double NiceStep(double range) {
  const double raw = range / 100;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

// A knob over a relative range around the current value (for units we cannot bound better).
Knob Relative(std::string name, std::string field, double current, std::string unit) {
  const double lo = current / 3, hi = current * 2;
  const double step = NiceStep(hi - lo);
  return {std::move(name), std::move(field), std::floor(lo / step) * step,
          std::ceil(hi / step) * step, step, current, std::move(unit)};
}

Knob Bounded(std::string name, std::string field, double lo, double hi, double step, double current,
             std::string unit) {
  return {std::move(name), std::move(field), std::min(lo, current), std::max(hi, current), step,
          current, std::move(unit)};
}

void EmitYaml(YAML::Emitter& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      if (n.size() == 0) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& kv : n) {
        out << YAML::Key;
        EmitYaml(out, kv.first);
        out << YAML::Value;
        EmitYaml(out, kv.second);
      }
      out << YAML::EndMap;
      return;
    case YAML::NodeType::Sequence:
      if (n.size() == 0) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : n) EmitYaml(out, item);
      out << YAML::EndSeq;
      return;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!") {
        out << YAML::DoubleQuoted << n.Scalar();
      } else {
        out << n.Scalar();
      }
      return;
    default:
      out << YAML::Null;
  }
}

}  // namespace

int Knob::Levels() const { return std::max(1, static_cast<int>(std::floor((hi - lo) / step + 1e-9)) + 1); }
double Knob::ValueAt(int level) const { return std::min(hi, lo + step * level); }
int Knob::LevelOf(double value) const {
  return std::clamp(static_cast<int>(std::lround((value - lo) / step)), 0, Levels() - 1);
}

namespace {

// Knobs of an HPA-shaped spec (a v2 manifest's `spec`, our `kind: hpa` root, or the HPA
// config KEDA makes), at `prefix`.
struct Found {
  std::vector<Knob> knobs;
  std::vector<std::shared_ptr<const TunableConfig::Edit>> edits;
  void Add(Knob k, std::function<void(YAML::Node&, double)> f) {
    knobs.push_back(std::move(k));
    edits.push_back(std::make_shared<const TunableConfig::Edit>(TunableConfig::Edit{std::move(f), nullptr}));
  }
  void AddJson(Knob k, std::function<void(nlohmann::json&, double)> f) {
    knobs.push_back(std::move(k));
    edits.push_back(std::make_shared<const TunableConfig::Edit>(TunableConfig::Edit{nullptr, std::move(f)}));
  }
  void YamlNumber(const YAML::Node& doc, std::string name, Path path, double lo, double hi,
                  double step, double fallback, std::string unit, Style style) {
    const double current = NumberAt(doc, path).value_or(fallback);
    Add(Bounded(std::move(name), PathText(path), lo, hi, step, current, std::move(unit)),
        [path, style](YAML::Node& d, double v) { SetYaml(d, path, v, style); });
  }
  // forescale's own files: durations such as "2m", percentages as "60%" or 0.6.
  void OwnDuration(const YAML::Node& doc, std::string name, const std::string& key, double lo,
                   double hi, double step, double fallback) {
    double current = fallback;
    if (doc[key] && doc[key].IsScalar()) {
      if (auto d = ParseDuration(doc[key].Scalar())) current = std::chrono::duration<double>(*d).count();
    }
    const Path path = {key};
    Add(Bounded(std::move(name), key, lo, hi, step, current, "s"),
        [path](YAML::Node& d, double v) { SetYaml(d, path, v, Style::kSeconds); });
  }
  void OwnPercent(const YAML::Node& doc, std::string name, const std::string& key, double lo, double hi,
                  double fallback) {
    double current = NumberAt(doc, {key}).value_or(fallback);
    if (doc[key] && doc[key].IsScalar() && doc[key].Scalar().find('%') == std::string::npos) current *= 100;
    const Path path = {key};
    Add(Bounded(std::move(name), key, lo, hi, 1, current, "%"),
        [path](YAML::Node& d, double v) { SetYaml(d, path, v, Style::kPercent); });
  }
};

void HpaMetricKnobs(const YAML::Node& doc, const Path& spec, Found& f) {
  Path metrics_path = spec;
  metrics_path.push_back(std::string("metrics"));
  YAML::Node metrics = YAML::Clone(doc);
  for (const Step& s : metrics_path) {
    metrics.reset(metrics.IsMap() ? metrics[std::get<std::string>(s)] : YAML::Node());
  }
  if (!metrics || !metrics.IsSequence() || metrics.size() == 0) {
    // The API default: cpu at 80 %; turning it writes the metric out.
    f.Add(Bounded("target cpu utilisation", PathText(metrics_path) + " (cpu Utilization)", 20, 90, 1, 80, "%"),
          [metrics_path](YAML::Node& d, double v) {
            YAML::Node m;
            m["type"] = "Resource";
            m["resource"]["name"] = "cpu";
            m["resource"]["target"]["type"] = "Utilization";
            m["resource"]["target"]["averageUtilization"] = FormatValue(v, Style::kInteger);
            YAML::Node list = Walk(d, metrics_path);
            list.push_back(m);
          });
    return;
  }
  for (size_t i = 0; i < metrics.size(); ++i) {
    const YAML::Node m = metrics[i];
    const std::string type = m["type"] ? m["type"].as<std::string>("") : "";
    Path base = metrics_path;
    base.push_back(i);
    if (type == "Resource") {
      Path target = base;
      target.insert(target.end(), {std::string("resource"), std::string("target")});
      if (NumberAt(doc, [&] { Path p = target; p.push_back(std::string("averageUtilization")); return p; }())) {
        Path p = target;
        p.push_back(std::string("averageUtilization"));
        f.YamlNumber(doc, "target cpu utilisation", p, 20, 90, 1, 80, "%", Style::kInteger);
      } else if (auto v = NumberAt(doc, [&] { Path p = target; p.push_back(std::string("averageValue")); return p; }())) {
        Path p = target;
        p.push_back(std::string("averageValue"));
        Knob k = Relative("target cpu per pod", PathText(p), *v, "cores");
        f.Add(k, [p](YAML::Node& d, double x) { SetYaml(d, p, x, Style::kQuantity); });
      }
      continue;
    }
    const char* field = type == "Pods" ? "pods" : type == "Object" ? "object" : type == "External" ? "external" : nullptr;
    if (!field) continue;
    for (const char* key : {"averageValue", "value"}) {
      Path p = base;
      p.insert(p.end(), {std::string(field), std::string("target"), std::string(key)});
      if (auto v = NumberAt(doc, p)) {
        const std::string metric = m[field]["metric"]["name"] ? m[field]["metric"]["name"].as<std::string>("") : "metric";
        f.Add(Relative("target " + metric + (std::string(key) == "averageValue" ? " per pod" : ""),
                       PathText(p), *v, ""),
              [p](YAML::Node& d, double x) { SetYaml(d, p, x, Style::kQuantity); });
        break;
      }
    }
  }
}

void BehaviorKnobs(const YAML::Node& doc, const Path& behavior, Found& f) {
  Path down = behavior;
  down.insert(down.end(), {std::string("scaleDown"), std::string("stabilizationWindowSeconds")});
  f.YamlNumber(doc, "scale-down stabilisation window", down, 0, 1800, 15, 300, "s", Style::kInteger);
  // The rate policies the file writes out (a Percent one per direction); the API defaults are
  // not written in, since turning them would mean inventing the list.
  for (const char* direction : {"scaleUp", "scaleDown"}) {
    Path list = behavior;
    list.insert(list.end(), {std::string(direction), std::string("policies")});
    YAML::Node policies = YAML::Clone(doc);
    for (const Step& s : list) policies.reset(policies.IsMap() ? policies[std::get<std::string>(s)] : YAML::Node());
    if (!policies || !policies.IsSequence()) continue;
    for (size_t i = 0; i < policies.size(); ++i) {
      if (policies[i]["type"] && policies[i]["type"].as<std::string>("") == "Percent") {
        Path p = list;
        p.insert(p.end(), {i, std::string("value")});
        if (std::string(direction) == "scaleUp") {
          f.YamlNumber(doc, "scale-up rate (percent per period)", p, 25, 1000, 25, 100, "%", Style::kInteger);
        } else {
          f.YamlNumber(doc, "scale-down rate (percent per period)", p, 5, 100, 5, 100, "%", Style::kInteger);
        }
        break;
      }
    }
  }
}

Result<Found> KubernetesKnobs(const YAML::Node& doc, const std::string& kind, const std::string& api,
                              const KnobLimits& limits, std::string& format) {
  Found f;
  const Path spec = {std::string("spec")};
  if (kind == "HorizontalPodAutoscaler" && api == "autoscaling/v1") {
    format = "HorizontalPodAutoscaler autoscaling/v1";
    f.YamlNumber(doc, "target cpu utilisation", {std::string("spec"), std::string("targetCPUUtilizationPercentage")},
                 20, 90, 1, 80, "%", Style::kInteger);
    f.YamlNumber(doc, "minimum replicas", {std::string("spec"), std::string("minReplicas")}, 1,
                 limits.min_replicas_hi, 1, 1, "replicas", Style::kInteger);
    return f;
  }
  if (kind == "HorizontalPodAutoscaler") {
    format = "HorizontalPodAutoscaler " + api;
    HpaMetricKnobs(doc, spec, f);
    f.YamlNumber(doc, "minimum replicas", {std::string("spec"), std::string("minReplicas")}, 1,
                 limits.min_replicas_hi, 1, 1, "replicas", Style::kInteger);
    BehaviorKnobs(doc, {std::string("spec"), std::string("behavior")}, f);
    return f;
  }
  // KEDA ScaledObject.
  format = "KEDA ScaledObject";
  const YAML::Node triggers = doc["spec"]["triggers"];
  if (triggers && triggers.IsSequence()) {
    for (size_t i = 0; i < triggers.size(); ++i) {
      const std::string type = triggers[i]["type"] ? triggers[i]["type"].as<std::string>("") : "";
      const Path meta = {std::string("spec"), std::string("triggers"), i, std::string("metadata")};
      if (type == "prometheus") {
        Path p = meta;
        p.push_back(std::string("threshold"));
        if (auto v = NumberAt(doc, p)) {
          f.Add(Relative("prometheus trigger threshold (per replica)", PathText(p), *v, ""),
                [p](YAML::Node& d, double x) { SetYaml(d, p, x, Style::kQuotedNumber); });
        }
      } else if (type == "cpu") {
        Path p = meta;
        p.push_back(std::string("value"));
        if (auto v = NumberAt(doc, p)) {
          f.Add(Bounded("cpu trigger target", PathText(p), 20, 90, 1, *v, "%"),
                [p](YAML::Node& d, double x) { SetYaml(d, p, x, Style::kQuotedNumber); });
        }
      }
    }
  }
  f.YamlNumber(doc, "minimum replicas", {std::string("spec"), std::string("minReplicaCount")}, 0,
               limits.min_replicas_hi, 1, 0, "replicas", Style::kInteger);
  f.YamlNumber(doc, "polling interval", {std::string("spec"), std::string("pollingInterval")}, 5, 60, 5,
               30, "s", Style::kInteger);
  BehaviorKnobs(doc,
                {std::string("spec"), std::string("advanced"), std::string("horizontalPodAutoscalerConfig"),
                 std::string("behavior")},
                f);
  return f;
}

Found ForescaleKnobs(const YAML::Node& doc, const std::string& kind, const KnobLimits& limits) {
  Found f;
  if (kind == "hpa") {
    HpaMetricKnobs(doc, {}, f);
    f.YamlNumber(doc, "minimum replicas", {std::string("minReplicas")}, 1, limits.min_replicas_hi, 1, 1,
                 "replicas", Style::kInteger);
    BehaviorKnobs(doc, {std::string("behavior")}, f);
  } else if (kind == "target-tracking") {
    f.OwnPercent(doc, "target", "target", 20, 90, 60);
    f.OwnDuration(doc, "warm-up", "warmup", 0, 600, 15, 300);
  } else if (kind == "predictive") {
    f.YamlNumber(doc, "quantile", {std::string("quantile")}, 0.5, 0.99, 0.01, 0.9, "", Style::kNumber);
    const double delay = limits.startup_delay_s;
    f.OwnDuration(doc, "lead (forecast horizon)", "lead", 15 * std::round(delay / 30),
                  15 * std::round(delay * 3 / 15), 15, delay);
    f.OwnPercent(doc, "max utilisation", "max_utilisation", 50, 95, 85);
  }
  return f;
}

void AwsDocumentKnobs(const nlohmann::json& doc, const nlohmann::json::json_pointer& at,
                      const std::string& label, Found& f) {
  auto number = [&](const nlohmann::json::json_pointer& p) -> std::optional<double> {
    if (!doc.contains(p) || !doc.at(p).is_number()) return std::nullopt;
    return doc.at(p).get<double>();
  };
  auto add = [&](Knob k, const nlohmann::json::json_pointer& p, bool integer) {
    k.name = label + k.name;
    f.AddJson(std::move(k), [p, integer](nlohmann::json& d, double v) {
      if (integer) {
        d[p] = static_cast<long long>(std::llround(v));
      } else {
        d[p] = std::round(v * 1e6) / 1e6;
      }
    });
  };
  const auto tt = at / "TargetTrackingConfiguration";
  if (auto v = number(tt / "TargetValue")) {
    const std::string type = doc.contains(tt / "PredefinedMetricSpecification" / "PredefinedMetricType")
                                 ? doc.at(tt / "PredefinedMetricSpecification" / "PredefinedMetricType").get<std::string>()
                                 : "";
    add(type == "ASGAverageCPUUtilization"
            ? Bounded("target tracking TargetValue", (tt / "TargetValue").to_string(), 20, 90, 1, *v, "%")
            : Relative("target tracking TargetValue", (tt / "TargetValue").to_string(), *v, ""),
        tt / "TargetValue", false);
  }
  if (auto v = number(at / "EstimatedInstanceWarmup")) {
    add(Bounded("EstimatedInstanceWarmup", (at / "EstimatedInstanceWarmup").to_string(), 0, 600, 15, *v, "s"),
        at / "EstimatedInstanceWarmup", true);
  }
  const auto ps = at / "PredictiveScalingConfiguration";
  if (doc.contains(ps)) {
    const auto spec = ps / "MetricSpecifications" / 0;
    if (auto v = number(spec / "TargetValue")) {
      const bool cpu = doc.contains(spec / "PredefinedMetricPairSpecification" / "PredefinedMetricType") &&
                       doc.at(spec / "PredefinedMetricPairSpecification" / "PredefinedMetricType") == "ASGCPUUtilization";
      add(cpu ? Bounded("predictive TargetValue", (spec / "TargetValue").to_string(), 20, 90, 1, *v, "%")
              : Relative("predictive TargetValue", (spec / "TargetValue").to_string(), *v, ""),
          spec / "TargetValue", false);
    }
    const double buffer = number(ps / "SchedulingBufferTime").value_or(300);
    add(Bounded("predictive SchedulingBufferTime", (ps / "SchedulingBufferTime").to_string(), 0, 900, 30, buffer, "s"),
        ps / "SchedulingBufferTime", true);
  }
  if (auto v = number(at / "Threshold")) {
    const bool cpu = doc.contains(at / "MetricName") && doc.at(at / "MetricName") == "CPUUtilization";
    add(cpu ? Bounded("alarm Threshold", (at / "Threshold").to_string(), std::max(5.0, *v - 30),
                      std::min(100.0, *v + 30), 1, *v, "%")
            : Relative("alarm Threshold", (at / "Threshold").to_string(), *v, ""),
        at / "Threshold", false);
  }
}

}  // namespace

Result<TunableConfig> TunableConfig::Read(const std::string& path, const KnobLimits& limits) {
  auto text = ReadConfigFile(path);
  if (!text) return std::unexpected(text.error());
  TunableConfig c;
  c.path_ = path;
  Found found;
  const size_t first = text->find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text->at(first) == '{' || text->at(first) == '[')) {
    c.json_ = true;
    try {
      c.json_doc_ = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& e) {
      return Fail(ErrorCode::kInvalidArgument, path + ": " + e.what());
    }
    c.format_ = "AWS Auto Scaling CLI input";
    if (c.json_doc_.is_array()) {
      for (size_t i = 0; i < c.json_doc_.size(); ++i) {
        const auto& d = c.json_doc_[i];
        std::string label;
        for (const char* id : {"PolicyName", "AlarmName", "ScheduledActionName"}) {
          if (d.is_object() && d.contains(id) && d[id].is_string()) label = d[id].get<std::string>() + ": ";
        }
        AwsDocumentKnobs(c.json_doc_, nlohmann::json::json_pointer("/" + std::to_string(i)), label, found);
      }
    } else {
      AwsDocumentKnobs(c.json_doc_, nlohmann::json::json_pointer(""), "", found);
    }
  } else {
    try {
      c.documents_ = LoadAllYaml(*text);
    } catch (const YAML::Exception& e) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg));
    }
    std::erase_if(c.documents_, [](const YAML::Node& d) { return d.IsNull(); });
    bool found_policy = false;
    for (size_t i = 0; i < c.documents_.size() && !found_policy; ++i) {
      const YAML::Node& d = c.documents_[i];
      if (!d.IsMap() || !d["kind"] || !d["kind"].IsScalar()) continue;
      const std::string kind = d["kind"].Scalar();
      const std::string api = d["apiVersion"] && d["apiVersion"].IsScalar() ? d["apiVersion"].Scalar() : "";
      if (kind == "HorizontalPodAutoscaler" || kind == "ScaledObject") {
        auto f = KubernetesKnobs(d, kind, api, limits, c.format_);
        if (!f) return std::unexpected(f.error());
        found = std::move(*f);
      } else if (c.documents_.size() == 1) {
        c.format_ = "forescale " + kind;
        found = ForescaleKnobs(d, kind, limits);
      } else {
        continue;
      }
      c.policy_document_ = i;
      found_policy = true;
    }
    if (!found_policy) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + ": no scaling policy to tune (expected a HorizontalPodAutoscaler, a KEDA "
                         "ScaledObject, AWS Auto Scaling JSON or a forescale policy file)");
    }
  }
  if (found.knobs.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                path + ": " + c.format_ + ": nothing recommend can tune in this policy");
  }
  c.knobs_ = std::move(found.knobs);
  c.edits_ = std::move(found.edits);
  return c;
}

std::vector<double> TunableConfig::Current() const {
  std::vector<double> v;
  for (const Knob& k : knobs_) v.push_back(k.current);
  return v;
}

YAML::Node TunableConfig::Document(const std::vector<double>& values) const {
  if (json_) {
    nlohmann::json doc = json_doc_;
    for (size_t i = 0; i < edits_.size(); ++i) edits_[i]->json(doc, values[i]);
    return YAML::Load(doc.dump());  // JSON is YAML
  }
  YAML::Node doc = YAML::Clone(documents_[policy_document_]);
  for (size_t i = 0; i < edits_.size(); ++i) edits_[i]->yaml(doc, values[i]);
  return doc;
}

std::string TunableConfig::Render(const std::vector<double>& values) const {
  if (json_) {
    nlohmann::json doc = json_doc_;
    for (size_t i = 0; i < edits_.size(); ++i) edits_[i]->json(doc, values[i]);
    return doc.dump(2) + "\n";
  }
  std::string out;
  for (size_t d = 0; d < documents_.size(); ++d) {
    YAML::Node doc = YAML::Clone(documents_[d]);
    if (d == policy_document_) {
      for (size_t i = 0; i < edits_.size(); ++i) edits_[i]->yaml(doc, values[i]);
    }
    YAML::Emitter e;
    EmitYaml(e, doc);
    if (d > 0) out += "---\n";
    out += e.c_str();
    out += "\n";
  }
  return out;
}

}  // namespace forescale::recommend
