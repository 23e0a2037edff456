// libFuzzer target: the load-model reader (model_file.h) must turn any bytes into a model or a
// clean error; a model it accepts must write back to a file it reads again, and generate.
#include <cstddef>
#include <cstdint>
#include <string>

#include "generate/model_file.h"
#include "generate/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace forescale;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto model = generate::ParseModelYaml(text, "fuzz.yaml");
  if (!model) return 0;
  // What the reader accepts, the writer must write so that the reader accepts it again.
  auto again = generate::ParseModelYaml(generate::FormatModelYaml(*model), "again.yaml");
  if (!again) __builtin_trap();
  // A short profile: ten fitted steps at the fitted step (bounded work per input).
  const Duration step = std::max<Duration>(model->step, std::chrono::milliseconds(1));
  auto profile = generate::GenerateProfile(*model, {}, {.duration = step * 10, .step = step, .seed = 1});
  if (profile) {
    for (double v : profile->values) {
      if (!(v >= 0)) __builtin_trap();  // rates are never negative or NaN
    }
  }
  return 0;
}
