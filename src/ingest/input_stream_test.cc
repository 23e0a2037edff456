#include "ingest/input_stream.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/line_scanner.h"

namespace forescale::ingest {
namespace {

// A path in the temporary directory, unique to this process and object, removed at scope end.
class TempPath {
 public:
  explicit TempPath(std::string_view tag) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("forescale_ingest_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++) + "_" + std::string(tag)))
                .string();
  }
  ~TempPath() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.is_open()) << path;
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One gzip member holding `content`, written by zlib's own gzip writer.
std::string Gzip(std::string_view content) {
  TempPath tmp("member.gz");
  gzFile gz = gzopen(tmp.path().c_str(), "wb6");
  EXPECT_NE(gz, nullptr);
  if (!gz) return {};
  size_t done = 0;
  while (done < content.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(content.size() - done, 1 << 20));
    EXPECT_EQ(gzwrite(gz, content.data() + done, chunk), static_cast<int>(chunk));
    done += chunk;
  }
  EXPECT_EQ(gzclose(gz), Z_OK);
  return ReadFileBytes(tmp.path());
}

// Deterministic text: lowercase letters with a newline about every 40 bytes. It compresses to
// roughly 60 %, so a few MB of it spans several of the stream's 1 MiB raw reads.
std::string Text(size_t n, uint32_t seed) {
  std::string s;
  s.reserve(n);
  uint32_t x = seed;
  while (s.size() < n) {
    x = x * 1664525u + 1013904223u;
    s.push_back((x >> 16) % 40 == 0 ? '\n' : static_cast<char>('a' + (x >> 24) % 26));
  }
  return s;
}

std::unique_ptr<InputStream> OpenOrDie(const std::string& path) {
  auto in = InputStream::Open(path);
  EXPECT_TRUE(in.has_value()) << in.error().message();
  return in ? std::move(*in) : nullptr;
}

// Reads to the end in `chunk`-sized calls.
Result<std::string> ReadAll(InputStream& in, size_t chunk) {
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    auto got = in.Read(buf.data(), buf.size());
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return out;
    out.append(buf.data(), *got);
  }
}

TEST(InputStream, ReadsPlainFileFully) {
  TempPath file("plain.log");
  const std::string content = Text(300000, 1);
  WriteFile(file.path(), content);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  EXPECT_FALSE(in->compressed());
  EXPECT_EQ(in->path(), file.path());
  auto read = ReadAll(*in, 4093);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(*read, content);
  // The end stays the end.
  char c;
  auto again = in->Read(&c, 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
}

TEST(InputStream, ReadsEmptyAndOneByteFiles) {
  TempPath empty("empty.log");
  WriteFile(empty.path(), "");
  auto in = OpenOrDie(empty.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 16);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, "");
  EXPECT_EQ(in->raw_size(), std::optional<uint64_t>(0));

  // A lone 0x1f is the first gzip magic byte, but without the second it is plain text.
  TempPath one("one.log");
  WriteFile(one.path(), "\x1f");
  auto in1 = OpenOrDie(one.path());
  ASSERT_NE(in1, nullptr);
  EXPECT_FALSE(in1->compressed());
  auto read1 = ReadAll(*in1, 16);
  ASSERT_TRUE(read1.has_value());
  EXPECT_EQ(*read1, "\x1f");
}

TEST(InputStream, DecompressesGzipFileToTheOriginalBytes) {
  TempPath file("big.log.gz");
  const std::string content = Text(3000000, 2);
  const std::string gz = Gzip(content);
  ASSERT_GT(gz.size(), size_t{1} << 20);  // more than one raw block
  WriteFile(file.path(), gz);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  EXPECT_TRUE(in->compressed());
  auto read = ReadAll(*in, 1 << 16);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->size(), content.size());
  EXPECT_TRUE(*read == content);
}

TEST(InputStream, DecompressesGzipInTinyReads) {
  TempPath file("small.log.gz");
  const std::string content = Text(20000, 3);
  WriteFile(file.path(), Gzip(content));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 7);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(*read, content);
}

TEST(InputStream, ReadsConcatenatedGzipMembersAsOneStream) {
  TempPath file("rotated.log.gz");
  const std::string first = Text(50000, 4), second = Text(70000, 5);
  // `cat a.gz empty.gz b.gz`: an empty member in the middle must not end the stream.
  ASSERT_GE(Gzip("").size(), 18u);  // header + empty deflate block + trailer
  WriteFile(file.path(), Gzip(first) + Gzip("") + Gzip(second));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 1000);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(*read, first + second);
}

