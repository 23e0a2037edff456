// Input formats and their recognition from content (never from the file name).
#pragma once

#include <string_view>

#include "core/error.h"

namespace forescale::ingest {

enum class Format { kAuto, kClf, kCombined, kCsv, kPromJson, kPromText };

Result<Format> ParseFormat(std::string_view name);  // "auto", "clf", "combined", ...
const char* FormatName(Format format);
bool IsAccessLog(Format format);

// Looks at the first bytes of (decompressed) content: JSON object -> prom-json; "# HELP",
// "# TYPE" or `name{...} value` lines -> prom-text; a line an access-log parser accepts ->
// clf or combined; a header row whose first cell names a time -> csv. The error says what the
// first line looked like and lists the formats, so the user can pass --format.
Result<Format> DetectFormat(std::string_view head);

}  // namespace forescale::ingest
