#include "testkit/report_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "testkit/internal/svg_chart.h"
#include "testkit/internal/testing_results.h"
#include "testkit/summary.h"

namespace forescale::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class ReportHtmlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { results_ = new ScenarioResults(testing::RampResults()); }
  static void TearDownTestSuite() { delete results_; }
  static ScenarioResults* results_;
};
ScenarioResults* ReportHtmlTest::results_ = nullptr;

TEST_F(ReportHtmlTest, VerdictFirstThenTableAssertionsAndCharts) {
  const std::string html = ReportHtml(*results_);
  const Verdict v = Headline(*results_);
  EXPECT_EQ(v.candidate, "predictive");
  EXPECT_EQ(v.baseline, "hpa");
  const size_t verdict = html.find("class=\"verdict");
  const size_t table = html.find("<table class=\"summary\">");
  const size_t assertions = html.find("<h2>Assertions</h2>");
  const size_t charts = html.find("<svg");
  ASSERT_NE(verdict, std::string::npos);
  EXPECT_LT(verdict, table);
  EXPECT_LT(table, assertions);
  EXPECT_LT(assertions, charts);
  // Overview (2) + per policy: demand, replicas, CPU, latency.
  EXPECT_EQ(Count(html, "<svg "), 2u + 3 * 4);
  EXPECT_EQ(Count(html, "class=\"pass\""), 1u);
  EXPECT_EQ(Count(html, "class=\"fail\""), 1u);
  EXPECT_THAT(html, HasSubstr("oracle (perfect foresight)"));
  // The predictive policy runs above the target on purpose: the note says how to read that.
  EXPECT_THAT(html, HasSubstr("above the target on purpose"));
}

TEST_F(ReportHtmlTest, TheReactivePolicyLosesAndTheVerdictSaysSo) {
  const auto& hpa = results_->policies[0].metrics.at("slo_violation_minutes").mean;
  const auto& pred = results_->policies[1].metrics.at("slo_violation_minutes").mean;
  ASSERT_LT(pred, hpa) << "the fixture should make the late policy violate the SLO more";
  const Verdict v = Headline(*results_);
  EXPECT_NE(v.tone, Verdict::Tone::kBad) << v.text;
  EXPECT_THAT(v.text, HasSubstr("SLO-violation minutes"));
  // The best SLO cell is the predictive row's, not the oracle's.
  const auto columns = SummaryColumns(*results_);
  ASSERT_EQ(columns[0].metric, "slo_violation_minutes");
  EXPECT_EQ(BestPolicy(*results_, columns[0]), 1);
}

TEST(Headline, SaysHonestlyWhenThePredictivePolicyLost) {
  ScenarioResults r;
  PolicyResult hpa{.name = "hpa", .kind = "hpa"}, pred{.name = "predictive", .kind = "predictive"};
  hpa.metrics = {{"slo_violation_minutes", testing::One(5)}, {"cost", testing::One(10)}};
  pred.metrics = {{"slo_violation_minutes", testing::One(12)}, {"cost", testing::One(11)}};
  r.policies = {pred, hpa};
  const Verdict v = Headline(r);
  EXPECT_EQ(v.tone, Verdict::Tone::kBad);
  EXPECT_EQ(v.text,
            "predictive did not beat hpa here: 12 SLO-violation minutes vs 5, at 1.10x its cost.");
  r.policies[0].metrics["slo_violation_minutes"] = testing::One(4);
  r.policies[0].metrics["cost"] = testing::One(9.7);
  r.policies[1].metrics["slo_violation_minutes"] = testing::One(31);
  EXPECT_EQ(Headline(r).text, "predictive beat hpa: 4 SLO-violation minutes vs 31, at 0.97x its cost.");
  // Overlapping intervals are said to be within the noise.
  r.policies[0].metrics["slo_violation_minutes"] = {.mean = 4, .low = 0, .high = 9, .n = 5};
  r.policies[1].metrics["slo_violation_minutes"] = {.mean = 6, .low = 2, .high = 10, .n = 5};
  EXPECT_THAT(Headline(r).text, HasSubstr("within the 95 % confidence intervals of 5 repetitions"));
}