TEST(InputStream, IgnoresZeroPaddingAfterTheLastGzipMember) {
  TempPath file("padded.log.gz");
  WriteFile(file.path(), Gzip("one\ntwo\n") + std::string(512, '\0'));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 100);
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(*read, "one\ntwo\n");
}

TEST(InputStream, TruncatedGzipIsCorruptAndSaysTruncated) {
  TempPath file("truncated.log.gz");
  const std::string gz = Gzip(Text(200000, 6));
  WriteFile(file.path(), gz.substr(0, gz.size() / 2));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 4096);
  ASSERT_FALSE(read.has_value()) << "read " << read->size() << " bytes without an error";
  EXPECT_EQ(read.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(read.error().message().find("truncated"), std::string::npos)
      << read.error().message();
  EXPECT_NE(read.error().message().find(file.path()), std::string::npos)
      << read.error().message();
}

TEST(InputStream, GzipCutInsideTheSecondMemberIsCorrupt) {
  TempPath file("cut-second.log.gz");
  const std::string second = Gzip(Text(30000, 8));
  WriteFile(file.path(), Gzip("complete first member\n") + second.substr(0, second.size() / 2));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 4096);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(read.error().message().find("truncated"), std::string::npos)
      << read.error().message();
}

TEST(InputStream, CorruptGzipBodyIsCorrupt) {
  TempPath file("corrupt.log.gz");
  std::string gz = Gzip(Text(20000, 9));
  // gzopen writes a 10-byte header; 0xff there starts a deflate block of the reserved type 3.
  ASSERT_GT(gz.size(), 40u);
  std::fill(gz.begin() + 10, gz.begin() + 30, '\xff');
  WriteFile(file.path(), gz);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 4096);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(read.error().message().find("corrupt gzip"), std::string::npos)
      << read.error().message();
}

TEST(InputStream, GzipWithWrongChecksumIsCorrupt) {
  TempPath file("badcrc.log.gz");
  std::string gz = Gzip("payload that decompresses fine\n");
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x01);  // first CRC-32 byte
  WriteFile(file.path(), gz);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  auto read = ReadAll(*in, 4096);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kCorrupt);
}

