#include "testkit/scenario.h"

#include <algorithm>
#include <filesystem>

#include "core/yaml_config.h"
#include "policy/policy.h"

namespace forescale::testkit {
namespace {

namespace fs = std::filesystem;

#define FORESCALE_TRY(var, expr) \
  auto var = (expr);             \
  if (!var) return std::unexpected(var.error());

class Parser {
 public:
  explicit Parser(const std::string& path)
      : config_(path), dir_(fs::path(path).parent_path()) {}

  Result<Scenario> Parse(const YAML::Node& root) {
    if (!root.IsMap()) return config_.Bad(root, "", "expected a mapping (see docs/scenario.md)");
    if (auto ok = config_.Keys(root, "", {"name", "description", "load", "events", "service", "slo",
                                          "prices", "window", "policies", "repetitions", "seed",
                                          "step", "assertions"});
        !ok) {
      return std::unexpected(ok.error());
    }
    Scenario s;
    s.path = config_.origin();
    FORESCALE_TRY(name, config_.Text(root, "", "name", fs::path(s.path).stem().string()));
    s.name = *name;
    FORESCALE_TRY(description, config_.Text(root, "", "description", std::string()));
    s.description = *description;
    FORESCALE_TRY(load, ParseLoad(root));
    s.load = std::move(*load);
    if (auto ok = ParseEvents(root, s); !ok) return std::unexpected(ok.error());
    if (auto ok = ParseService(root, s); !ok) return std::unexpected(ok.error());
    if (auto ok = ParseWindow(root, s); !ok) return std::unexpected(ok.error());
    FORESCALE_TRY(reps, config_.Integer(root, "", "repetitions", 1));
    if (*reps < 1 || *reps > 1000) return config_.Bad(root["repetitions"], "repetitions", "must be in [1, 1000]");
    s.repetitions = static_cast<size_t>(*reps);
    FORESCALE_TRY(seed, config_.Integer(root, "", "seed", 1));
    if (*seed < 0) return config_.Bad(root["seed"], "seed", "must be >= 0");
    s.seed = static_cast<uint64_t>(*seed);
    FORESCALE_TRY(step, config_.Time(root, "", "step", std::chrono::seconds(1)));
    if (step->count() <= 0) return config_.Bad(root["step"], "step", "must be > 0");
    s.step = *step;
    if (auto ok = ParsePolicies(root, s); !ok) return std::unexpected(ok.error());
    if (auto ok = ParseAssertions(root, s); !ok) return std::unexpected(ok.error());
    return s;
  }

 private:
  std::string Resolve(const std::string& path) const {
    const fs::path p(path);
    return p.is_absolute() || dir_.empty() ? path : (dir_ / p).lexically_normal().string();
  }

  Result<std::string> ExistingFile(const YAML::Node& parent, const std::string& path,
                                   const char* key) const {
    FORESCALE_TRY(text, config_.Text(parent, path, key));
    const std::string resolved = Resolve(*text);
    std::error_code ec;
    if (!fs::is_regular_file(resolved, ec)) {
      return config_.Bad(parent[key], YamlConfig::Join(path, key), "no such file: " + resolved);
    }
    return resolved;
  }

