#include "testkit/junit.h"

#include <fmt/format.h>

#include "core/output_file.h"
#include "core/time.h"
#include "testkit/internal/report_io.h"
#include "testkit/summary.h"

namespace forescale::testkit {
namespace {

using internal::XmlEscape;

std::string Attr(std::string_view name, std::string_view value) {
  return fmt::format(" {}=\"{}\"", name, XmlEscape(value));
}

std::string Property(std::string_view name, std::string_view value) {
  return fmt::format("      <property{}{}/>\n", Attr("name", name), Attr("value", value));
}

}  // namespace

std::string JunitXml(std::span<const ScenarioResults> scenarios) {
  size_t tests = 0, failures = 0;
  double seconds = 0;
  for (const auto& s : scenarios) {
    tests += s.assertions.size();
    for (const auto& a : s.assertions) failures += a.passed ? 0 : 1;
    seconds += s.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"forescale\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                     "time=\"{:.3f}\">\n",
                     tests, failures, seconds);
  for (const auto& s : scenarios) {
    size_t failed = 0;
    for (const auto& a : s.assertions) failed += a.passed ? 0 : 1;
    out += fmt::format("  <testsuite{} tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
                       "time=\"{:.3f}\">\n",
                       Attr("name", s.name), s.assertions.size(), failed, s.seconds);
    out += "    <properties>\n";
    out += Property("scenario", s.scenario_path);
    out += Property("seed", std::to_string(s.seed));
    out += Property("repetitions", std::to_string(s.repetitions));
    out += Property("test_from", FormatRfc3339(s.test_from));
    out += Property("test_to", FormatRfc3339(s.test_to));
    out += Property("slo_p95_latency", FormatDuration(s.slo_p95_latency));
    out += "    </properties>\n";
    for (const auto& a : s.assertions) {
      // Assertions are evaluated after the run, in no measurable time: time is 0.
      out += fmt::format("    <testcase{}{} time=\"0\"", Attr("name", a.expression),
                         Attr("classname", s.name));
      if (a.passed) {
        out += "/>\n";
      } else {
        out += fmt::format(">\n      <failure{} type=\"AssertionFailed\">{}</failure>\n"
                           "    </testcase>\n",
                           Attr("message", a.message), XmlEscape(a.message));
      }
    }
    std::string summary = Headline(s).text + "\n\n" + SummaryTable(s);
    for (const auto& note : s.notes) summary += "note: " + note + "\n";
    out += "    <system-out>" + XmlEscape(summary) + "</system-out>\n";
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

Result<void> WriteJunit(std::span<const ScenarioResults> scenarios, const std::string& path) {
  return WriteOutputFile(path, JunitXml(scenarios));
}

Result<void> WriteJunit(const ScenarioResults& results, const std::string& path) {
  return WriteJunit(std::span<const ScenarioResults>(&results, 1), path);
}

}  // namespace forescale::testkit