TEST(InputStream, MissingFileIsNotFoundNamingThePath) {
  TempPath missing("does-not-exist.log");
  auto in = InputStream::Open(missing.path());
  ASSERT_FALSE(in.has_value());
  EXPECT_EQ(in.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(in.error().message().find(missing.path()), std::string::npos) << in.error().message();
}

TEST(InputStream, DirectoryIsAnErrorNamingThePath) {
  TempPath dir("a-directory");
  ASSERT_TRUE(std::filesystem::create_directory(dir.path()));
  auto in = InputStream::Open(dir.path());
  ASSERT_FALSE(in.has_value());
  EXPECT_EQ(in.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(in.error().message().find(dir.path()), std::string::npos) << in.error().message();
  EXPECT_NE(in.error().message().find("directory"), std::string::npos) << in.error().message();
}

TEST(InputStream, SkipOnPlainFileMovesThroughPeekedAndUnreadBytes) {
  TempPath file("skip.log");
  const std::string content = Text(100000, 10);
  WriteFile(file.path(), content);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  // One byte out of the two peeked for the gzip magic, then past them into the file.
  ASSERT_TRUE(in->Skip(1).has_value());
  char buf[10];
  auto got = in->Read(buf, 1);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(*got, 1u);
  EXPECT_EQ(buf[0], content[1]);
  ASSERT_TRUE(in->Skip(50000).has_value());
  auto rest = ReadAll(*in, 4096);
  ASSERT_TRUE(rest.has_value());
  EXPECT_TRUE(*rest == content.substr(50002));
}

TEST(InputStream, SkipToTheEndOfPlainFileSucceedsAndPastItIsCorrupt) {
  TempPath file("skip-end.log");
  WriteFile(file.path(), "0123456789");
  auto exact = OpenOrDie(file.path());
  ASSERT_NE(exact, nullptr);
  ASSERT_TRUE(exact->Skip(10).has_value());
  auto rest = ReadAll(*exact, 16);
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, "");

  auto past = OpenOrDie(file.path());
  ASSERT_NE(past, nullptr);
  auto skipped = past->Skip(11);
  ASSERT_FALSE(skipped.has_value());
  EXPECT_EQ(skipped.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(skipped.error().message().find(file.path()), std::string::npos);
}

TEST(InputStream, SkipOnGzipFileDiscardsDecompressedBytes) {
  TempPath file("skip.log.gz");
  const std::string content = Text(1500000, 11);
  WriteFile(file.path(), Gzip(content));
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  ASSERT_TRUE(in->Skip(1234567).has_value());
  auto rest = ReadAll(*in, 1 << 16);
  ASSERT_TRUE(rest.has_value()) << rest.error().message();
  EXPECT_TRUE(*rest == content.substr(1234567));

  auto past = OpenOrDie(file.path());
  ASSERT_NE(past, nullptr);
  auto skipped = past->Skip(content.size() + 1);
  ASSERT_FALSE(skipped.has_value());
  EXPECT_EQ(skipped.error().code(), ErrorCode::kCorrupt);
}

TEST(InputStream, RawPositionAndSizeOfPlainFile) {
  TempPath file("raw.log");
  const std::string content = Text(10000, 12);
  WriteFile(file.path(), content);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->raw_size(), std::optional<uint64_t>(content.size()));
  std::vector<char> buf(1000);
  uint64_t content_read = 0;
  for (;;) {
    auto got = in->Read(buf.data(), buf.size());
    ASSERT_TRUE(got.has_value());
    if (*got == 0) break;
    content_read += *got;
    // Raw bytes consumed never lag what was handed out, nor exceed the file.
    EXPECT_GE(in->raw_position(), content_read);
    EXPECT_LE(in->raw_position(), content.size());
  }
  EXPECT_EQ(in->raw_position(), content.size());
}

TEST(InputStream, RawPositionOfGzipFileGrowsToTheCompressedSize) {
  TempPath file("raw.log.gz");
  const std::string gz = Gzip(Text(2500000, 13));
  WriteFile(file.path(), gz);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->raw_size(), std::optional<uint64_t>(gz.size()));
  std::vector<char> buf(1 << 16);
  uint64_t last = 0;
  for (;;) {
    auto got = in->Read(buf.data(), buf.size());
    ASSERT_TRUE(got.has_value()) << got.error().message();
    if (*got == 0) break;
    EXPECT_GE(in->raw_position(), last);
    EXPECT_LE(in->raw_position(), gz.size());
    last = in->raw_position();
  }
  EXPECT_EQ(in->raw_position(), gz.size());
}

TEST(Fingerprint, IsFnv1a64) {
  EXPECT_EQ(Fingerprint(""), 0xcbf29ce484222325ULL);  // the offset basis
  EXPECT_EQ(Fingerprint("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fingerprint("foobar"), 0x85944171f73967e8ULL);
}

TEST(Fingerprint, IsStableAndDiffersForDifferentBytes) {
  const std::string text = Text(4096, 14);
  EXPECT_EQ(Fingerprint(text), Fingerprint(std::string(text)));
  std::string changed = text;
  changed[2000] = static_cast<char>(changed[2000] ^ 1);
  EXPECT_NE(Fingerprint(text), Fingerprint(changed));
  EXPECT_NE(Fingerprint("ab"), Fingerprint("ba"));
  EXPECT_NE(Fingerprint(std::string_view("\0", 1)), Fingerprint(""));
}

// ---------------------------------------------------------------------------------------------
// LineScanner

// An in-memory input that hands out at most `chunk` bytes per Read, like a pipe; optionally
// fails once `fail_at` bytes have been read.
class ChunkedStream final : public InputStream {
 public:
  ChunkedStream(std::string data, size_t chunk, size_t fail_at = SIZE_MAX)
      : InputStream("<memory>"), data_(std::move(data)), chunk_(chunk), fail_at_(fail_at) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= fail_at_) return Fail(ErrorCode::kIo, "<memory>: read failed: injected");
    const size_t take = std::min({n, chunk_, data_.size() - pos_, fail_at_ - pos_});
    if (take > 0) std::memcpy(buf, data_.data() + pos_, take);
    pos_ += take;
    return take;
  }
  Result<void> Skip(uint64_t n) override {
    if (n > data_.size() - pos_) return Fail(ErrorCode::kCorrupt, "<memory>: shorter");
    pos_ += static_cast<size_t>(n);
    return {};
  }
  bool compressed() const override { return false; }
  uint64_t raw_position() const override { return pos_; }
  std::optional<uint64_t> raw_size() const override { return data_.size(); }

 private:
  std::string data_;
  size_t chunk_;
  size_t fail_at_;
  size_t pos_ = 0;
};

