// libFuzzer target: ParsePromText must return a value or an error for any bytes, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/metric_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    forescale::ingest::ParseReport report;
    (void)forescale::ingest::ParsePromText(text, {.strict = strict}, report);
  }
  return 0;
}
