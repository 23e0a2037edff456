// libFuzzer target: AWS Auto Scaling configuration (JSON or YAML) must give a policy or an
// error for any bytes, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/aws_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forescale;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto root = LoadYamlText(text, "fuzz.json");
  if (!root || !policy::LooksLikeAwsConfig(*root)) return 0;
  const policy::PolicyContext context{
      .min_replicas = 1, .max_replicas = 200, .capacity_per_replica = 50};
  std::vector<std::string> warnings;
  auto config = policy::ReadAwsConfig(*root, YamlConfig("fuzz.json"), context, warnings);
  if (config) (void)policy::MakeAwsPolicy(*config);
  return 0;
}
