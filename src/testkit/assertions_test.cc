#include "testkit/assertions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace forescale::testkit {
namespace {

using ::testing::HasSubstr;

MetricTable Table() {
  MetricTable t;
  t["hpa"] = {{"cost", {.mean = 45.9, .n = 1}},
              {"slo_violation_minutes", {.mean = 31, .n = 1}},
              {"scaling_response_time.p95", {.mean = 95, .n = 1}},
              {"drop_fraction", {.mean = 0.0004, .n = 1}},
              {"forecast_mape", {.mean = NAN, .n = 1}}};
  t["predictive"] = {{"cost", {.mean = 41.2, .n = 1}},
                     {"cost_efficiency", {.mean = 0.91, .n = 1}},
                     {"slo_violation_minutes", {.mean = 4, .n = 1}},
                     {"scaling_response_time.p95", {.mean = 12, .n = 1}}};
  t["predictive-q99"] = {{"cost", {.mean = 50, .n = 1}}};
  return t;
}

AssertionResult Eval(std::string_view text) {
  auto a = ParseAssertion(text);
  EXPECT_TRUE(a) << a.error().message();
  if (!a) return {};
  auto r = Evaluate(*a, Table());
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : AssertionResult{};
}

std::string ParseError(std::string_view text) {
  auto a = ParseAssertion(text);
  EXPECT_FALSE(a) << text << " parsed";
  return a ? std::string() : a.error().message();
}

TEST(Assertions, MessageShowsEveryValueAndTheVerdict) {
  auto r = Eval("predictive.cost <= 1.05 * hpa.cost");
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.expression, "predictive.cost <= 1.05 * hpa.cost");
  EXPECT_EQ(r.message, "predictive.cost 41.20 <= 1.05 * hpa.cost 45.90 = 48.20: holds");
}

TEST(Assertions, TheIssueExamplesEvaluate) {
  EXPECT_TRUE(Eval("predictive.slo_violation_minutes <= 0.5 * hpa.slo_violation_minutes").passed);
  EXPECT_TRUE(Eval("predictive.cost_efficiency >= 0.85").passed);
  EXPECT_TRUE(Eval("predictive.scaling_response_time.p95 <= 30s").passed);
  EXPECT_FALSE(Eval("hpa.scaling_response_time.p95 <= 30s").passed);
  EXPECT_TRUE(Eval("hpa.drop_fraction < 0.1%").passed);
  EXPECT_FALSE(Eval("hpa.drop_fraction < 0.01%").passed);
}

TEST(Assertions, DurationsAreSecondsAndPercentagesAreFractions) {
  EXPECT_TRUE(Eval("hpa.scaling_response_time.p95 == 1m35s").passed);
  EXPECT_TRUE(Eval("hpa.scaling_response_time.p95 < 2m").passed);
  EXPECT_TRUE(Eval("hpa.scaling_response_time.p95 > 1.5m").passed);
  EXPECT_TRUE(Eval("predictive.scaling_response_time.p95 == 12000ms").passed);
  EXPECT_TRUE(Eval("1h == 3600 and 1d == 24h and 1w == 7d").passed);
  EXPECT_TRUE(Eval("50% == 0.5 and 1e-3 == 0.1%").passed);
}

TEST(Assertions, ArithmeticFollowsUsualPrecedence) {
  EXPECT_TRUE(Eval("1 + 2 * 3 == 7").passed);
  EXPECT_TRUE(Eval("(1 + 2) * 3 == 9").passed);
  EXPECT_TRUE(Eval("8 / 4 / 2 == 1").passed);
  EXPECT_TRUE(Eval("10 - 4 - 3 == 3").passed);
  EXPECT_TRUE(Eval("-2 * -3 == 6 and --1 == 1 and -(1 - 3) == 2").passed);
  EXPECT_TRUE(Eval("hpa.cost - predictive.cost > 4").passed);
}

TEST(Assertions, RenderingKeepsNeededParentheses) {
  auto r = Eval("hpa.cost - (predictive.cost - 1) > 0");
  EXPECT_THAT(r.message, HasSubstr("hpa.cost 45.90 - (predictive.cost 41.20 - 1) = 5.70 > 0"));
}

TEST(Assertions, MinusInsideALabelBelongsToTheLabel) {
  auto a = ParseAssertion("predictive-q99.cost-hpa.cost > 4");
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_EQ(a->references().size(), 2u);
  EXPECT_EQ(a->references()[0], (MetricRef{"predictive-q99", "cost"}));
  EXPECT_EQ(a->references()[1], (MetricRef{"hpa", "cost"}));
  auto r = Evaluate(*a, Table());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->passed) << r->message;
  // A binary minus before a label, with or without spaces.
  auto b = ParseAssertion("hpa.cost-predictive-q99.cost < 0");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->references()[1].policy, "predictive-q99");
  auto c = ParseAssertion("2-hpa.cost < 0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->references()[0].policy, "hpa");
}

TEST(Assertions, MetricNamesMayHaveParts) {
  auto a = ParseAssertion("predictive.scaling_response_time.p95 <= 30s");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->references()[0], (MetricRef{"predictive", "scaling_response_time.p95"}));
}

TEST(Assertions, AndBindsTighterThanOr) {
  // false and false or true -> true; false and (false or true) would be false.
  auto r = Eval("1 > 2 and 1 > 2 or 1 < 2");
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_EQ(r.message, "1 > 2 (fails) and 1 > 2 (fails) or 1 < 2 (holds): holds");
  EXPECT_FALSE(Eval("predictive.cost < hpa.cost and predictive.cost_efficiency > 0.95").passed);
}

