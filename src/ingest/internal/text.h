// Text helpers shared by the metric parsers (not part of the ingest API).
#pragma once

#include <string>
#include <string_view>

namespace forescale::ingest::internal {

// Reasons are printed on terminals and written into JSON reports, and the input may hold NUL
// bytes, control characters or broken UTF-8; anything but printable ASCII is shown as \xNN so
// that a report can always be encoded. Text beyond `limit` bytes is cut and marked "...".
std::string Printable(std::string_view text, size_t limit);

// 'text' quoted for a message, at most 40 bytes of it.
std::string Quote(std::string_view text);

// What Go's strconv.ParseFloat accepts for Prometheus sample values: decimals, exponents,
// NaN, +Inf/-Inf. Infinities are told apart because forescale does not store them.
enum class ValueKind { kNumber, kInfinite, kBad };
ValueKind ParseSampleValue(std::string_view text, double& out);

}  // namespace forescale::ingest::internal
