// Files of Kubernetes objects as users have them — `kubectl get -o yaml` output, a chart's
// rendered manifests, several documents separated by `---`, `kind: List` — read leniently but
// never silently: a field that does not change scaling is listed in a warning, a field that
// would change it and is not simulated is an error, and every message names the file, the line,
// the document and the field:
//   hpa.yaml:7: document 2 (HorizontalPodAutoscaler web): metadata.annotations is not simulated
//
// Used by the HPA (hpa.cc), KEDA (keda.cc) and file-level (kubernetes.cc) readers. Not
// thread-safe (a reader collects warnings while one file is read).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "core/yaml_config.h"
#include "policy/policy.h"

namespace forescale::policy::internal {

// A Kubernetes resource.Quantity as written ("500m", "2", "1.5k", "64Mi") in milli-units,
// rounded up like Quantity.MilliValue; nullopt when it does not parse.
std::optional<int64_t> ParseQuantityMilli(std::string_view text);

struct ManifestDocument {
  YAML::Node node;
  int index = 0;  // 1-based position in the file; 0 when written inline in another file
  int item = -1;  // position in a `kind: List` document's items, -1 otherwise
  std::string api_version, kind, name;
  std::string name_space = "default";  // metadata.namespace
  // "document 2 (HorizontalPodAutoscaler web)", "document 1 item 3 (Deployment api)", or for an
  // inline object "HorizontalPodAutoscaler web".
  std::string Label() const;
};

// The documents of a file, empty ones skipped and `kind: List` items flattened. Errors: YAML
// syntax (file:line), and a document that is not a Kubernetes object (no apiVersion or kind).
Result<std::vector<ManifestDocument>> ReadManifests(const std::string& text,
                                                    const std::string& origin);

// An object written as a mapping inside another file (index 0: labelled "Kind name").
ManifestDocument InlineDocument(const YAML::Node& node);

// Whether a file's text is Kubernetes objects rather than one of our own policy files: several
// documents, or one with an `apiVersion`. Text that does not parse is left to the caller.
bool LooksLikeManifests(const std::string& text);

// One document's fields, read leniently (see the file comment). Errors and warnings carry the
// document's label after "file:line: ".
class ManifestReader {
 public:
  // `warnings` collects the messages; the caller reports them once the whole file has parsed.
  ManifestReader(const YamlConfig& yaml, const ManifestDocument& doc,
                 std::vector<std::string>* warnings)
      : yaml_(yaml), doc_(doc), warnings_(warnings) {}

  const YamlConfig& yaml() const { return yaml_; }
  const ManifestDocument& doc() const { return doc_; }

  std::unexpected<Error> Bad(const YAML::Node& at, const std::string& key,
                             const std::string& problem) const;
  // An error from yaml()'s typed reads, with the document label inserted.
  Error Label(const Error& error) const;
  void Warn(const YAML::Node& at, const std::string& key, const std::string& what) const;
  // The key node of `map[name]` (where its line is), or `map` when there is none.
  static YAML::Node KeyOf(const YAML::Node& map, std::string_view name);

  // A field the reader knows but that changes scaling in a way the simulator cannot model.
  struct Unsupported {
    const char* key;
    const char* why;
  };
  // `node` must be a mapping. Keys in `read` pass; `unsupported` keys are errors with their
  // reason; every other key is listed as "<path>.<key> is not simulated".
  Result<void> Keys(const YAML::Node& node, const std::string& path,
                    std::initializer_list<const char*> read,
                    std::initializer_list<Unsupported> unsupported = {}) const;

  // Keys outside `read` listed in one warning ("<path>: image, ports, env are not simulated"),
  // for mappings such as a pod template where most fields do not matter to scaling.
  // `name` (a container's) is shown after the path: "containers[0] (web): image, ports ...".
  void WarnUnread(const YAML::Node& node, const std::string& path,
                  std::initializer_list<const char*> read, const std::string& name = "") const;

  // metadata: name and namespace are read, `forescale.io/` annotations are returned (the key
  // without the prefix), annotations in `unsupported` are errors, the rest are warnings.
  Result<std::map<std::string, std::string>> Metadata(
      std::initializer_list<Unsupported> unsupported = {}) const;

  // The document's top-level keys: apiVersion, kind and metadata are read (call Metadata),
  // `spec` is the caller's, `status` is the cluster's state and listed as not simulated.
  Result<void> TopLevel() const;

 private:
  const YamlConfig& yaml_;
  const ManifestDocument& doc_;
  std::vector<std::string>* warnings_;
};

// What a Deployment or StatefulSet says about the pods an autoscaler scales.
struct Workload {
  const ManifestDocument* doc = nullptr;
  std::optional<int> replicas;               // spec.replicas
  std::optional<int64_t> cpu_request_milli;  // per pod: the containers' requests.cpu summed
  std::optional<Duration>
      readiness_delay;  // initialDelaySeconds + periodSeconds x successThreshold
  int containers = 0;
  // Containers without a CPU request (nor a limit it would default to), as "containers[1]
  // (sidecar)" with the node: the HPA's cpu metric fails on such pods.
  std::vector<std::pair<std::string, YAML::Node>> without_cpu_request;
};

bool IsWorkloadKind(std::string_view kind);  // Deployment, StatefulSet
// Reads a workload document; fields it does not read are warnings (grouped per mapping, since
// a pod template has many fields that do not matter to scaling).
Result<Workload> ReadWorkload(const ManifestDocument& doc, const YamlConfig& yaml,
                              std::vector<std::string>* warnings);

// The error a cpu metric of `scaler_label` gets when the scaled workload has a container without
// a CPU request (the HPA fails with "missing request for cpu"); nullopt when all have one.
std::optional<Error> MissingCpuRequest(const Workload* target, const YamlConfig& yaml,
                                       const std::string& scaler_label);

// Sends collected warnings to context.warnings, or to the log when it is null.
void ReportWarnings(const PolicyContext& context, const std::vector<std::string>& warnings);

}  // namespace forescale::policy::internal