TEST(Assertions, NaNFailsAndSaysTheMetricWasNotAvailable) {
  auto r = Eval("hpa.forecast_mape < 0.2");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.message, "hpa.forecast_mape n/a < 0.2: fails: hpa.forecast_mape was not available");
  // The negation does not pass either: NaN never satisfies a comparison.
  EXPECT_FALSE(Eval("hpa.forecast_mape >= 0.2").passed);
  EXPECT_FALSE(Eval("hpa.forecast_mape != 0.2").passed);
  auto z = Eval("0 / 0 < 1");
  EXPECT_FALSE(z.passed);
  EXPECT_THAT(z.message, HasSubstr("left side has no value"));
}

TEST(Assertions, ParseErrorsNameTheColumnAndWhatWasExpected) {
  EXPECT_EQ(ParseError("predictive.cost <= 1.05 *"),
            "col 26: expected a number, a duration or POLICY.METRIC after '*' in "
            "\"predictive.cost <= 1.05 *\"");
  EXPECT_THAT(ParseError("predictive.cost"),
              HasSubstr("col 16: expected a comparison (<, <=, >, >=, ==, !=) after "
                        "'predictive.cost'"));
  EXPECT_THAT(ParseError("predictive.cost = 1"), HasSubstr("col 17: '=' is not a comparison"));
  EXPECT_THAT(ParseError("(hpa.cost + 1 < 2"), HasSubstr("expected ')' to close the '(' at col 1"));
  EXPECT_THAT(ParseError("hpa.cost < 30x"), HasSubstr("col 12: '30x' is not a number"));
  EXPECT_THAT(ParseError("cost < 3"), HasSubstr("col 1: 'cost' is not POLICY.METRIC"));
  EXPECT_THAT(ParseError("hpa. < 3"), HasSubstr("col 5: expected a metric name after 'hpa.'"));
  EXPECT_THAT(ParseError("1 < 2 < 3"), HasSubstr("comparisons do not chain"));
  EXPECT_THAT(ParseError("hpa.cost < 3 # x"), HasSubstr("col 14: unexpected character '#'"));
  EXPECT_THAT(ParseError(""), HasSubstr("col 1: expected a number, a duration or POLICY.METRIC "
                                        "at the start"));
  EXPECT_THAT(ParseError("1 < 2 and"), HasSubstr("after 'and'"));
  EXPECT_THAT(ParseError("1 < 2 3"), HasSubstr("expected 'and', 'or' or the end after '2', "
                                               "found '3'"));
}

TEST(Assertions, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(10000, '(') + "1" + std::string(10000, ')') + " < 2";
  EXPECT_THAT(ParseError(deep), HasSubstr("nested deeper than"));
  EXPECT_THAT(ParseError(std::string(10000, '-') + "1 < 2"), HasSubstr("nested deeper than"));
}

TEST(Assertions, ValidateNamesTheUnknownAndListsTheKnown) {
  const std::vector<std::string> policies{"hpa", "predictive"};
  const std::vector<std::string> metrics{"cost", "cost_efficiency", "slo_violation_minutes"};
  auto a = ParseAssertion("hpa2.cost < 1");
  ASSERT_TRUE(a);
  auto v = Validate(*a, policies, metrics);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(),
            "unknown policy \"hpa2\" (did you mean \"hpa\"? known: hpa, predictive) in "
            "\"hpa2.cost < 1\"");
  auto b = ParseAssertion("hpa.cots < 1");
  ASSERT_TRUE(b);
  EXPECT_THAT(Validate(*b, policies, metrics).error().message(),
              HasSubstr("unknown metric \"cots\" (did you mean \"cost\"? known: cost, "
                        "cost_efficiency, slo_violation_minutes)"));
  auto c = ParseAssertion("predictive.cost <= hpa.cost");
  ASSERT_TRUE(c);
  EXPECT_TRUE(Validate(*c, policies, metrics));
}

TEST(Assertions, EvaluateRejectsNamesTheResultsDoNotHave) {
  auto a = ParseAssertion("oracle.cost < 1");
  ASSERT_TRUE(a);
  auto r = Evaluate(*a, Table());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(),
              HasSubstr("unknown policy \"oracle\" (known: hpa, predictive, predictive-q99)"));
  auto b = ParseAssertion("predictive-q99.flaps < 1");
  ASSERT_TRUE(b);
  EXPECT_THAT(Evaluate(*b, Table()).error().message(),
              HasSubstr("unknown metric \"flaps\" (known: cost) for policy predictive-q99"));
}

TEST(Assertions, KeywordsAreLabelsWhenADotFollows) {
  MetricTable t{{"and", {{"cost", {.mean = 1}}}}};
  auto a = ParseAssertion("and.cost < 2 and and.cost > 0");
  ASSERT_TRUE(a) << a.error().message();
  auto r = Evaluate(*a, t);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->passed);
}

TEST(Assertions, MetricsByPolicyIndexesByLabel) {
  PolicyResult p{.name = "hpa", .kind = "hpa"};
  p.metrics["cost"] = {.mean = 3, .low = 2, .high = 4, .n = 3};
  auto t = MetricsByPolicy({p});
  ASSERT_TRUE(t.contains("hpa"));
  EXPECT_EQ(t["hpa"]["cost"].mean, 3);
}

}  // namespace
}  // namespace forescale::testkit
