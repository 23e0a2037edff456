#include "sim/service_model.h"

#include <algorithm>
#include <cmath>

#include "core/yaml_config.h"

namespace forescale::sim {
namespace {

constexpr std::initializer_list<const char*> kResourceKeys = {
    "name",          "capacity_rps",       "cpu_seconds_per_request", "service_time_cv",
    "target_utilisation", "startup",       "replicas",                "price_per_replica_hour",
    "request_timeout",    "queue_limit",   "demand_per_request"};

Result<ResourceModel> ParseResource(const YAML::Node& node, const std::string& path,
                                    const YamlConfig& config, bool with_service_keys) {
  if (with_service_keys) {
    auto ok = config.Keys(node, path,
                          {"name", "capacity_rps", "cpu_seconds_per_request", "service_time_cv",
                           "target_utilisation", "startup", "replicas", "price_per_replica_hour",
                           "request_timeout", "queue_limit", "demand_per_request", "slo",
                           "base_latency", "monitoring"});
    if (!ok) return std::unexpected(ok.error());
  } else if (auto ok = config.Keys(node, path, kResourceKeys); !ok) {
    return std::unexpected(ok.error());
  }
  ResourceModel r;
#define FORESCALE_TRY(var, expr)                    \
  auto var = (expr);                                \
  if (!var) return std::unexpected(var.error());

  FORESCALE_TRY(name, config.Text(node, path, "name", with_service_keys ? "app" : std::string()));
  r.name = *name;
  if (r.name.empty()) return config.Bad(node, config.Join(path, "name"), "missing");
  const bool has_rps = static_cast<bool>(node["capacity_rps"]);
  const bool has_cpu = static_cast<bool>(node["cpu_seconds_per_request"]);
  if (has_rps == has_cpu) {
    return config.Bad(node, path.empty() ? "capacity_rps" : path + ".capacity_rps",
                      "give exactly one of capacity_rps (requests/s per replica at 100 % CPU) "
                      "or cpu_seconds_per_request");
  }
  if (has_rps) {
    FORESCALE_TRY(rps, config.Number(node, path, "capacity_rps"));
    if (*rps <= 0) return config.Bad(node["capacity_rps"], config.Join(path, "capacity_rps"), "must be > 0");
    r.capacity_rps = *rps;
  } else {
    FORESCALE_TRY(cpu, config.Number(node, path, "cpu_seconds_per_request"));
    if (*cpu <= 0) {
      return config.Bad(node["cpu_seconds_per_request"],
                        config.Join(path, "cpu_seconds_per_request"), "must be > 0");
    }
    r.capacity_rps = 1.0 / *cpu;
  }
  FORESCALE_TRY(cv, config.Number(node, path, "service_time_cv", 1.0));
  if (*cv < 0 || *cv > 10) return config.Bad(node["service_time_cv"], config.Join(path, "service_time_cv"), "must be in [0, 10]");
  r.service_time_cv = *cv;
  FORESCALE_TRY(target, config.Fraction(node, path, "target_utilisation", 0.6));
  if (*target > 1) {
    return config.Bad(node["target_utilisation"], config.Join(path, "target_utilisation"),
                      "must be at most 100%");
  }
  r.target_utilisation = *target;

  if (const YAML::Node s = node["startup"]) {
    const std::string sp = config.Join(path, "startup");
    if (s.IsScalar()) {
      FORESCALE_TRY(d, config.Time(node, path, "startup"));
      r.startup_delay = *d;
    } else {
      if (auto ok = config.Keys(s, sp, {"delay", "provisioning", "boot", "readiness", "cv", "cpu"}); !ok) {
        return std::unexpected(ok.error());
      }
      const bool parts = s["provisioning"] || s["boot"] || s["readiness"];
      if (parts && s["delay"]) {
        return config.Bad(s, sp, "give either delay or its parts (provisioning, boot, readiness)");
      }
      if (parts) {
        FORESCALE_TRY(p, config.Time(s, sp, "provisioning", Duration{0}));
        FORESCALE_TRY(b, config.Time(s, sp, "boot", Duration{0}));
        FORESCALE_TRY(rd, config.Time(s, sp, "readiness", Duration{0}));
        r.startup_delay = *p + *b + *rd;
      } else {
        FORESCALE_TRY(d, config.Time(s, sp, "delay"));
        r.startup_delay = *d;
      }
      FORESCALE_TRY(scv, config.Number(s, sp, "cv", 0.0));
      if (*scv < 0 || *scv > 3) return config.Bad(s["cv"], config.Join(sp, "cv"), "must be in [0, 3]");
      r.startup_cv = *scv;
      if (s["cpu"]) {
        if (s["cpu"].IsScalar() && (s["cpu"].Scalar() == "0" || s["cpu"].Scalar() == "0%")) {
          r.startup_cpu = 0;
        } else {
          FORESCALE_TRY(c, config.Fraction(s, sp, "cpu"));
          r.startup_cpu = *c;
        }
      }
    }
  }
  if (const YAML::Node rep = node["replicas"]) {
    const std::string rp = config.Join(path, "replicas");
    if (auto ok = config.Keys(rep, rp, {"min", "max", "initial"}); !ok) return std::unexpected(ok.error());
    FORESCALE_TRY(mn, config.Integer(rep, rp, "min", 1));
    FORESCALE_TRY(mx, config.Integer(rep, rp, "max", 200));
    FORESCALE_TRY(init, config.Integer(rep, rp, "initial", 0));
    if (*mn < 0) return config.Bad(rep["min"], rp + ".min", "must be >= 0");
    if (*mx < 1 || *mx > 100000) return config.Bad(rep["max"], rp + ".max", "must be in [1, 100000]");
    if (*mx < *mn) {
      return config.Bad(rep["max"], rp + ".max",
                        "must be >= replicas.min (" + std::to_string(*mn) + ")");
    }
    if (*init < 0 || *init > *mx) {
      return config.Bad(rep["initial"], rp + ".initial", "must be in [0, replicas.max]");
    }
    r.min_replicas = static_cast<int>(*mn);
    r.max_replicas = static_cast<int>(*mx);
    r.initial_replicas = static_cast<int>(*init);
  }
  FORESCALE_TRY(price, config.Number(node, path, "price_per_replica_hour", 0.05));
  if (*price < 0) return config.Bad(node["price_per_replica_hour"], config.Join(path, "price_per_replica_hour"), "must be >= 0");
  r.price_per_replica_hour = *price;
  FORESCALE_TRY(timeout, config.Time(node, path, "request_timeout", std::chrono::seconds(30)));
  if (timeout->count() <= 0) return config.Bad(node["request_timeout"], config.Join(path, "request_timeout"), "must be > 0");
  r.request_timeout = *timeout;
  FORESCALE_TRY(queue, config.Number(node, path, "queue_limit", 1000.0));
  if (*queue < 0) return config.Bad(node["queue_limit"], config.Join(path, "queue_limit"), "must be >= 0");
  r.queue_limit = *queue;
  FORESCALE_TRY(dpr, config.Number(node, path, "demand_per_request", 1.0));
  if (*dpr <= 0) return config.Bad(node["demand_per_request"], config.Join(path, "demand_per_request"), "must be > 0");
  r.demand_per_request = *dpr;
#undef FORESCALE_TRY
  return r;
}

}  // namespace

Result<ServiceModel> ParseServiceModel(const std::string& yaml_text, const std::string& origin) {
  auto root = LoadYamlText(yaml_text, origin);
  if (!root) return std::unexpected(root.error());
  YamlConfig config(origin);
  const YAML::Node& node = *root;
  if (!node.IsMap()) return config.Bad(node, "", "expected a mapping (see examples/service.yaml)");
  ServiceModel model;
  const bool listed = static_cast<bool>(node["resources"]);
  if (listed) {
    auto ok = config.Keys(node, "", {"name", "slo", "base_latency", "monitoring", "resources"});
    if (!ok) return std::unexpected(ok.error());
    const YAML::Node list = node["resources"];
    if (!list.IsSequence() || list.size() == 0) {
      return config.Bad(list, "resources", "expected a non-empty list of resources");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      auto r = ParseResource(list[i], "resources[" + std::to_string(i) + "]", config, false);
      if (!r) return std::unexpected(r.error());
      for (const ResourceModel& other : model.resources) {
        if (other.name == r->name) {
          return config.Bad(list[i], "resources[" + std::to_string(i) + "].name",
                            "duplicate resource name '" + r->name + "'");
        }
      }
      model.resources.push_back(std::move(*r));
    }
  } else {
    auto r = ParseResource(node, "", config, true);
    if (!r) return std::unexpected(r.error());
    model.resources.push_back(std::move(*r));
  }
  auto name = config.Text(node, "", "name", "service");
  if (!name) return std::unexpected(name.error());
  model.name = *name;
  if (const YAML::Node slo = node["slo"]) {
    if (auto ok = config.Keys(slo, "slo", {"p95_latency"}); !ok) return std::unexpected(ok.error());
    auto p95 = config.Time(slo, "slo", "p95_latency");
    if (!p95) return std::unexpected(p95.error());
    if (p95->count() <= 0) return config.Bad(slo["p95_latency"], "slo.p95_latency", "must be > 0");
    model.slo_p95_latency = *p95;
  }
  auto base = config.Time(node, "", "base_latency", Duration{0});
  if (!base) return std::unexpected(base.error());
  model.base_latency = *base;
  if (const YAML::Node mon = node["monitoring"]) {
    if (auto ok = config.Keys(mon, "monitoring", {"interval", "delay", "noise"}); !ok) {
      return std::unexpected(ok.error());
    }
    auto interval = config.Time(mon, "monitoring", "interval", std::chrono::seconds(15));
    if (!interval) return std::unexpected(interval.error());
    if (interval->count() <= 0) return config.Bad(mon["interval"], "monitoring.interval", "must be > 0");
    auto delay = config.Time(mon, "monitoring", "delay", std::chrono::seconds(15));
    if (!delay) return std::unexpected(delay.error());
    auto noise = config.Number(mon, "monitoring", "noise", 0.02);
    if (!noise) return std::unexpected(noise.error());
    if (*noise < 0 || *noise > 1) return config.Bad(mon["noise"], "monitoring.noise", "must be in [0, 1]");
    model.monitoring = {.interval = *interval, .delay = *delay, .noise = *noise};
  }
  return model;
}

Result<ServiceModel> LoadServiceModel(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return std::unexpected(text.error());
  return ParseServiceModel(*text, path);
}

int ReplicasFor(const ResourceModel& r, double rps) {
  if (!(rps > 0)) return r.min_replicas;
  const double need = std::ceil(rps * r.demand_per_request / (r.capacity_rps * r.target_utilisation) - 1e-9);
  return static_cast<int>(std::clamp(need, static_cast<double>(r.min_replicas),
                                     static_cast<double>(r.max_replicas)));
}

}  // namespace forescale::sim
