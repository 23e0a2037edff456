// Kubernetes configurations as policies: a policy file may be the autoscaler objects users
// already have — a HorizontalPodAutoscaler (autoscaling/v1, v2, v2beta2) or a KEDA ScaledObject
// (keda.sh/v1alpha1) — alone or with the objects around it, in one or several YAML documents
// (`---`, or a `kind: List` from `kubectl get -o yaml`). LoadPolicy (policy.h) reads such files;
// this header adds what the scaled workload says about the service.
//
// A file holds exactly one autoscaler (several are an error naming the documents). When the
// autoscaler's scaleTargetRef names a Deployment or StatefulSet in the same file (kind, name and
// namespace), that workload is read:
//   spec.replicas                          the replicas before scaling starts
//   containers[].resources.requests.cpu    summed per pod (a limit stands in for a missing
//                                          request, as the API defaults it); the HPA's cpu
//                                          AverageValue target is read against it (hpa.h)
//   containers[].readinessProbe            start-up delay estimate: initialDelaySeconds +
//                                          periodSeconds (10) x successThreshold (1); the slowest
//                                          container's
// A workload that no autoscaler in the file scales is an error; other objects (Service,
// ConfigMap, ...) and fields that do not change scaling are listed as warnings ("not
// simulated") through PolicyContext::warnings; fields that would change scaling and cannot be
// simulated are errors. Every message names the file, line, document and field:
//   web.yaml:14: document 2 (HorizontalPodAutoscaler web): metadata.annotations is not simulated
// A document without apiVersion and kind is an error: the file is not Kubernetes YAML.
//
//   auto hints = ReadWorkloadHints("web.yaml");
//   if (hints && hints->cpu_request_cores) service.cpu_per_replica = *hints->cpu_request_cores;
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/time.h"

namespace forescale::policy {

// What a policy file's scaled workload tells about the service, for commands that build the
// simulated service (each field unset when the file does not say it).
struct WorkloadHints {
  std::optional<int> replicas;              // spec.replicas
  std::optional<double> cpu_request_cores;  // per pod
  std::optional<Duration> readiness_delay;  // estimated launch-to-ready time
  // Where they come from, for messages: "web.yaml: document 1 (Deployment web)"; empty when
  // the file holds no workload (or is not a Kubernetes file, or is a policy kind name).
  std::string source;
};

// Reads the hints of `policy_file` (a path or a policy kind name as given to --policy). Not
// Kubernetes YAML, or no workload: empty hints. Errors as LoadPolicy reports them for the file.
Result<WorkloadHints> ReadWorkloadHints(const std::string& policy_file);

}  // namespace forescale::policy
