#include "policy/kubernetes.h"

#include <filesystem>

#include "policy/hpa.h"
#include "policy/internal/factories.h"
#include "policy/internal/kubernetes_objects.h"
#include "policy/internal/manifest.h"
#include "policy/keda.h"

namespace forescale::policy {
namespace internal {
namespace {

std::string LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : "";
}

bool IsScaler(const ManifestDocument& d) {
  return d.kind == "HorizontalPodAutoscaler" || d.kind == "ScaledObject";
}

// "document 1 is a Deployment (api)"
std::string Describe(const ManifestDocument& d) {
  std::string where = "document " + std::to_string(d.index);
  if (d.item >= 0) where += " items[" + std::to_string(d.item) + "]";
  return where + " is a " + d.kind + (d.name.empty() ? "" : " (" + d.name + ")");
}

struct Selection {
  const ManifestDocument* scaler = nullptr;
  std::optional<Workload> workload;
};

// The one autoscaler of the file and the workload it scales; every other document is a warning,
// or an error when it is a workload nothing scales.
Result<Selection> Select(const std::vector<ManifestDocument>& docs, const YamlConfig& yaml,
                         std::vector<std::string>* warnings) {
  const std::string& origin = yaml.origin();
  std::vector<const ManifestDocument*> scalers;
  for (const ManifestDocument& d : docs) {
    if (IsScaler(d)) scalers.push_back(&d);
  }
  if (scalers.size() > 1) {
    std::string list;
    for (const ManifestDocument* d : scalers) list += (list.empty() ? "" : ", ") + d->Label();
    return Fail(ErrorCode::kInvalidArgument, origin + ": " + std::to_string(scalers.size()) +
                                                 " autoscalers in one file (" + list +
                                                 "); a policy file holds one: split the file");
  }
  if (scalers.empty()) {
    for (const ManifestDocument& d : docs) {
      if (IsWorkloadKind(d.kind)) {
        return Fail(ErrorCode::kInvalidArgument,
                    origin + LineOf(d.node) + ": " + Describe(d) +
                        ", but no HorizontalPodAutoscaler or ScaledObject in the file scales it");
      }
    }
    std::string kinds;
    for (const ManifestDocument& d : docs) kinds += (kinds.empty() ? "" : ", ") + d.Label();
    return Fail(ErrorCode::kInvalidArgument,
                origin + ": no HorizontalPodAutoscaler or ScaledObject in the file" +
                    (kinds.empty() ? "" : " (it holds " + kinds + ")"));
  }

  Selection s;
  s.scaler = scalers[0];
  const YAML::Node spec = s.scaler->node["spec"];
  const YAML::Node ref = spec && spec.IsMap() ? spec["scaleTargetRef"] : YAML::Node();
  const auto text = [&ref](const char* key, const char* fallback) {
    return ref && ref.IsMap() && ref[key] && ref[key].IsScalar() ? ref[key].Scalar()
                                                                 : std::string(fallback);
  };
  // KEDA defaults the target's kind to Deployment; an HPA must name it.
  const std::string kind = text("kind", s.scaler->kind == "ScaledObject" ? "Deployment" : "");
  const std::string name = text("name", "");
  for (const ManifestDocument& d : docs) {
    if (&d == s.scaler) continue;
    if (!IsWorkloadKind(d.kind)) {
      if (warnings) {
        warnings->push_back(
            origin + LineOf(d.node) + ": " + d.Label() +
            " is not simulated (only the autoscaler and the workload it scales are read)");
      }
      continue;
    }
    const bool scaled = d.kind == kind && d.name == name && d.name_space == s.scaler->name_space;
    if (!scaled || s.workload) {
      return Fail(ErrorCode::kInvalidArgument,
                  origin + LineOf(d.node) + ": " + Describe(d) +
                      ", but no HorizontalPodAutoscaler or ScaledObject in the file scales it (" +
                      s.scaler->Label() + " scales " + (kind.empty() ? "?" : kind) + " " +
                      (name.empty() ? "?" : name) + " in namespace " + s.scaler->name_space + ")");
    }
    auto workload = ReadWorkload(d, yaml, warnings);
    if (!workload) return std::unexpected(workload.error());
    s.workload = std::move(*workload);
  }
  return s;
}

// The whole file read: the policy, the workload and the warnings.
struct Loaded {
  std::unique_ptr<Policy> policy;
  std::optional<Workload> workload;
  std::vector<std::string> warnings;
};

Result<Loaded> LoadChecked(const std::vector<ManifestDocument>& docs, const YamlConfig& yaml);

// A node of an unexpected shape that a reader indexed all the same (yaml-cpp throws): an error
// naming the file, never a crash. The readers check shapes; this is the net under them.
Result<Loaded> Load(const std::vector<ManifestDocument>& docs, const YamlConfig& yaml) {
  try {
    return LoadChecked(docs, yaml);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                yaml.origin() + ":" + std::to_string(e.mark.line + 1) +
                    ": a field has the wrong shape (a mapping, list or value where another was "
                    "expected): " + e.msg);
  }
}

Result<Loaded> LoadChecked(const std::vector<ManifestDocument>& docs, const YamlConfig& yaml) {
  Loaded out;
  auto selection = Select(docs, yaml, &out.warnings);
  if (!selection) return std::unexpected(selection.error());
  const Workload* workload = selection->workload ? &*selection->workload : nullptr;
  const ManifestDocument& scaler = *selection->scaler;
  if (scaler.kind == "HorizontalPodAutoscaler") {
    auto spec = ReadHpaManifest(scaler, workload, yaml, &out.warnings);
    if (!spec) return std::unexpected(spec.error());
    out.policy = std::make_unique<HpaPolicy>(std::move(*spec));
  } else {
    auto spec = ReadScaledObject(scaler, workload, yaml, &out.warnings);
    if (!spec) return std::unexpected(spec.error());
    out.policy = std::make_unique<KedaPolicy>(std::move(*spec));
  }
  out.workload = std::move(selection->workload);
  return out;
}

}  // namespace

std::optional<PolicyResult> LoadKubernetesPolicy(const std::string& file,
                                                 const PolicyContext& context) {
  auto text = ReadConfigFile(file);
  if (!text || !LooksLikeManifests(*text)) return std::nullopt;  // LoadPolicy reports it
  auto docs = ReadManifests(*text, file);
  if (!docs) return PolicyResult(std::unexpected(docs.error()));
  auto loaded = Load(*docs, YamlConfig(file));
  if (!loaded) return PolicyResult(std::unexpected(loaded.error()));
  ReportWarnings(context, loaded->warnings);
  return PolicyResult(std::move(loaded->policy));
}

}  // namespace internal

Result<WorkloadHints> ReadWorkloadHints(const std::string& policy_file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(policy_file, ec)) return WorkloadHints{};  // a kind name
  auto text = ReadConfigFile(policy_file);
  if (!text) return std::unexpected(text.error());
  if (!internal::LooksLikeManifests(*text)) return WorkloadHints{};
  auto docs = internal::ReadManifests(*text, policy_file);
  if (!docs) return std::unexpected(docs.error());
  auto loaded = internal::Load(*docs, YamlConfig(policy_file));
  if (!loaded) return std::unexpected(loaded.error());
  WorkloadHints hints;
  if (const auto& w = loaded->workload) {
    hints.replicas = w->replicas;
    if (w->cpu_request_milli)
      hints.cpu_request_cores = static_cast<double>(*w->cpu_request_milli) / 1000.0;
    hints.readiness_delay = w->readiness_delay;
    hints.source = policy_file + ": " + w->doc->Label();
  }
  return hints;
}

}  // namespace forescale::policy
