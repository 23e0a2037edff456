// libFuzzer target: timestamp, duration and series-id parsing must survive any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/histogram.h"
#include "core/labels.h"
#include "core/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)forescale::ParseTimestamp(text);
  (void)forescale::ParseDuration(text);
  if (auto id = forescale::ParseSeriesId(text)) {
    (void)forescale::FormatSeriesId(id->name, id->labels);
  }
  (void)forescale::LogHistogram::Deserialize(text);
  return 0;
}