struct Event {
  LineScanner::Status status;
  std::string line;          // kLine only
  uint64_t too_long = 0;     // kTooLong only
  uint64_t line_number = 0;  // after the call
  uint64_t consumed = 0;     // after the call

  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << "{status=" << static_cast<int>(e.status) << " line='" << e.line
            << "' too_long=" << e.too_long << " line_number=" << e.line_number
            << " consumed=" << e.consumed << "}";
}

Event LineAt(std::string line, uint64_t number, uint64_t consumed) {
  return {LineScanner::Status::kLine, std::move(line), 0, number, consumed};
}
Event TooLongAt(uint64_t bytes, uint64_t number, uint64_t consumed) {
  return {LineScanner::Status::kTooLong, "", bytes, number, consumed};
}

// Every event up to and including kEnd.
std::vector<Event> ScanAll(LineScanner& scanner) {
  std::vector<Event> events;
  for (;;) {
    std::string_view line;
    auto status = scanner.Next(line);
    EXPECT_TRUE(status.has_value()) << status.error().message();
    if (!status) return events;
    Event e{*status, "", 0, scanner.line_number(), scanner.consumed_bytes()};
    if (*status == LineScanner::Status::kLine) e.line = std::string(line);
    if (*status == LineScanner::Status::kTooLong) e.too_long = scanner.too_long_bytes();
    events.push_back(e);
    if (*status == LineScanner::Status::kEnd) return events;
    if (events.size() > 100000) {
      ADD_FAILURE() << "scanner does not end";
      return events;
    }
  }
}

// Lines of 0..16 bytes (never over max_line = 16) and the events they must produce.
std::string ShortLines(std::vector<Event>& expected) {
  std::string content;
  for (int i = 0; i < 60; ++i) {
    std::string line(static_cast<size_t>((i * 7) % 17), static_cast<char>('a' + i % 26));
    content += line + "\n";
    expected.push_back(LineAt(line, static_cast<uint64_t>(i + 1), content.size()));
  }
  expected.push_back({LineScanner::Status::kEnd, "", 0, 60, content.size()});
  return content;
}

TEST(LineScanner, SplitsLinesAcrossBlockBoundariesOfAFile) {
  std::vector<Event> expected;
  const std::string content = ShortLines(expected);
  TempPath file("lines.log");
  WriteFile(file.path(), content);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  LineScanner scanner(*in, {}, /*max_line=*/16, /*block=*/32);
  EXPECT_EQ(ScanAll(scanner), expected);
}

TEST(LineScanner, SplitsLinesAcrossShortReads) {
  std::vector<Event> expected;
  const std::string content = ShortLines(expected);
  for (size_t chunk : {1u, 5u, 31u, 32u, 33u}) {
    ChunkedStream in(content, chunk);
    LineScanner scanner(in, {}, /*max_line=*/16, /*block=*/32);
    EXPECT_EQ(ScanAll(scanner), expected) << "chunk " << chunk;
  }
}

TEST(LineScanner, DeliversFinalLineWithoutNewline) {
  ChunkedStream in("first\nlast", 64);
  LineScanner scanner(in);
  const std::vector<Event> expected = {LineAt("first", 1, 6), LineAt("last", 2, 10),
                                       {LineScanner::Status::kEnd, "", 0, 2, 10}};
  EXPECT_EQ(ScanAll(scanner), expected);
}

TEST(LineScanner, KeepsEmptyLinesAndCarriageReturns) {
  ChunkedStream in("a\r\n\n\r\nb\n", 3);
  LineScanner scanner(in, {}, 16, 32);
  const std::vector<Event> expected = {LineAt("a\r", 1, 3), LineAt("", 2, 4), LineAt("\r", 3, 6),
                                       LineAt("b", 4, 8),
                                       {LineScanner::Status::kEnd, "", 0, 4, 8}};
  EXPECT_EQ(ScanAll(scanner), expected);
}