  Result<LoadSource> ParseLoad(const YAML::Node& root) {
    const YAML::Node node = root["load"];
    if (!node) return config_.Bad(root, "load", "missing: give history, profile, series or model");
    if (auto ok = config_.Keys(node, "load", {"history", "profile", "series", "db", "model", "column",
                                              "values", "step", "scale", "peak_rps", "mean_rps",
                                              "start", "duration", "seed", "from", "to"});
        !ok) {
      return std::unexpected(ok.error());
    }
    LoadSource load;
    const int sources = (node["history"] ? 1 : 0) + (node["profile"] ? 1 : 0) +
                        (node["series"] ? 1 : 0) + (node["model"] ? 1 : 0);
    if (sources != 1) {
      return config_.Bad(node, "load", "give exactly one of history, profile, series or model");
    }
    if (node["history"] || node["profile"]) {
      const char* key = node["history"] ? "history" : "profile";
      load.kind = node["history"] ? LoadSource::Kind::kHistory : LoadSource::Kind::kProfile;
      FORESCALE_TRY(path, ExistingFile(node, "load", key));
      load.path = *path;
    } else if (node["series"]) {
      load.kind = LoadSource::Kind::kStored;
      FORESCALE_TRY(series, config_.Text(node, "load", "series"));
      load.series = *series;
      FORESCALE_TRY(db, ExistingFile(node, "load", "db"));
      load.db_path = *db;
    } else {
      load.kind = LoadSource::Kind::kModel;
      FORESCALE_TRY(path, ExistingFile(node, "load", "model"));
      load.path = *path;
      FORESCALE_TRY(duration, config_.Time(node, "load", "duration", load.duration));
      load.duration = *duration;
      if (node["start"]) {
        FORESCALE_TRY(text, config_.Text(node, "load", "start"));
        auto t = ParseTimestamp(*text);
        if (!t) return config_.Bad(node["start"], "load.start", t.error().message());
        load.start = *t;
      }
      if (node["seed"]) {
        FORESCALE_TRY(seed, config_.Integer(node, "load", "seed"));
        load.seed = static_cast<uint64_t>(std::max<int64_t>(0, *seed));
      }
    }
    for (const char* key : {"from", "to"}) {
      if (!node[key]) continue;
      FORESCALE_TRY(text, config_.Text(node, "load", key));
      auto t = ParseTimestamp(*text);
      if (!t) return config_.Bad(node[key], YamlConfig::Join("load", key), t.error().message());
      (std::string(key) == "from" ? load.from : load.to) = *t;
    }
    if (load.from && load.to && *load.to <= *load.from) {
      return config_.Bad(node["to"], "load.to", "must be after load.from");
    }
    FORESCALE_TRY(column, config_.Text(node, "load", "column", std::string()));
    load.column = *column;
    FORESCALE_TRY(values, config_.Text(node, "load", "values", std::string("rps")));
    if (*values != "rps" && *values != "count") {
      return config_.Bad(node["values"], "load.values", "expected rps or count");
    }
    load.per_step_counts = *values == "count";
    if (node["step"]) {
      FORESCALE_TRY(step, config_.Time(node, "load", "step"));
      if (step->count() <= 0) return config_.Bad(node["step"], "load.step", "must be > 0");
      if (load.kind == LoadSource::Kind::kModel) {
        load.step = *step;
      } else {
        load.resample = *step;
      }
    }
    const int scalings = (node["scale"] ? 1 : 0) + (node["peak_rps"] ? 1 : 0) + (node["mean_rps"] ? 1 : 0);
    if (scalings > 1) return config_.Bad(node, "load", "give at most one of scale, peak_rps, mean_rps");
    for (const char* key : {"scale", "peak_rps", "mean_rps"}) {
      if (!node[key]) continue;
      FORESCALE_TRY(v, config_.Number(node, "load", key));
      if (*v <= 0) return config_.Bad(node[key], YamlConfig::Join("load", key), "must be > 0");
      (std::string(key) == "scale" ? load.scale : std::string(key) == "peak_rps" ? load.peak_rps : load.mean_rps) = *v;
    }
    return load;
  }

  Result<void> ParseEvents(const YAML::Node& root, Scenario& s) {
    const YAML::Node node = root["events"];
    if (!node) return {};
    if (node.IsScalar()) {
      FORESCALE_TRY(path, ExistingFile(root, "", "events"));
      FORESCALE_TRY(events, LoadEvents(*path));
      s.events = std::move(*events);
      return {};
    }
    if (!node.IsSequence()) return config_.Bad(node, "events", "expected a file name or a list of events");
    // Read in place, so errors name the scenario's own lines.
    FORESCALE_TRY(events, ParseEventList(node, config_.origin(), "events"));
    s.events = std::move(*events);
    return {};
  }

