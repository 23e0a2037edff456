// libFuzzer target: a Kubernetes policy file (HPA, KEDA ScaledObject, Deployment, several
// documents) must give a policy or an error naming the file, never a crash. The reader takes a
// path (it reports file:line), so each input goes through one scratch file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "policy/internal/factories.h"
#include "policy/kubernetes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forescale;
  static const std::string path = "/tmp/forescale-kubernetes-fuzz-" + std::to_string(getpid()) + ".yaml";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::vector<std::string> warnings;
  const policy::PolicyContext context{.min_replicas = 1,
                                      .max_replicas = 200,
                                      .capacity_per_replica = 50,
                                      .warnings = &warnings};
  (void)policy::internal::LoadKubernetesPolicy(path, context);
  (void)policy::ReadWorkloadHints(path);
  return 0;
}
