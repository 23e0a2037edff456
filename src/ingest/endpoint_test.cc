#include "ingest/endpoint.h"

#include <string>

#include <gtest/gtest.h>

namespace forescale::ingest {
namespace {

TEST(NormaliseEndpoint, CollapsesNumericSegmentsToId) {
  EXPECT_EQ(NormaliseEndpoint("/users/42"), "/users/{id}");
  EXPECT_EQ(NormaliseEndpoint("/users/42/orders/7"), "/users/{id}/orders/{id}");
  EXPECT_EQ(NormaliseEndpoint("/0"), "/{id}");
}

TEST(NormaliseEndpoint, CollapsesUuidsInEitherCase) {
  EXPECT_EQ(NormaliseEndpoint("/orders/123e4567-e89b-12d3-a456-426614174000/items"),
            "/orders/{id}/items");
  EXPECT_EQ(NormaliseEndpoint("/orders/123E4567-E89B-12D3-A456-426614174000"), "/orders/{id}");
}

TEST(NormaliseEndpoint, CollapsesHexHashesOfSixteenDigitsOrMore) {
  EXPECT_EQ(NormaliseEndpoint("/blob/0123456789abcdef"), "/blob/{id}");
  EXPECT_EQ(NormaliseEndpoint("/commit/da39a3ee5e6b4b0d3255bfef95601890afd80709"), "/commit/{id}");
  // One digit short of the threshold: a name, not a hash.
  EXPECT_EQ(NormaliseEndpoint("/blob/0123456789abcde"), "/blob/0123456789abcde");
  // Hex letters only, no digit: a word such as "deadbeefcafebabe" stays.
  EXPECT_EQ(NormaliseEndpoint("/x/deadbeefcafebabe"), "/x/deadbeefcafebabe");
}

TEST(NormaliseEndpoint, CollapsesLongMixedTokens) {
  // 24 characters of letters and digits: a session token.
  EXPECT_EQ(NormaliseEndpoint("/s/aB3dE5fG7hJ9kL1mN3pQ5rS7"), "/s/{id}");
  EXPECT_EQ(NormaliseEndpoint("/s/Zx9_Yw8-Vu7tSr6qPo5nMl4k"), "/s/{id}");
  // 23 characters: kept.
  EXPECT_EQ(NormaliseEndpoint("/s/aB3dE5fG7hJ9kL1mN3pQ5rS"), "/s/aB3dE5fG7hJ9kL1mN3pQ5rS");
  // Words with a number among them: a title slug, not a token (found by probing).
  EXPECT_EQ(NormaliseEndpoint("/blog/installing-windows-8-consumer-preview.html"),
            "/blog/installing-windows-8-consumer-preview.html");
  EXPECT_EQ(NormaliseEndpoint("/s/Zx9_Yw8-Vu7tSr6qPo5nMl4k-abc"), "/s/{id}");
  // Long but letters only: a name.
  EXPECT_EQ(NormaliseEndpoint("/docs/gettingstartedwithforescale"),
            "/docs/gettingstartedwithforescale");
}

TEST(NormaliseEndpoint, CollapsesNumberedFilesKeepingTheExtension) {
  EXPECT_EQ(NormaliseEndpoint("/img/1234.jpg"), "/img/{id}.jpg");
  EXPECT_EQ(NormaliseEndpoint("/v/0123456789abcdef.m3u8"), "/v/{id}.m3u8");
  EXPECT_EQ(NormaliseEndpoint("/img/logo.png"), "/img/logo.png");
  // A hidden file's leading dot is not an extension.
  EXPECT_EQ(NormaliseEndpoint("/.well-known/x"), "/.well-known/x");
}

TEST(NormaliseEndpoint, DropsQueryAndFragment) {
  EXPECT_EQ(NormaliseEndpoint("/search?q=1&page=2"), "/search");
  EXPECT_EQ(NormaliseEndpoint("/doc#section-3"), "/doc");
  EXPECT_EQ(NormaliseEndpoint("/items/9?x=/a/b#f"), "/items/{id}");
}

TEST(NormaliseEndpoint, StripsSchemeAndHostOfAbsoluteUri) {
  EXPECT_EQ(NormaliseEndpoint("http://host/a/1"), "/a/{id}");
  EXPECT_EQ(NormaliseEndpoint("https://example.com:8443/api/v2/users/17?x=1"),
            "/api/v2/users/{id}");
  EXPECT_EQ(NormaliseEndpoint("http://example.com"), "/");
  // "://" inside a path is not a scheme.
  EXPECT_EQ(NormaliseEndpoint("/proxy/http://x/1"), "/proxy/http://x/{id}");
}

TEST(NormaliseEndpoint, KeepsNamesThatContainDigits) {
  EXPECT_EQ(NormaliseEndpoint("/shuttle/missions/sts-68/sts-68-mcc-05.txt"),
            "/shuttle/missions/sts-68/sts-68-mcc-05.txt");
  EXPECT_EQ(NormaliseEndpoint("/images/KSC-logosmall.gif"), "/images/KSC-logosmall.gif");
  EXPECT_EQ(NormaliseEndpoint("/api/v2/status"), "/api/v2/status");
}

TEST(NormaliseEndpoint, SegmentOverSixtyFourBytesBecomesLong) {
  const std::string name64(64, 'a'), name65(65, 'a');
  EXPECT_EQ(NormaliseEndpoint("/x/" + name64 + "/y"), "/x/" + name64 + "/y");
  EXPECT_EQ(NormaliseEndpoint("/x/" + name65 + "/y"), "/x/{long}/y");
  // Length wins over shape: a 70-digit number is a payload too.
  EXPECT_EQ(NormaliseEndpoint("/x/" + std::string(70, '7')), "/x/{long}");
}

TEST(NormaliseEndpoint, EmptyTargetIsInvalid) { EXPECT_EQ(NormaliseEndpoint(""), "{invalid}"); }

TEST(NormaliseEndpoint, KeepsShortNonPathTargetsAndRejectsLongOnes) {
  EXPECT_EQ(NormaliseEndpoint("*"), "*");
  EXPECT_EQ(NormaliseEndpoint("example.com:443"), "example.com:443");
  EXPECT_EQ(NormaliseEndpoint("www.very-long-example.com:443"), "{invalid}");
  // Only a query: nothing is left of the path.
  EXPECT_EQ(NormaliseEndpoint("?x=1"), "{invalid}");
}

TEST(NormaliseEndpoint, KeepsRootAndTrailingSlash) {
  EXPECT_EQ(NormaliseEndpoint("/"), "/");
  EXPECT_EQ(NormaliseEndpoint("/images/"), "/images/");
  EXPECT_EQ(NormaliseEndpoint("/users/42/"), "/users/{id}/");
  EXPECT_EQ(NormaliseEndpoint("/?q=1"), "/");
}

}  // namespace
}  // namespace forescale::ingest
