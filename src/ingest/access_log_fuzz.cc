// libFuzzer target: the access-log parser and format detection must survive any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/access_log.h"
#include "ingest/endpoint.h"
#include "ingest/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  forescale::ingest::AccessLogParser parser;
  forescale::ingest::AccessRecord record;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (!parser.Parse(text.substr(start, end - start), record).error) {
      (void)forescale::ingest::NormaliseEndpoint(record.target);
    }
    start = end + 1;
  }
  (void)forescale::ingest::DetectFormat(text);
  return 0;
}
