#include "policy/internal/manifest.h"
#include "policy/internal/warnings.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace forescale::policy::internal {
namespace {

std::string LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : "";
}

std::string ScalarOr(const YAML::Node& node, std::string fallback) {
  return node && node.IsScalar() ? node.Scalar() : fallback;
}

std::string Contained(const std::string& path, const std::string& key) {
  return YamlConfig::Join(path, key);
}

bool In(std::string_view key, std::initializer_list<const char*> keys) {
  return std::any_of(keys.begin(), keys.end(), [key](const char* k) { return key == k; });
}

}  // namespace

std::optional<int64_t> ParseQuantityMilli(std::string_view text) {
  struct Suffix {
    std::string_view s;
    double factor;
  };
  static constexpr Suffix kSuffixes[] = {
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
      {"n", 1e-9},    {"u", 1e-6},       {"m", 1e-3},          {"k", 1e3},
      {"M", 1e6},     {"G", 1e9},        {"T", 1e12}};
  double factor = 1;
  for (const Suffix& s : kSuffixes) {
    if (text.size() > s.s.size() && text.substr(text.size() - s.s.size()) == s.s) {
      factor = s.factor;
      text.remove_suffix(s.s.size());
      break;
    }
  }
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  const double value = v * factor;
  if (std::fabs(value) > 9e12) return std::nullopt;
  const double milli = value * 1000.0;
  const double rounded = std::round(milli);
  // Whole milli-units up to float noise stay exact; the rest round up, as MilliValue does.
  if (std::fabs(milli - rounded) < 1e-6) return static_cast<int64_t>(rounded);
  return static_cast<int64_t>(std::ceil(milli));
}

std::string ManifestDocument::Label() const {
  const std::string what = kind + (name.empty() ? "" : " " + name);
  if (index == 0) return what;
  return "document " + std::to_string(index) +
         (item >= 0 ? " items[" + std::to_string(item) + "]" : "") + " (" + what + ")";
}

ManifestDocument InlineDocument(const YAML::Node& node) {
  ManifestDocument d;
  d.node = node;
  d.api_version = ScalarOr(node["apiVersion"], "");
  d.kind = ScalarOr(node["kind"], "");
  if (const YAML::Node meta = node["metadata"]; meta && meta.IsMap()) {
    d.name = ScalarOr(meta["name"], "");
    d.name_space = ScalarOr(meta["namespace"], "default");
  }
  return d;
}

Result<std::vector<ManifestDocument>> ReadManifests(const std::string& text,
                                                    const std::string& origin) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = LoadAllYaml(text);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::vector<ManifestDocument> docs;
  int index = 0;
  auto not_kubernetes = [&origin](const YAML::Node& at, int n, const std::string& field) {
    return Fail(ErrorCode::kInvalidArgument, origin + LineOf(at) + ": document " +
                                                 std::to_string(n) + ": " + field +
                                                 ": missing; this is not a Kubernetes object "
                                                 "(every document needs apiVersion and kind)");
  };
  auto describe = [](const YAML::Node& node, int n, int item) {
    ManifestDocument d = InlineDocument(node);
    d.index = n;
    d.item = item;
    return d;
  };
  for (const YAML::Node& node : nodes) {
    if (!node || node.IsNull()) continue;
    ++index;
    if (!node.IsMap()) {
      return Fail(ErrorCode::kInvalidArgument,
                  origin + LineOf(node) + ": document " + std::to_string(index) +
                      ": expected a Kubernetes object (a mapping with apiVersion and kind)");
    }
    for (const char* field : {"apiVersion", "kind"}) {
      if (!node[field] || !node[field].IsScalar()) return not_kubernetes(node, index, field);
    }
    if (node["kind"].Scalar() == "List") {
      // `kubectl get a,b -o yaml` wraps the objects in a v1 List.
      const YAML::Node items = node["items"];
      if (!items || !items.IsSequence()) {
        return Fail(ErrorCode::kInvalidArgument, origin + LineOf(node) + ": document " +
                                                     std::to_string(index) +
                                                     " (List): items: expected a list");
      }
      for (size_t i = 0; i < items.size(); ++i) {
        const YAML::Node item = items[i];
        const std::string where =
            "document " + std::to_string(index) + " (List): items[" + std::to_string(i) + "]";
        if (!item.IsMap()) {
          return Fail(ErrorCode::kInvalidArgument,
                      origin + LineOf(item) + ": " + where + ": expected a Kubernetes object");
        }
        for (const char* field : {"apiVersion", "kind"}) {
          if (!item[field] || !item[field].IsScalar()) {
            return Fail(ErrorCode::kInvalidArgument,
                        origin + LineOf(item) + ": " + where + ": " + field +
                            ": missing; this is not a Kubernetes object");
          }
        }
        docs.push_back(describe(item, index, static_cast<int>(i)));
      }
      continue;
    }
    docs.push_back(describe(node, index, -1));
  }
  return docs;
}

