#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "policy/policy.h"

namespace forescale::policy {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(PolicyRegistry, KnowsEveryKindTheDocsList) {
  EXPECT_THAT(PolicyKinds(), ::testing::ElementsAre("hpa", "target-tracking", "step", "rule",
                                                    "scheduled", "aws-predictive", "predictive",
                                                    "oracle", "combined"));
}

TEST(PolicyRegistry, AnUnknownNameListsTheKinds) {
  auto p = LoadPolicy("hpaa", {});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(p.error().message(), HasSubstr("unknown policy 'hpaa'"));
  EXPECT_THAT(p.error().message(), HasSubstr("hpa, target-tracking"));
}

TEST(PolicyRegistry, FileErrorsNameTheFileLineAndKey) {
  auto unknown_kind = LoadPolicy(WriteTemp("k.yaml", "# a policy\nkind: magic\n"), {});
  ASSERT_FALSE(unknown_kind);
  EXPECT_THAT(unknown_kind.error().message(), HasSubstr("k.yaml:2: kind: unknown policy kind 'magic'"));
  auto no_kind = LoadPolicy(WriteTemp("n.yaml", "interval: 15s\n"), {});
  ASSERT_FALSE(no_kind);
  EXPECT_THAT(no_kind.error().message(), HasSubstr("n.yaml:1: kind: missing"));
  auto bad_key = LoadPolicy(WriteTemp("b.yaml", "kind: predictive\nquantiel: 0.9\n"),
                            {.capacity_per_replica = 50});
  ASSERT_FALSE(bad_key);
  EXPECT_THAT(bad_key.error().message(), HasSubstr("b.yaml:2: quantiel: unknown key"));
  auto bad_value = LoadPolicy(WriteTemp("v.yaml", "kind: predictive\nquantile: 1.5\n"),
                              {.capacity_per_replica = 50});
  ASSERT_FALSE(bad_value);
  EXPECT_THAT(bad_value.error().message(), HasSubstr("v.yaml:2: quantile: must be between 0 and 1"));
  auto syntax = LoadPolicy(WriteTemp("s.yaml", "kind: [predictive\n"), {});
  ASSERT_FALSE(syntax);
  EXPECT_THAT(syntax.error().message(), HasSubstr("s.yaml:"));
}

}  // namespace
}  // namespace forescale::policy