  Result<void> ParseService(const YAML::Node& root, Scenario& s) {
    const YAML::Node node = root["service"];
    if (!node) return config_.Bad(root, "service", "missing: a service model file or mapping");
    if (node.IsScalar()) {
      FORESCALE_TRY(path, ExistingFile(root, "", "service"));
      FORESCALE_TRY(model, sim::LoadServiceModel(*path));
      s.service = std::move(*model);
    } else {
      YAML::Emitter out;
      out << node;
      const std::string origin = config_.origin() + " (service)";
      auto model = sim::ParseServiceModel(out.c_str(), origin);
      if (!model) {
        // The line numbers of the re-emitted text are not the scenario's: name the mapping's own
        // line instead, and keep the key and the problem.
        std::string problem = model.error().message();
        if (problem.starts_with(origin)) {
          problem.erase(0, origin.size());
          if (const size_t at = problem.find(": "); at != std::string::npos) problem.erase(0, at + 2);
        }
        return config_.Bad(node, "service", problem);
      }
      s.service = std::move(*model);
    }
    if (const YAML::Node slo = root["slo"]) {
      if (auto ok = config_.Keys(slo, "slo", {"p95_latency", "max_drop_rate"}); !ok) return ok;
      if (slo["p95_latency"]) {
        FORESCALE_TRY(p95, config_.Time(slo, "slo", "p95_latency"));
        if (p95->count() <= 0) return config_.Bad(slo["p95_latency"], "slo.p95_latency", "must be > 0");
        s.service.slo_p95_latency = *p95;
      }
      if (slo["max_drop_rate"]) {
        const YAML::Node v = slo["max_drop_rate"];
        if (v.IsScalar() && (v.Scalar() == "0" || v.Scalar() == "0%")) {
          s.max_drop_fraction = 0;
        } else {
          FORESCALE_TRY(rate, config_.Fraction(slo, "slo", "max_drop_rate"));
          if (*rate > 1)
            return config_.Bad(v, "slo.max_drop_rate", "is a share of requests: at most 100 %");
          s.max_drop_fraction = *rate;
        }
      }
    }
    if (const YAML::Node prices = root["prices"]) {
      if (auto ok = config_.Keys(prices, "prices", {"replica_hour"}); !ok) return ok;
      FORESCALE_TRY(price, config_.Number(prices, "prices", "replica_hour"));
      if (*price < 0) return config_.Bad(prices["replica_hour"], "prices.replica_hour", "must be >= 0");
      for (auto& r : s.service.resources) r.price_per_replica_hour = *price;
    }
    return {};
  }

  Result<void> ParseWindow(const YAML::Node& root, Scenario& s) {
    const YAML::Node node = root["window"];
    if (!node) return {};
    if (auto ok = config_.Keys(node, "window", {"test_from", "test_to", "test_last"}); !ok) return ok;
    if (node["test_last"] && node["test_from"]) {
      return config_.Bad(node, "window", "give test_from (and test_to) or test_last, not both");
    }
    for (const char* key : {"test_from", "test_to"}) {
      if (!node[key]) continue;
      FORESCALE_TRY(text, config_.Text(node, "window", key));
      auto t = ParseTimestamp(*text);
      if (!t) return config_.Bad(node[key], YamlConfig::Join("window", key), t.error().message());
      (std::string(key) == "test_from" ? s.test_from : s.test_to) = *t;
    }
    if (s.test_from && s.test_to && *s.test_to <= *s.test_from) {
      return config_.Bad(node["test_to"], "window.test_to", "must be after window.test_from");
    }
    if (node["test_last"]) {
      FORESCALE_TRY(last, config_.Time(node, "window", "test_last"));
      if (last->count() <= 0) return config_.Bad(node["test_last"], "window.test_last", "must be > 0");
      s.test_last = *last;
    }
    return {};
  }