bool LooksLikeManifests(const std::string& text) {
  try {
    const std::vector<YAML::Node> nodes = LoadAllYaml(text);
    int documents = 0;
    bool api_version = false;
    for (const YAML::Node& node : nodes) {
      if (!node || node.IsNull()) continue;
      ++documents;
      api_version |= node.IsMap() && node["apiVersion"];
    }
    return documents > 1 || api_version;
  } catch (const YAML::Exception&) {
    // Let the manifest reader report the syntax error when the file is meant to be one.
    return text.find("apiVersion:") != std::string::npos;
  }
}

Error ManifestReader::Label(const Error& error) const {
  const std::string& m = error.message();
  const std::string& origin = yaml_.origin();
  const std::string label = doc_.Label();
  if (m.rfind(origin, 0) != 0) return Error(error.code(), origin + ": " + label + ": " + m);
  size_t at = origin.size();
  if (at < m.size() && m[at] == ':') {
    size_t digits = at + 1;
    while (digits < m.size() && std::isdigit(static_cast<unsigned char>(m[digits]))) ++digits;
    if (digits > at + 1) at = digits;
  }
  if (m.compare(at, 2, ": ") != 0) return Error(error.code(), origin + ": " + label + ": " + m);
  if (m.compare(at + 2, label.size(), label) == 0) return error;  // already labelled
  return Error(error.code(), m.substr(0, at + 2) + label + ": " + m.substr(at + 2));
}

std::unexpected<Error> ManifestReader::Bad(const YAML::Node& at, const std::string& key,
                                           const std::string& problem) const {
  return std::unexpected(Label(yaml_.Bad(at, key, problem).error()));
}

void ManifestReader::Warn(const YAML::Node& at, const std::string& key,
                          const std::string& what) const {
  if (!warnings_) return;
  warnings_->push_back(yaml_.origin() + LineOf(at) + ": " + doc_.Label() + ": " + key + " " + what);
}

YAML::Node ManifestReader::KeyOf(const YAML::Node& map, std::string_view name) {
  if (map.IsMap()) {
    for (const auto& item : map) {
      if (item.first.IsScalar() && item.first.Scalar() == name) return item.first;
    }
  }
  return map;
}

Result<void> ManifestReader::Keys(const YAML::Node& node, const std::string& path,
                                  std::initializer_list<const char*> read,
                                  std::initializer_list<Unsupported> unsupported) const {
  if (!node.IsMap()) return Bad(node, path, "expected a mapping");
  for (const auto& item : node) {
    const std::string name = item.first.Scalar();
    if (In(name, read)) continue;
    for (const Unsupported& u : unsupported) {
      if (name == u.key) return Bad(item.first, Contained(path, name), u.why);
    }
    Warn(item.first, Contained(path, name), "is not simulated");
  }
  return {};
}

void ManifestReader::WarnUnread(const YAML::Node& node, const std::string& path,
                                std::initializer_list<const char*> read,
                                const std::string& name) const {
  if (!node.IsMap()) return;
  std::vector<std::string> unread;
  YAML::Node first;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (In(key, read)) continue;
    if (unread.empty()) first = item.first;
    unread.push_back(key);
  }
  if (unread.empty()) return;
  const std::string named = name.empty() ? "" : " (" + name + ")";
  if (unread.size() == 1) {
    Warn(first, Contained(path, unread[0]) + named, "is not simulated");
    return;
  }
  std::string list;
  for (const std::string& k : unread) list += (list.empty() ? "" : ", ") + k;
  Warn(node, path.empty() ? list : path + named + ": " + list, "are not simulated");
}

