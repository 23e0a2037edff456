#include "loadgen/http_parser.h"

#include <gtest/gtest.h>

namespace forescale::loadgen {
namespace {

// Feeds `wire` in pieces of `piece` bytes; returns the status of the last Feed and the bytes
// used in total.
ParseStatus FeedInPieces(ResponseParser& p, std::string_view wire, size_t piece, size_t* total) {
  *total = 0;
  ParseStatus st = ParseStatus::kIncomplete;
  while (*total < wire.size()) {
    size_t used = 0;
    st = p.Feed(wire.substr(*total, std::min(piece, wire.size() - *total)), &used);
    *total += used;
    if (st != ParseStatus::kIncomplete) break;
  }
  return st;
}

TEST(ResponseParser, ContentLengthWholeAndSplitAtEveryByte) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
  for (size_t piece : {wire.size(), size_t{1}, size_t{2}, size_t{7}}) {
    ResponseParser p;
    size_t total = 0;
    ASSERT_EQ(FeedInPieces(p, wire, piece, &total), ParseStatus::kComplete) << piece;
    EXPECT_EQ(total, wire.size());
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.body_bytes(), 5u);
    EXPECT_TRUE(p.keep_alive());
  }
}

TEST(ResponseParser, StopsAtTheEndOfOneMessageInAPipelinedBuffer) {
  const std::string wire =
      "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\nContent-Length: "
      "0\r\n\r\n";
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed(wire, &used), ParseStatus::kComplete);
  EXPECT_EQ(p.status(), 404);
  EXPECT_EQ(wire.substr(used, 8), "HTTP/1.1");
  p.Reset();
  size_t used2 = 0;
  ASSERT_EQ(p.Feed(std::string_view(wire).substr(used), &used2), ParseStatus::kComplete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(used + used2, wire.size());
}

TEST(ResponseParser, ChunkedWithExtensionsAndTrailerByteByByte) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "4;name=v\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n";
  for (size_t piece : {wire.size(), size_t{1}, size_t{3}}) {
    ResponseParser p;
    size_t total = 0;
    ASSERT_EQ(FeedInPieces(p, wire, piece, &total), ParseStatus::kComplete) << piece;
    EXPECT_EQ(total, wire.size());
    EXPECT_EQ(p.body_bytes(), 23u);
  }
}

TEST(ResponseParser, ChunkedWinsOverContentLength) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: "
      "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed(wire, &used), ParseStatus::kComplete);
  EXPECT_EQ(used, wire.size());
}

TEST(ResponseParser, BodyUntilCloseCompletesOnFinish) {
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed("HTTP/1.0 200 OK\r\n\r\nsome body", &used), ParseStatus::kIncomplete);
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.Finish(), ParseStatus::kComplete);
  EXPECT_EQ(p.body_bytes(), 9u);
}

TEST(ResponseParser, CloseMidBodyIsAnError) {
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", &used),
            ParseStatus::kIncomplete);
  EXPECT_EQ(p.Finish(), ParseStatus::kError);
}

TEST(ResponseParser, NoBodyFor204_304AndHead) {
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", &used),
            ParseStatus::kComplete);
  p.Reset();
  p.ExpectNoBody(true);
  ASSERT_EQ(p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", &used), ParseStatus::kComplete);
}

TEST(ResponseParser, KeepAliveRules) {
  ResponseParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &used),
            ParseStatus::kComplete);
  EXPECT_FALSE(p.keep_alive());
  p.Reset();
  ASSERT_EQ(p.Feed("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", &used),
            ParseStatus::kComplete);
  EXPECT_TRUE(p.keep_alive());
}

TEST(ResponseParser, RejectsMalformedInput) {
  for (const char* bad :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    ResponseParser p;
    size_t used = 0;
    EXPECT_EQ(p.Feed(bad, &used), ParseStatus::kError) << bad;
    EXPECT_FALSE(p.error().empty());
  }
}

TEST(ResponseParser, HeadLargerThanTheLimitIsAnError) {
  ResponseParser p;
  size_t used = 0;
  std::string wire = "HTTP/1.1 200 OK\r\nX: " + std::string(kMaxHeadBytes, 'a');
  EXPECT_EQ(p.Feed(wire, &used), ParseStatus::kError);
}

TEST(RequestParser, ParsesPipelinedRequestsWithBodies) {
  const std::string wire =
      "POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.0\r\n\r\n";
  RequestParser p;
  size_t used = 0;
  ASSERT_EQ(p.Feed(wire, &used), ParseStatus::kComplete);
  EXPECT_EQ(p.request().method, "POST");
  EXPECT_EQ(p.request().target, "/a?x=1");
  EXPECT_TRUE(p.request().keep_alive);
  EXPECT_EQ(p.request().body_bytes, 3u);
  const size_t first = used;
  p.Reset();
  ASSERT_EQ(p.Feed(std::string_view(wire).substr(first), &used), ParseStatus::kComplete);
  EXPECT_EQ(p.request().target, "/b");
  EXPECT_FALSE(p.request().keep_alive);
  EXPECT_EQ(first + used, wire.size());
}

TEST(RequestParser, RejectsBadRequestLine) {
  RequestParser p;
  size_t used = 0;
  EXPECT_EQ(p.Feed("GARBAGE\r\n\r\n", &used), ParseStatus::kError);
  p.Reset();
  EXPECT_EQ(p.Feed("GET / SPDY/3\r\n\r\n", &used), ParseStatus::kError);
}

}  // namespace
}  // namespace forescale::loadgen
