#include "core/labels.h"

#include <gtest/gtest.h>

namespace forescale {
namespace {

TEST(SeriesId, FormatsAndParsesBack) {
  Labels labels = {{"path", "/a\"b\\c"}, {"class", "2xx"}};
  const std::string text = FormatSeriesId("nasa:status", labels);
  EXPECT_EQ(text, "nasa:status{class=\"2xx\",path=\"/a\\\"b\\\\c\"}");
  auto parsed = ParseSeriesId(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->name, "nasa:status");
  EXPECT_EQ(parsed->labels, labels);
  EXPECT_EQ(FormatSeriesId("up", {}), "up");
}

TEST(SeriesId, RejectsMalformedLabels) {
  for (const char* bad : {"", "{a=\"b\"}", "x{a=b}", "x{a=\"b\"", "x{=\"b\"}", "x{a=\"b}"}) {
    EXPECT_FALSE(ParseSeriesId(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace forescale