Result<std::map<std::string, std::string>> ManifestReader::Metadata(
    std::initializer_list<Unsupported> unsupported) const {
  std::map<std::string, std::string> ours;
  const YAML::Node meta = doc_.node["metadata"];
  if (!meta) return ours;
  if (!meta.IsMap()) return Bad(meta, "metadata", "expected a mapping");
  static constexpr std::string_view kPrefix = "forescale.io/";
  for (const auto& item : meta) {
    const std::string key = item.first.Scalar();
    if (key == "name" || key == "namespace") {
      if (!item.second.IsScalar()) return Bad(item.second, "metadata." + key, "expected text");
      continue;
    }
    if (key != "annotations") {
      Warn(item.first, "metadata." + key, "is not simulated");
      continue;
    }
    if (!item.second.IsMap()) return Bad(item.second, "metadata.annotations", "expected a mapping");
    for (const auto& a : item.second) {
      const std::string name = a.first.Scalar();
      const std::string path = "metadata.annotations." + name;
      if (name.starts_with(kPrefix)) {
        if (!a.second.IsScalar()) return Bad(a.second, path, "expected text");
        ours[name.substr(kPrefix.size())] = a.second.Scalar();
        continue;
      }
      for (const Unsupported& u : unsupported) {
        if (name == u.key) return Bad(a.first, path, u.why);
      }
      Warn(a.first, path, "is not simulated");
    }
  }
  return ours;
}

Result<void> ManifestReader::TopLevel() const {
  for (const auto& item : doc_.node) {
    const std::string key = item.first.Scalar();
    if (key == "apiVersion" || key == "kind" || key == "metadata" || key == "spec") continue;
    Warn(
        item.first, key,
        key == "status" ? "is not simulated (it records the cluster's state)" : "is not simulated");
  }
  return {};
}

bool IsWorkloadKind(std::string_view kind) { return kind == "Deployment" || kind == "StatefulSet"; }