TEST(LineScanner, EmptyInputEndsAtOnceAndStaysEnded) {
  ChunkedStream in("", 8);
  LineScanner scanner(in);
  std::string_view line;
  for (int i = 0; i < 2; ++i) {
    auto status = scanner.Next(line);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, LineScanner::Status::kEnd);
  }
  EXPECT_EQ(scanner.line_number(), 0u);
  EXPECT_EQ(scanner.consumed_bytes(), 0u);
  EXPECT_EQ(scanner.tail(), "");
}

TEST(LineScanner, ReportsLineOverMaxLineAsTooLongAndCarriesOn) {
  const std::string content =
      "short\n" + std::string(100, 'x') + "\nnext\n" + std::string(40, 'y');  // no final \n
  const std::vector<Event> expected = {
      LineAt("short", 1, 6), TooLongAt(100, 2, 107), LineAt("next", 3, 112),
      TooLongAt(40, 4, 152), {LineScanner::Status::kEnd, "", 0, 4, 152}};
  for (size_t chunk : {5u, 32u, 1000u}) {
    ChunkedStream in(content, chunk);
    LineScanner scanner(in, {}, /*max_line=*/16, /*block=*/32);
    EXPECT_EQ(ScanAll(scanner), expected) << "chunk " << chunk;
  }
}

TEST(LineScanner, TooLongLinesOneAfterAnotherAreCountedSeparately) {
  const std::string content = std::string(50, 'x') + "\n" + std::string(70, 'y') + "\nok\n";
  ChunkedStream in(content, 1000);
  LineScanner scanner(in, {}, 16, 32);
  const std::vector<Event> expected = {TooLongAt(50, 1, 51), TooLongAt(70, 2, 122),
                                       LineAt("ok", 3, 125),
                                       {LineScanner::Status::kEnd, "", 0, 3, 125}};
  EXPECT_EQ(ScanAll(scanner), expected);
}

TEST(LineScanner, LineOverMaxLineIsTooLongWhereverItFallsInTheBlock) {
  // 20 bytes with max_line 16 fit whole in a 32-byte block, in the middle and at the end.
  const std::string content = "0123456789abcdefghij\nok\n" + std::string(17, 'z');
  const std::vector<Event> expected = {TooLongAt(20, 1, 21), LineAt("ok", 2, 24),
                                       TooLongAt(17, 3, 41),
                                       {LineScanner::Status::kEnd, "", 0, 3, 41}};
  for (size_t chunk : {3u, 1000u}) {
    ChunkedStream in(content, chunk);
    LineScanner scanner(in, {}, /*max_line=*/16, /*block=*/32);
    EXPECT_EQ(ScanAll(scanner), expected) << "chunk " << chunk;
  }
  // Exactly max_line bytes is still a line.
  ChunkedStream in(std::string(16, 'a') + "\n" + std::string(16, 'b'), 1000);
  LineScanner scanner(in, {}, 16, 32);
  const std::vector<Event> at_limit = {LineAt(std::string(16, 'a'), 1, 17),
                                       LineAt(std::string(16, 'b'), 2, 33),
                                       {LineScanner::Status::kEnd, "", 0, 2, 33}};
  EXPECT_EQ(ScanAll(scanner), at_limit);
}

TEST(LineScanner, TailIsTheLastConsumedBytesAfterEveryLine) {
  std::string content;
  for (int i = 0; content.size() < 10000; ++i) {
    content += "line " + std::to_string(i) + "\n";  // at most 10 bytes: under max_line
  }
  ChunkedStream in(content, 29);
  LineScanner scanner(in, {}, /*max_line=*/16, /*block=*/32);
  std::string_view line;
  size_t lines = 0;
  for (;;) {
    auto status = scanner.Next(line);
    ASSERT_TRUE(status.has_value());
    if (*status == LineScanner::Status::kEnd) break;
    ++lines;
    const uint64_t consumed = scanner.consumed_bytes();
    const uint64_t keep = std::min<uint64_t>(LineScanner::kFingerprintBytes, consumed);
    ASSERT_EQ(scanner.tail(), content.substr(consumed - keep, keep)) << "after line " << lines;
  }
  EXPECT_EQ(scanner.consumed_bytes(), content.size());
  EXPECT_EQ(scanner.tail().size(), LineScanner::kFingerprintBytes);
}

