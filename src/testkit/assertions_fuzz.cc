// libFuzzer target: ParseAssertion must return a value or an error for any bytes, never crash,
// and whatever parses must validate and evaluate without crashing too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "testkit/assertions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto assertion = forescale::testkit::ParseAssertion(text);
  if (!assertion) return 0;
  forescale::testkit::MetricTable table;
  for (const auto& ref : assertion->references()) table[ref.policy][ref.metric].mean = 1.5;
  (void)forescale::testkit::Validate(*assertion, {"hpa"}, {"cost"});
  (void)forescale::testkit::Evaluate(*assertion, table);
  return 0;
}
