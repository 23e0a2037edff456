// libFuzzer target: the events reader (events.h) must turn any bytes into events or a clean
// error, and what it accepts must be safe to evaluate.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)forescale::CronSchedule::Parse(text);
  auto events = forescale::ParseEvents(text, "fuzz.yaml");
  if (!events) return 0;
  for (const forescale::Event& e : *events) {
    (void)e.ExpectedLift();
    // A scheduled job's intensity looks back over one run minute by minute; runs of up to the
    // ten-year bound are legal but would only make the fuzzer slow, not find more.
    if (e.type == forescale::Event::Type::kScheduledJob && e.duration > std::chrono::days(1)) continue;
    for (int64_t probe : {-1, 0, 1, 2}) {
      const forescale::TimePoint t =
          e.start + e.ramp_up + e.plateau + e.rise + e.duration * probe / 2 + std::chrono::minutes(probe);
      const double v = e.Intensity(t);
      if (!(v >= 0 && v <= 1)) __builtin_trap();  // intensity is documented as 0 .. 1
    }
  }
  return 0;
}
