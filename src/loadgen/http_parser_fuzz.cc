// libFuzzer entry point: bytes from a hostile peer, fed to both parsers in the pieces a socket
// might deliver them in (the first byte picks the split), as the load generator and the sample
// service do — pipelined messages included. The parsers must never crash, hang or over-read.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loadgen/http_parser.h"

namespace {

template <typename Parser>
void FeedAll(std::string_view data, size_t piece) {
  Parser parser;
  std::string buffer;
  for (size_t offset = 0; offset < data.size(); offset += piece) {
    buffer.append(data.substr(offset, piece));
    for (int messages = 0; messages < 64 && !buffer.empty(); ++messages) {
      size_t used = 0;
      const auto status = parser.Feed(buffer, &used);
      if (status == forescale::loadgen::ParseStatus::kError) return;
      if (used > buffer.size()) __builtin_trap();  // the contract: never more than offered
      buffer.erase(0, used);
      if (status != forescale::loadgen::ParseStatus::kComplete) break;
      parser.Reset();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + bytes[0] % 97;
  const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  FeedAll<forescale::loadgen::ResponseParser>(data, piece);
  FeedAll<forescale::loadgen::RequestParser>(data, piece);
  return 0;
}
