#include "testkit/junit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testkit/internal/report_io.h"
#include "testkit/internal/testing_results.h"

namespace forescale::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Junit, OneSuitePerScenarioOneCasePerAssertion) {
  const ScenarioResults r = testing::RampResults();
  const std::string xml = JunitXml(std::span<const ScenarioResults>(&r, 1));
  EXPECT_EQ(Count(xml, "<testsuite "), 1u);
  EXPECT_EQ(Count(xml, "<testcase "), 2u);
  EXPECT_EQ(Count(xml, "<failure "), 1u);
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"forescale\" tests=\"2\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("name=\"predictive.cost &lt;= 1.05 * hpa.cost\" "
                             "classname=\"ramp &lt;5x&gt; &amp; &quot;friends&quot;\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"seed\" value=\"7\"/>"));
  // The summary goes to system-out: the verdict and a row per policy.
  EXPECT_THAT(xml, HasSubstr("<system-out>predictive"));
  EXPECT_THAT(xml, HasSubstr("\noracle "));
}

TEST(Junit, EscapesEverythingSoTheFileAlwaysParses) {
  const ScenarioResults r = testing::RampResults(std::chrono::minutes(30));
  const std::string xml = JunitXml(std::span<const ScenarioResults>(&r, 1));
  // The message had a control character and a byte that is not UTF-8: both become U+FFFD.
  EXPECT_THAT(xml, HasSubstr("fails \xEF\xBF\xBD \xEF\xBF\xBD"));
  EXPECT_THAT(xml, Not(HasSubstr("\x01")));
  EXPECT_THAT(xml, HasSubstr("&lt;b&gt;x&lt;/b&gt;"));
}

TEST(Junit, WritesAtomicallyAndXmllintAcceptsIt) {
  const ScenarioResults r = testing::RampResults(std::chrono::minutes(30));
  const std::string dir = ::testing::TempDir() + "/junit_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/junit.xml";
  ASSERT_TRUE(WriteJunit(r, path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(Read(path), JunitXml(std::span<const ScenarioResults>(&r, 1)));
  // xmllint comes from libxml2-utils, which scripts/bootstrap installs.
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "xmllint not installed (scripts/bootstrap installs libxml2-utils)";
  }
  EXPECT_EQ(std::system(("xmllint --noout " + path).c_str()), 0);
}

TEST(Junit, AMissingDirectoryIsAnErrorNamingThePath) {
  const ScenarioResults r;
  auto ok = WriteJunit(r, "/nonexistent-dir/junit.xml");
  ASSERT_FALSE(ok);
  EXPECT_THAT(ok.error().message(), HasSubstr("/nonexistent-dir/junit.xml"));
}

TEST(ReportIo, XmlEscapeKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(internal::XmlEscape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(internal::XmlEscape("müde ✓ \t\n"), "müde ✓ \t\n");
  EXPECT_EQ(internal::XmlEscape(std::string("\x00x", 2)), "\xEF\xBF\xBDx");
  EXPECT_EQ(internal::XmlEscape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(internal::XmlEscape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(internal::ValidUtf8("ok \xE2\x9C"), "ok \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ReportIo, FormatMetricUsesTheMetricsUnit) {
  EXPECT_EQ(internal::FormatMetric("drop_fraction", 0.0004), "0.04 %");
  EXPECT_EQ(internal::FormatMetric("utilisation", 0.734), "73.4 %");
  EXPECT_EQ(internal::FormatMetric("latency_p95", 0.231), "231 ms");
  EXPECT_EQ(internal::FormatMetric("scaling_response_time.p95", 95), "95 s");
  EXPECT_EQ(internal::FormatMetric("slo_violation_minutes", 4), "4");
  EXPECT_EQ(internal::FormatMetric("slo_violation_minutes", 4.33), "4.3");
  EXPECT_EQ(internal::FormatMetric("cost", 41.2), "41.20");
  EXPECT_EQ(internal::FormatMetric("forecast_mape", NAN), "n/a");
}

}  // namespace
}  // namespace forescale::testkit
