// What the three report writers (results.json, junit.xml, report.html) share: escaping for
// XML/HTML and how a metric's value is shown to a person (they write through core/output_file.h).
// Not part of testkit's interface.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace forescale::testkit::internal {

// Escapes &, <, >, " and ' for text and attribute values. Bytes that are not valid UTF-8 and
// characters XML 1.0 forbids (controls other than tab, newline, carriage return) become U+FFFD,
// so that the output always parses, whatever a scenario name or a note contains.
std::string XmlEscape(std::string_view text);

// Replaces invalid UTF-8 with U+FFFD and leaves everything else alone.
std::string ValidUtf8(std::string_view text);

// A metric as a person reads it, by its name: shares as percentages ("0.04 %"), latencies in
// ms or s, response times in s, counts without decimals when whole, "n/a" for NaN.
std::string FormatMetric(std::string_view metric, double value);

}  // namespace forescale::testkit::internal