Result<Workload> ReadWorkload(const ManifestDocument& doc, const YamlConfig& yaml,
                              std::vector<std::string>* warnings) {
  ManifestReader m(yaml, doc, warnings);
  Workload w;
  w.doc = &doc;
  if (auto ok = m.TopLevel(); !ok) return std::unexpected(ok.error());
  auto ours = m.Metadata();
  if (!ours) return std::unexpected(ours.error());
  for (const auto& [key, value] : *ours) {
    m.Warn(doc.node["metadata"], "metadata.annotations.forescale.io/" + key,
           "is not read here (forescale.io annotations belong on the HorizontalPodAutoscaler or "
           "ScaledObject)");
  }
  const YAML::Node spec = doc.node["spec"];
  if (!spec) return w;
  if (!spec.IsMap()) return m.Bad(spec, "spec", "expected a mapping");
  m.WarnUnread(spec, "spec", {"replicas", "template"});
  if (spec["replicas"]) {
    auto r = yaml.Integer(spec, "spec", "replicas");
    if (!r) return std::unexpected(m.Label(r.error()));
    if (*r < 0 || *r > INT32_MAX)
      return m.Bad(spec["replicas"], "spec.replicas", "must be between 0 and 2147483647");
    w.replicas = static_cast<int>(*r);
  }
  const YAML::Node tmpl = spec["template"];
  if (!tmpl) return w;
  if (!tmpl.IsMap()) return m.Bad(tmpl, "spec.template", "expected a mapping");
  m.WarnUnread(tmpl, "spec.template", {"spec"});
  const YAML::Node pod = tmpl["spec"];
  if (!pod) return w;
  if (!pod.IsMap()) return m.Bad(pod, "spec.template.spec", "expected a mapping");
  m.WarnUnread(pod, "spec.template.spec", {"containers"});
  const YAML::Node containers = pod["containers"];
  if (!containers) return w;
  if (!containers.IsSequence())
    return m.Bad(containers, "spec.template.spec.containers", "expected a list");

  int64_t cpu_total = 0;
  bool any_cpu = false;
  for (size_t i = 0; i < containers.size(); ++i) {
    const YAML::Node c = containers[i];
    const std::string cname = ScalarOr(c["name"], "");
    const std::string path = "spec.template.spec.containers[" + std::to_string(i) + "]";
    if (!c.IsMap()) return m.Bad(c, path, "expected a mapping");
    ++w.containers;
    m.WarnUnread(c, path, {"name", "resources", "readinessProbe"}, cname);

    // The pod's CPU request is what the HPA's utilisation divides by; a container with a limit
    // and no request gets the limit as its request (API defaulting).
    std::optional<int64_t> cpu;
    if (const YAML::Node res = c["resources"]) {
      const std::string rpath = path + ".resources";
      if (!res.IsMap()) return m.Bad(res, rpath, "expected a mapping");
      const YAML::Node requests = res["requests"];
      const YAML::Node limits = res["limits"];
      const bool from_limit = !(requests && requests.IsMap() && requests["cpu"]) && limits &&
                              limits.IsMap() && limits["cpu"];
      const YAML::Node source = from_limit ? limits : requests;
      const std::string spath = rpath + (from_limit ? ".limits" : ".requests");
      if (source && source.IsMap() && source["cpu"]) {
        auto text = yaml.Text(source, spath, "cpu");
        if (!text) return std::unexpected(m.Label(text.error()));
        cpu = ParseQuantityMilli(*text);
        if (!cpu || *cpu <= 0) {
          return m.Bad(source["cpu"], spath + ".cpu",
                       "expected a CPU quantity such as 500m or 2, got '" + *text + "'");
        }
      }
      std::vector<std::string> unread;
      for (const char* group : {"requests", "limits"}) {
        const YAML::Node g = res[group];
        if (!g || !g.IsMap()) continue;
        for (const auto& item : g) {
          const std::string k = item.first.Scalar();
          const bool used = k == "cpu" && ((group == std::string_view("requests")) != from_limit);
          if (!used) unread.push_back(std::string(group) + "." + k);
        }
      }
      for (const auto& item : res) {
        const std::string k = item.first.Scalar();
        if (k != "requests" && k != "limits") unread.push_back(k);
      }
      if (!unread.empty()) {
        std::string list;
        for (const std::string& u : unread) list += (list.empty() ? "" : ", ") + u;
        m.Warn(res, rpath + ": " + list,
               unread.size() == 1 ? "is not simulated" : "are not simulated");
      }
    }
    if (cpu) {
      cpu_total += *cpu;
      any_cpu = true;
    } else {
      w.without_cpu_request.emplace_back(path + (cname.empty() ? "" : " (" + cname + ")"), c);
    }

    if (const YAML::Node probe = c["readinessProbe"]) {
      const std::string ppath = path + ".readinessProbe";
      if (!probe.IsMap()) return m.Bad(probe, ppath, "expected a mapping");
      m.WarnUnread(probe, ppath, {"initialDelaySeconds", "periodSeconds", "successThreshold"});
      // The probe's API defaults: no initial delay, every 10 s, one success.
      auto delay = yaml.Integer(probe, ppath, "initialDelaySeconds", 0);
      auto period = yaml.Integer(probe, ppath, "periodSeconds", 10);
      auto success = yaml.Integer(probe, ppath, "successThreshold", 1);
      for (auto* v : {&delay, &period, &success}) {
        if (!*v) return std::unexpected(m.Label(v->error()));
      }
      if (*delay < 0)
        return m.Bad(probe["initialDelaySeconds"], ppath + ".initialDelaySeconds",
                     "must not be negative");
      if (*period < 1)
        return m.Bad(probe["periodSeconds"], ppath + ".periodSeconds", "must be at least 1");
      if (*success < 1)
        return m.Bad(probe["successThreshold"], ppath + ".successThreshold", "must be at least 1");
      // A pod is ready when its last container is: the slowest probe decides.
      const Duration estimate = std::chrono::seconds(*delay + *period * *success);
      w.readiness_delay = std::max(w.readiness_delay.value_or(Duration{0}), estimate);
    }
  }
  if (any_cpu) w.cpu_request_milli = cpu_total;
  return w;
}

std::optional<Error> MissingCpuRequest(const Workload* target, const YamlConfig& yaml,
                                       const std::string& scaler_label) {
  if (!target || target->without_cpu_request.empty()) return std::nullopt;
  const auto& [path, node] = target->without_cpu_request.front();
  ManifestReader m(yaml, *target->doc, nullptr);
  return m
      .Bad(node, path + ".resources.requests.cpu",
           "missing, so the cpu metric of " + scaler_label +
               " would fail as it does in a cluster (\"missing request for cpu\"): the pod's CPU "
               "utilisation divides by every container's request. Add the request (or the "
               "LimitRange default your cluster applies)")
      .error();
}

void ReportWarnings(const PolicyContext& context, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) Warn(context, w);
}

}  // namespace forescale::policy::internal