TEST_F(ReportHtmlTest, SelfContainedNothingFromTheNetworkOrOtherFiles) {
  const std::string html = ReportHtml(*results_);
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  // The only URL is the SVG namespace name, which browsers never fetch.
  std::string without_ns = html;
  for (size_t p; (p = without_ns.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_ns.erase(p, 26);
  }
  EXPECT_THAT(without_ns, Not(HasSubstr("http://")));
  EXPECT_THAT(without_ns, Not(HasSubstr("https://")));
}

TEST_F(ReportHtmlTest, UserTextIsEscaped) {
  const std::string html = ReportHtml(*results_);
  EXPECT_THAT(html, HasSubstr("ramp &lt;5x&gt; &amp; &quot;friends&quot;"));
  EXPECT_THAT(html, HasSubstr("hpa.slo_violation_minutes &lt; 1 &amp; &lt;b&gt;x&lt;/b&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<b>x</b>")));
  EXPECT_THAT(html, HasSubstr("&lt;no leakage&gt;"));
}

TEST_F(ReportHtmlTest, ScalingActionsAreMarkedWithTheirReason) {
  const std::string html = ReportHtml(*results_);
  // The predictive policy's reason, escaped inside the marker's <title>.
  EXPECT_THAT(html, HasSubstr("replicas: forecast q90 &lt;"));
  EXPECT_THAT(html, HasSubstr("scale up</span>"));
  EXPECT_THAT(html, HasSubstr("scale down</span>"));
}

TEST_F(ReportHtmlTest, AlertsWhereTheForecastExceedsMaximumCapacity) {
  // Peak 500 req/s x 1.2 upper quantile > 15 replicas x 50 x 0.6 = 450 req/s.
  const std::string html = ReportHtml(*results_);
  EXPECT_THAT(html, HasSubstr("max capacity at target (15 replicas)"));
  EXPECT_THAT(html, HasSubstr("exceeds the maximum capacity 450 req/s"));
  EXPECT_THAT(html, HasSubstr("alert: forecast above max capacity"));
}

TEST_F(ReportHtmlTest, WritesAtomically) {
  const std::string dir = ::testing::TempDir() + "/report_html_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/report.html";
  ASSERT_TRUE(WriteReportHtml(*results_, path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_GT(std::filesystem::file_size(path), 10000u);
}

TEST(SvgChart, LongSeriesKeepTheirPeaksWithinThePointBudget) {
  internal::Chart c;
  c.size = 500000;
  c.start = TimePoint{std::chrono::hours(24 * 365 * 54)};
  std::vector<double> v(c.size, 10);
  v[123457] = 999;  // a one-step spike
  v[400001] = 0.5;  // and a one-step drop
  c.series.push_back({.label = "x", .colour = internal::kBlack, .values = v});
  const std::string svg = internal::RenderChart(c);
  const size_t path = svg.find("<path d=\"M");
  ASSERT_NE(path, std::string::npos);
  const std::string d = svg.substr(path, svg.find('"', path + 9) - path);
  EXPECT_LE(Count(d, "L") + Count(d, "M"), internal::kMaxPoints);
  // The y axis reaches the spike, and some point sits at its height (top of the scale).
  EXPECT_THAT(svg, HasSubstr(">1000</text>"));
  const std::regex low_point("L[0-9.]+,(2[0-9][0-9]\\.[0-9])");
  EXPECT_TRUE(std::regex_search(d, low_point));
}

TEST(SvgChart, StepSeriesAreExactFromTheirChangePoints) {
  internal::Chart c;
  c.size = 100000;
  std::vector<double> v(c.size, 3);
  for (size_t i = 50000; i < c.size; ++i) v[i] = 7;
  c.series.push_back({.label = "replicas", .colour = internal::kBlue,
                      .style = internal::ChartSeries::Style::kStep, .values = v});
  const std::string svg = internal::RenderChart(c);
  const size_t path = svg.find("<path d=\"M");
  const std::string d = svg.substr(path, svg.find('"', path + 9) - path);
  EXPECT_LE(Count(d, "H"), 4u) << d;
}

TEST(SvgChart, TimeAxisIsLabelledInUtc) {
  internal::Chart c;
  c.start = TimePoint{std::chrono::hours(24 * 19000) + std::chrono::hours(23)};
  c.step = std::chrono::seconds(1);
  c.size = 3 * 3600;
  c.series.push_back({.label = "x", .colour = internal::kBlack, .values = std::vector<double>(c.size, 1)});
  const std::string svg = internal::RenderChart(c);
  EXPECT_THAT(svg, HasSubstr("time (UTC)"));
  // 2022-01-08 23:00 + 3 h: the first tick and the one after midnight carry the date.
  EXPECT_THAT(svg, HasSubstr(">01-08 23:00<"));
  EXPECT_THAT(svg, HasSubstr(">01-09 00:00<"));
  EXPECT_THAT(svg, HasSubstr(">00:30<"));
}

}  // namespace
}  // namespace forescale::testkit