TEST(LineScanner, TailIncludesTheBytesOfASkippedLongLine) {
  const std::string content = "ab\n" + std::string(40, 'x') + "\nc\n";
  ChunkedStream in(content, 1000);
  LineScanner scanner(in, {}, /*max_line=*/16, /*block=*/32);
  const std::vector<Event> events = ScanAll(scanner);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].status, LineScanner::Status::kTooLong);
  EXPECT_EQ(scanner.consumed_bytes(), content.size());
  EXPECT_EQ(scanner.tail(), content);
}

TEST(LineScanner, ResumesFromStartWithPendingBytesOffsetAndLine) {
  const std::string content = "l1\nl2\nl3\nl4\n";
  TempPath file("resume.log");
  WriteFile(file.path(), content);
  auto in = OpenOrDie(file.path());
  ASSERT_NE(in, nullptr);
  // What the ingest command does: it has read a head, and the earlier run consumed 6 bytes.
  std::string head(8, '\0');
  auto got = in->Read(head.data(), head.size());
  ASSERT_TRUE(got.has_value());
  head.resize(*got);
  while (head.size() < 8) {
    char c;
    auto more = in->Read(&c, 1);
    ASSERT_TRUE(more.has_value());
    ASSERT_EQ(*more, 1u);
    head.push_back(c);
  }
  ASSERT_EQ(head, "l1\nl2\nl3");
  LineScanner scanner(*in, LineScanner::Start{.pending = head.substr(6), .offset = 6, .line = 2,
                                              .tail = head.substr(0, 6)});
  EXPECT_EQ(scanner.tail(), "l1\nl2\n");
  const std::vector<Event> expected = {LineAt("l3", 3, 9), LineAt("l4", 4, 12),
                                       {LineScanner::Status::kEnd, "", 0, 4, 12}};
  EXPECT_EQ(ScanAll(scanner), expected);
  EXPECT_EQ(scanner.tail(), content);
}

TEST(LineScanner, StartPendingLargerThanTheBlockIsKept) {
  std::string pending;
  for (int i = 0; i < 20; ++i) pending += "p" + std::to_string(i) + "\n";  // ~70 bytes
  pending += "partial";
  ChunkedStream rest(" end\nz\n", 4);
  LineScanner scanner(rest, LineScanner::Start{.pending = pending, .offset = 1000, .line = 50},
                      /*max_line=*/16, /*block=*/32);
  const std::vector<Event> events = ScanAll(scanner);
  ASSERT_EQ(events.size(), 23u);
  EXPECT_EQ(events[0], LineAt("p0", 51, 1003));
  EXPECT_EQ(events[19].line, "p19");
  EXPECT_EQ(events[20], LineAt("partial end", 71, 1000 + pending.size() + 5));
  EXPECT_EQ(events[21], LineAt("z", 72, 1000 + pending.size() + 7));
  EXPECT_EQ(events[22].status, LineScanner::Status::kEnd);
}

TEST(LineScanner, PropagatesReadErrors) {
  ChunkedStream in("ok\nthen the disk fails", 4, /*fail_at=*/10);
  LineScanner scanner(in, {}, 16, 32);
  std::string_view line;
  auto first = scanner.Next(line);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, LineScanner::Status::kLine);
  EXPECT_EQ(line, "ok");
  auto second = scanner.Next(line);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kIo);
}

TEST(LineScanner, ScansGzipSampleIntoTheSameLinesAsThePlainFile) {
  const std::string plain_path =
      FORESCALE_SOURCE_DIR "/data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log";
  const std::string content = ReadFileBytes(plain_path);
  ASSERT_FALSE(content.empty());
  TempPath gz("nasa.log.gz");
  WriteFile(gz.path(), Gzip(content));
  for (const std::string& path : {plain_path, gz.path()}) {
    auto in = OpenOrDie(path);
    ASSERT_NE(in, nullptr);
    LineScanner scanner(*in, {}, /*max_line=*/256, /*block=*/1024);
    std::string joined;
    const std::vector<Event> events = ScanAll(scanner);
    ASSERT_EQ(events.size(), 1881u) << path;
    for (const Event& e : events) {
      if (e.status == LineScanner::Status::kLine) joined += e.line + "\n";
    }
    EXPECT_TRUE(joined == content) << path;
    EXPECT_EQ(scanner.consumed_bytes(), content.size()) << path;
  }
}

}  // namespace
}  // namespace forescale::ingest
