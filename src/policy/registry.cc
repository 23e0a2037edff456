#include <algorithm>
#include <filesystem>

#include "policy/aws_config.h"
#include "policy/internal/factories.h"
#include "policy/policy.h"

namespace forescale::policy {
namespace {

using Factory = internal::PolicyResult (*)(const YAML::Node*, const YamlConfig&,
                                           const PolicyContext&);

struct Kind {
  const char* name;
  Factory make;
};

constexpr Kind kKinds[] = {
    {"hpa", internal::MakeHpa},
    {"target-tracking", internal::MakeTargetTracking},
    {"step", internal::MakeStep},
    {"rule", internal::MakeRule},
    {"scheduled", internal::MakeScheduled},
    {"aws-predictive", internal::MakeAwsPredictive},
    {"predictive", internal::MakePredictive},
    {"oracle", internal::MakeOracle},
    {"combined", internal::MakeCombined},
};

const Kind* FindKind(std::string_view name) {
  // A pasted Kubernetes manifest (kind: HorizontalPodAutoscaler) is an hpa policy file.
  if (name == "HorizontalPodAutoscaler") name = "hpa";
  // A KEDA ScaledObject is read from its manifest only (no defaults make sense without triggers).
  static constexpr Kind kScaledObject{"ScaledObject", internal::MakeKeda};
  if (name == "ScaledObject") return &kScaledObject;
  for (const Kind& kind : kKinds) {
    if (name == kind.name) return &kind;
  }
  return nullptr;
}

std::string KindList() {
  std::string list;
  for (const Kind& kind : kKinds) list += (list.empty() ? "" : ", ") + std::string(kind.name);
  return list;
}

}  // namespace

namespace internal {

PolicyResult MakeFromNode(const YAML::Node& node, const YamlConfig& reader,
                          const PolicyContext& context) {
  if (node.IsScalar()) return LoadPolicy(node.Scalar(), context);
  // AWS Auto Scaling configuration written inline (a document, or a list of them).
  if (LooksLikeAwsConfig(node)) return PolicyFromAwsConfig(node, reader, context);
  if (!node.IsMap()) return reader.Bad(node, "", "expected a policy mapping or a file name");
  auto kind_name = reader.Text(node, "", "kind");
  if (!kind_name) return std::unexpected(kind_name.error());
  const Kind* kind = FindKind(*kind_name);
  if (!kind) {
    return reader.Bad(node["kind"], "kind",
                      "unknown policy kind '" + *kind_name + "' (expected one of: " + KindList() + ")");
  }
  return kind->make(&node, reader, context);
}

}  // namespace internal

const std::vector<std::string>& PolicyKinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> out;
    for (const Kind& kind : kKinds) out.emplace_back(kind.name);
    return out;
  }();
  return kinds;
}

Result<std::unique_ptr<Policy>> LoadPolicy(const std::string& name_or_file,
                                           const PolicyContext& context) {
  if (const Kind* kind = FindKind(name_or_file)) {
    return kind->make(nullptr, YamlConfig("--policy " + name_or_file), context);
  }
  std::error_code ec;
  if (!std::filesystem::exists(name_or_file, ec)) {
    return Fail(ErrorCode::kInvalidArgument, "unknown policy '" + name_or_file +
                                                 "': neither a policy kind (" + KindList() +
                                                 ") nor a policy file");
  }
  // AWS Auto Scaling configuration (AWS CLI input or describe output), by extension and shape.
  if (auto aws = LoadAwsPolicyFile(name_or_file, context)) return std::move(*aws);
  // Kubernetes objects (an HPA or a KEDA ScaledObject, maybe with its Deployment, one or several
  // documents), read as a cluster reads them: see kubernetes.h.
  if (auto k8s = internal::LoadKubernetesPolicy(name_or_file, context)) return std::move(*k8s);
  // A combined policy names its members' files: one that names itself, directly or through
  // others, would load forever (it overflowed the stack). The files being loaded, outermost
  // first, on this thread.
  thread_local std::vector<std::filesystem::path> loading;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(name_or_file, ec);
  if (std::find(loading.begin(), loading.end(), canonical) != loading.end()) {
    std::string chain;
    for (const auto& f : loading) chain += f.filename().string() + " -> ";
    return Fail(ErrorCode::kInvalidArgument, name_or_file +
                                                 ": policy files include each other in a cycle (" +
                                                 chain + canonical.filename().string() + ")");
  }
  loading.push_back(canonical);
  struct Pop {
    std::vector<std::filesystem::path>& stack;
    ~Pop() { stack.pop_back(); }
  } pop{loading};
  auto root = LoadYamlFile(name_or_file);
  if (!root) return std::unexpected(root.error());
  YamlConfig reader(name_or_file);
  if (!root->IsMap()) return reader.Bad(*root, "", "expected a mapping with a 'kind' key");
  auto kind_name = reader.Text(*root, "", "kind");
  if (!kind_name) return std::unexpected(kind_name.error());
  const Kind* kind = FindKind(*kind_name);
  if (!kind) {
    return reader.Bad((*root)["kind"], "kind",
                      "unknown policy kind '" + *kind_name + "' (expected one of: " + KindList() + ")");
  }
  return internal::MakeFromNode(*root, reader, context);
}

Result<std::unique_ptr<Policy>> LoadPolicy(const YAML::Node& node, const std::string& origin,
                                           const PolicyContext& context) {
  return internal::MakeFromNode(node, YamlConfig(origin), context);
}

}  // namespace forescale::policy