  Result<void> ParsePolicies(const YAML::Node& root, Scenario& s) {
    const YAML::Node list = root["policies"];
    if (!list || !list.IsSequence() || list.size() == 0) {
      return config_.Bad(list ? list : root, "policies", "expected a non-empty list of policies");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string key = "policies[" + std::to_string(i) + "]";
      PolicySpec spec;
      YAML::Node policy;
      if (item.IsScalar()) {
        spec.label = fs::path(item.Scalar()).stem().string();
        policy = item;
      } else if (item.IsMap() && item["policy"]) {
        if (auto ok = config_.Keys(item, key, {"name", "policy"}); !ok) return ok;
        policy = item["policy"];
        FORESCALE_TRY(label, config_.Text(item, key, "name",
                                          policy.IsScalar() ? fs::path(policy.Scalar()).stem().string()
                                                            : std::string()));
        spec.label = *label;
      } else if (item.IsMap() && item["kind"]) {
        policy = item;
        spec.label = item["kind"].Scalar();
      } else {
        return config_.Bad(item, key, "expected a policy kind, a policy file, or {name:, policy:}");
      }
      if (spec.label.empty()) return config_.Bad(item, key + ".name", "missing");
      if (policy.IsScalar()) {
        const std::string& text = policy.Scalar();
        const auto& kinds = policy::PolicyKinds();
        if (std::find(kinds.begin(), kinds.end(), text) == kinds.end()) {
          const std::string resolved = Resolve(text);
          std::error_code ec;
          if (!fs::is_regular_file(resolved, ec)) {
            std::string list_text;
            for (const auto& k : kinds) list_text += (list_text.empty() ? "" : ", ") + k;
            return config_.Bad(policy, key, "unknown policy '" + text + "': neither a kind (" +
                                                list_text + ") nor a file");
          }
          policy = YAML::Node(resolved);
        }
      }
      for (const PolicySpec& other : s.policies) {
        if (other.label == spec.label) {
          return config_.Bad(item, key, "duplicate policy name '" + spec.label +
                                            "': give each a different `name:`");
        }
      }
      spec.policy = policy;
      s.policies.push_back(std::move(spec));
    }
    return {};
  }

  Result<void> ParseAssertions(const YAML::Node& root, Scenario& s) {
    const YAML::Node list = root["assertions"];
    if (!list) return {};
    if (!list.IsSequence()) return config_.Bad(list, "assertions", "expected a list of expressions");
    std::vector<std::string> labels;
    for (const auto& p : s.policies) labels.push_back(p.label);
    if (std::find(labels.begin(), labels.end(), "oracle") == labels.end()) labels.push_back("oracle");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string key = "assertions[" + std::to_string(i) + "]";
      if (!list[i].IsScalar()) return config_.Bad(list[i], key, "expected an expression");
      auto assertion = ParseAssertion(list[i].Scalar());
      if (!assertion) return config_.Bad(list[i], key, assertion.error().message());
      if (auto ok = Validate(*assertion, labels, MetricNames()); !ok) {
        return config_.Bad(list[i], key, ok.error().message());
      }
      s.assertions.push_back(std::move(*assertion));
    }
    return {};
  }

  YamlConfig config_;
  fs::path dir_;
};

#undef FORESCALE_TRY

}  // namespace

const std::vector<std::string>& MetricNames() {
  static const std::vector<std::string> names = {
      "slo_violation_minutes", "minutes", "drop_fraction", "dropped", "requests",
      "latency_p95", "latency_p99", "scaling_response_time.mean", "scaling_response_time.p95",
      "scaling_response_time.max", "scaling_episodes", "rises_met_in_advance", "utilisation",
      "cpu_utilisation", "cost", "cost_efficiency", "replica_hours", "scaling_actions", "flaps",
      "worst_shortfall", "mean_ready", "max_replicas", "forecast_mape"};
  return names;
}

Result<Scenario> ParseScenario(const std::string& yaml_text, const std::string& path) {
  auto root = LoadYamlText(yaml_text, path);
  if (!root) return std::unexpected(root.error());
  return Parser(path).Parse(*root);
}

Result<Scenario> LoadScenario(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return std::unexpected(text.error());
  return ParseScenario(*text, path);
}

}  // namespace forescale::testkit
