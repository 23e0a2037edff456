#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

namespace forescale::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A minute boundary, far from the epoch, so that offsets by accident would show.
const TimePoint kT0 = TimePoint{Duration{1'431'856'800'000}};  // 2015-05-17T10:00:00Z

TimePoint At(minutes m) { return kT0 + m; }

// A fresh directory per test, removed afterwards with whatever SQLite left in it.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("forescale_store_test_" + std::to_string(getpid()) + "_" +
                                         info->name() + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  auto store = Store::Open(path);
  EXPECT_TRUE(store.has_value()) << store.error().message();
  return store ? std::move(*store) : nullptr;
}

Series Minutely(TimePoint start, std::vector<double> values) {
  return Series{.start = start, .step = minutes(1), .values = std::move(values)};
}

// Compares value by value with NaN == NaN, printing the index that differs.
void ExpectValues(const Series& s, const std::vector<double>& want) {
  ASSERT_EQ(s.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(s.values[i])) << "index " << i << " = " << s.values[i];
    } else {
      EXPECT_DOUBLE_EQ(s.values[i], want[i]) << "index " << i;
    }
  }
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const SeriesId kRequests{"nasa:requests", {}};

TEST(Store, RoundTripKeepsNanGapsMissing) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1, kNaN, 3, kNaN, kNaN, 6}),
                                 MergeMode::kAdd, "requests"));

  auto read = store->ReadSeries(kRequests);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->start, kT0);
  EXPECT_EQ(read->step, minutes(1));
  ExpectValues(*read, {1, kNaN, 3, kNaN, kNaN, 6});

  auto info = store->Describe(kRequests);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->points, 3);  // NaN is not stored
  EXPECT_EQ(info->first, kT0);
  EXPECT_EQ(info->last, At(minutes(5)));
  EXPECT_EQ(info->unit, "requests");
}

TEST(Store, LeadingAndTrailingNansAreNotStored) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(
      store->WriteSeries(kRequests, Minutely(kT0, {kNaN, kNaN, 2, 3, kNaN}), MergeMode::kAdd));
  auto read = store->ReadSeries(kRequests);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->start, At(minutes(2)));
  ExpectValues(*read, {2, 3});
}

TEST(Store, AddMergeSumsOverlappingBuckets) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  // Two log files whose time ranges share the bucket at minute 2 (and one NaN on each side).
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1, 2, 3}), MergeMode::kAdd));
  ASSERT_TRUE(
      store->WriteSeries(kRequests, Minutely(At(minutes(2)), {10, kNaN, 20}), MergeMode::kAdd));
  ASSERT_TRUE(
      store->WriteSeries(kRequests, Minutely(At(minutes(1)), {kNaN, 100}), MergeMode::kAdd));
  auto read = store->ReadSeries(kRequests);
  ASSERT_TRUE(read);
  ExpectValues(*read, {1, 2, 113, kNaN, 20});
}

TEST(Store, ReplaceMergeOverwritesOverlappingBucketsAndKeepsTheRest) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  const SeriesId p95{"api:latency", {{"quantile", "0.95"}}};
  ASSERT_TRUE(store->WriteSeries(p95, Minutely(kT0, {0.1, 0.2, 0.3}), MergeMode::kReplace));
  // A NaN in the new write is "no data", so it must not erase the stored 0.2.
  ASSERT_TRUE(
      store->WriteSeries(p95, Minutely(At(minutes(1)), {kNaN, 0.9, 0.4}), MergeMode::kReplace));
  auto read = store->ReadSeries(p95);
  ASSERT_TRUE(read);
  ExpectValues(*read, {0.1, 0.2, 0.9, 0.4});
}

TEST(Store, WritingAnotherStepIsAConflictNamingSeriesAndBothSteps) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  const SeriesId id{"nasa:status", {{"class", "5xx"}}};
  ASSERT_TRUE(store->WriteSeries(id, Minutely(kT0, {1, 2}), MergeMode::kAdd));

  Series coarse{.start = kT0, .step = minutes(5), .values = {7}};
  auto r = store->WriteSeries(id, coarse, MergeMode::kAdd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(Contains(r.error().message(), R"(nasa:status{class="5xx"})")) << r.error().message();
  EXPECT_TRUE(Contains(r.error().message(), "1m")) << r.error().message();
  EXPECT_TRUE(Contains(r.error().message(), "5m")) << r.error().message();

  // Nothing of the refused write landed.
  auto read = store->ReadSeries(id);
  ASSERT_TRUE(read);
  ExpectValues(*read, {1, 2});
}

TEST(Store, NonPositiveStepIsRejected) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  Series bad{.start = kT0, .step = Duration{0}, .values = {1}};
  auto r = store->WriteSeries(kRequests, bad, MergeMode::kAdd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Store, ReadSeriesClipsToRangeAndFloorsOffGridBounds) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  // Stored on a grid offset by 20 s from whole minutes: the grid comes from the data.
  const TimePoint start = kT0 + seconds(20);
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(start, {0, 1, 2, 3, 4, 5}), MergeMode::kAdd));

  // Inside: [start+1m+30s, start+4m+10s) floors to [start+1m, start+4m).
  auto inner = store->ReadSeries(kRequests, start + seconds(90), start + seconds(250));
  ASSERT_TRUE(inner) << inner.error().message();
  EXPECT_EQ(inner->start, start + minutes(1));
  ExpectValues(*inner, {1, 2, 3});

  // Wider than the data: NaN padding on both sides, still on the stored grid.
  auto wide = store->ReadSeries(kRequests, start - minutes(2) + seconds(5), start + minutes(8));
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->start, start - minutes(2));
  ExpectValues(*wide, {kNaN, kNaN, 0, 1, 2, 3, 4, 5, kNaN, kNaN});

  // Only one end given: the other defaults to the stored data.
  auto tail = store->ReadSeries(kRequests, start + minutes(4));
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->start, start + minutes(4));
  ExpectValues(*tail, {4, 5});
  auto head = store->ReadSeries(kRequests, std::nullopt, start + minutes(2));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->start, start);
  ExpectValues(*head, {0, 1});
}

TEST(Store, EmptyOrInvertedRangeIsAnEmptySeriesNotAnError) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1, 2, 3}), MergeMode::kAdd));

  // Both ends floor to the same bucket.
  auto same = store->ReadSeries(kRequests, At(minutes(1)), At(minutes(1)) + seconds(59));
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_TRUE(same->empty());
  EXPECT_EQ(same->step, minutes(1));

  auto inverted = store->ReadSeries(kRequests, At(minutes(2)), At(minutes(1)));
  ASSERT_TRUE(inverted);
  EXPECT_TRUE(inverted->empty());

  // A range that holds no points is all NaN, not empty.
  auto later = store->ReadSeries(kRequests, At(minutes(10)), At(minutes(12)));
  ASSERT_TRUE(later);
  ExpectValues(*later, {kNaN, kNaN});
}

TEST(Store, ReadSeriesOfUnknownSeriesIsNotFoundNamingIt) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto r = store->ReadSeries({"nasa:bytes", {{"host", "a"}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(r.error().message(), R"(nasa:bytes{host="a"})")) << r.error().message();

  auto d = store->Describe({"nasa:bytes", {}});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kNotFound);
}

TEST(Store, ReadingAHugeRangeIsRefusedInsteadOfAllocatingIt) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  Series per_ms{.start = kT0, .step = Duration{1}, .values = {1}};
  ASSERT_TRUE(store->WriteSeries(kRequests, per_ms, MergeMode::kAdd));
  auto r = store->ReadSeries(kRequests, TimePoint{}, kT0);  // 45 years of milliseconds
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r.error().message(), "narrow")) << r.error().message();
}

TEST(Store, ListSeriesFiltersBySubstringAndOrdersByFormattedId) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  const SeriesId s5xx{"nasa:status", {{"class", "5xx"}}};
  const SeriesId s2xx{"nasa:status", {{"class", "2xx"}}};
  const SeriesId bytes{"nasa:bytes", {}};
  const SeriesId other{"shop:requests", {}};
  ASSERT_TRUE(store->WriteSeries(s5xx, Minutely(kT0, {1, kNaN, 1}), MergeMode::kAdd));
  ASSERT_TRUE(store->WriteSeries(other, Minutely(kT0, {9}), MergeMode::kAdd));
  ASSERT_TRUE(store->WriteSeries(s2xx, Minutely(At(minutes(3)), {5, 6}), MergeMode::kAdd));
  ASSERT_TRUE(store->WriteSeries(bytes, Minutely(kT0, {}), MergeMode::kAdd, "bytes"));

  auto all = store->ListSeries();
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(FormatSeriesId((*all)[0].id.name, (*all)[0].id.labels), "nasa:bytes");
  EXPECT_EQ(FormatSeriesId((*all)[1].id.name, (*all)[1].id.labels), R"(nasa:status{class="2xx"})");
  EXPECT_EQ(FormatSeriesId((*all)[2].id.name, (*all)[2].id.labels), R"(nasa:status{class="5xx"})");
  EXPECT_EQ((*all)[3].id.name, "shop:requests");

  // An empty series is listed with no points.
  EXPECT_EQ((*all)[0].points, 0);
  EXPECT_EQ((*all)[0].unit, "bytes");

  auto status = store->ListSeries("nasa:status");
  ASSERT_TRUE(status);
  ASSERT_EQ(status->size(), 2u);
  EXPECT_EQ((*status)[0].id.labels.at("class"), "2xx");
  EXPECT_EQ((*status)[0].points, 2);
  EXPECT_EQ((*status)[0].first, At(minutes(3)));
  EXPECT_EQ((*status)[0].last, At(minutes(4)));
  EXPECT_EQ((*status)[1].points, 2);
  EXPECT_EQ((*status)[1].first, kT0);
  EXPECT_EQ((*status)[1].last, At(minutes(2)));
  EXPECT_EQ((*status)[1].step, minutes(1));

  // The filter sees the label part too, and is a plain substring, not a pattern.
  auto by_label = store->ListSeries(R"(class="5)");
  ASSERT_TRUE(by_label);
  ASSERT_EQ(by_label->size(), 1u);
  EXPECT_EQ((*by_label)[0].id.labels.at("class"), "5xx");
  auto wildcard = store->ListSeries("nasa%");
  ASSERT_TRUE(wildcard);
  EXPECT_TRUE(wildcard->empty());
}

TEST(Store, EqualLabelSetsMapToOneSeriesWhateverTheInsertionOrder) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  Labels ab;
  ab["method"] = "GET";
  ab["path"] = "/a \"quoted\"\nline";
  Labels ba;
  ba["path"] = "/a \"quoted\"\nline";
  ba["method"] = "GET";
  ASSERT_TRUE(store->WriteSeries({"http", ab}, Minutely(kT0, {1}), MergeMode::kAdd));
  ASSERT_TRUE(store->WriteSeries({"http", ba}, Minutely(kT0, {2}), MergeMode::kAdd));

  auto list = store->ListSeries();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id.labels, ab);  // escapes survive the round trip
  auto read = store->ReadSeries({"http", ba});
  ASSERT_TRUE(read);
  ExpectValues(*read, {3});
}

TEST(Store, UnitIsKeptFromTheFirstWriteThatKnowsIt) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1}), MergeMode::kAdd));
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1}), MergeMode::kAdd, "requests"));
  ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1}), MergeMode::kAdd, "bytes"));
  auto info = store->Describe(kRequests);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->unit, "requests");
}

TEST(Store, SaveSourceInsertsThenUpdatesAndSourcesForFiltersByDataset) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  SourceRecord access{.dataset = "nasa",
                      .path = "access_log_Jul95.gz",
                      .format = "clf",
                      .head_hash = std::numeric_limits<uint64_t>::max(),  // top bit set
                      .head_len = 4096,
                      .tail_hash = 0x8000'0000'0000'0001ULL,
                      .tail_len = 4096,
                      .consumed_bytes = 205'242'368,
                      .consumed_lines = 1'891'715};
  auto id = store->SaveSource(access);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_GT(*id, 0);
  SourceRecord other{.dataset = "shop", .path = "-", .format = "csv"};
  auto other_id = store->SaveSource(other);
  ASSERT_TRUE(other_id);
  EXPECT_NE(*other_id, *id);

  auto nasa = store->SourcesFor("nasa");
  ASSERT_TRUE(nasa);
  ASSERT_EQ(nasa->size(), 1u);
  EXPECT_EQ((*nasa)[0].id, *id);
  EXPECT_EQ((*nasa)[0].path, "access_log_Jul95.gz");
  EXPECT_EQ((*nasa)[0].format, "clf");
  EXPECT_EQ((*nasa)[0].head_hash, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ((*nasa)[0].tail_hash, 0x8000'0000'0000'0001ULL);
  EXPECT_EQ((*nasa)[0].consumed_bytes, 205'242'368u);
  EXPECT_EQ((*nasa)[0].consumed_lines, 1'891'715u);

  // The log grew and was read further: same row, new position.
  access.id = *id;
  access.consumed_bytes = 300'000'000;
  access.tail_hash = 42;
  auto updated = store->SaveSource(access);
  ASSERT_TRUE(updated) << updated.error().message();
  EXPECT_EQ(*updated, *id);
  nasa = store->SourcesFor("nasa");
  ASSERT_TRUE(nasa);
  ASSERT_EQ(nasa->size(), 1u);
  EXPECT_EQ((*nasa)[0].consumed_bytes, 300'000'000u);
  EXPECT_EQ((*nasa)[0].tail_hash, 42u);

  auto none = store->SourcesFor("unknown");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Store, UpdatingAnUnknownSourceIsNotFound) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto r = store->SaveSource({.id = 77, .dataset = "nasa", .path = "x.log", .format = "clf"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(r.error().message(), "77")) << r.error().message();
}

TEST(Store, RunsAreRecordedAndReadBackInStartOrder) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto source = store->SaveSource({.dataset = "nasa", .path = "a.log", .format = "combined"});
  ASSERT_TRUE(source);
  const RunRecord second{.source_id = *source,
                         .started = At(minutes(60)),
                         .from_byte = 1000,
                         .to_byte = 1500,
                         .lines = 5,
                         .records = 4,
                         .malformed = 1,
                         .recovered = 0};
  const RunRecord first{.source_id = *source,
                        .started = kT0,
                        .from_byte = 0,
                        .to_byte = 1000,
                        .lines = 10,
                        .records = 8,
                        .malformed = 2,
                        .recovered = 1};
  ASSERT_TRUE(store->RecordRun(second));
  ASSERT_TRUE(store->RecordRun(first));

  auto runs = store->RunsFor(*source);
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].started, kT0);
  EXPECT_EQ((*runs)[0].to_byte, 1000u);
  EXPECT_EQ((*runs)[0].malformed, 2u);
  EXPECT_EQ((*runs)[0].recovered, 1u);
  EXPECT_EQ((*runs)[1].started, At(minutes(60)));
  EXPECT_EQ((*runs)[1].from_byte, 1000u);
  EXPECT_EQ((*runs)[1].lines, 5u);
  EXPECT_EQ((*runs)[1].records, 4u);
  EXPECT_EQ((*runs)[1].source_id, *source);

  auto none = store->RunsFor(*source + 1);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Store, RecordingARunForAnUnknownSourceIsNotFound) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto r = store->RecordRun({.source_id = 12345, .started = kT0});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(r.error().message(), "12345")) << r.error().message();
}

TEST(Store, BlobsAreReplacedPerBucketAndReadInAHalfOpenRange) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  const std::string binary("\x00\xff\x01hist", 7);
  ASSERT_TRUE(store->WriteBlobs("nasa:latency",
                                {{kT0, "a"}, {At(minutes(1)), binary}, {At(minutes(2)), "c"}}));
  ASSERT_TRUE(store->WriteBlobs("other", {{At(minutes(1)), "not mine"}}));
  ASSERT_TRUE(store->WriteBlobs("nasa:latency", {{At(minutes(2)), "C"}, {At(minutes(3)), ""}}));

  auto mid = store->ReadBlobs("nasa:latency", At(minutes(1)), At(minutes(3)));
  ASSERT_TRUE(mid) << mid.error().message();
  ASSERT_EQ(mid->size(), 2u);
  EXPECT_EQ((*mid)[0].first, At(minutes(1)));
  EXPECT_EQ((*mid)[0].second, binary);
  EXPECT_EQ((*mid)[1].first, At(minutes(2)));
  EXPECT_EQ((*mid)[1].second, "C");

  auto all = store->ReadBlobs("nasa:latency", kT0 - minutes(10), At(minutes(10)));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].second, "a");
  EXPECT_EQ((*all)[3].first, At(minutes(3)));
  EXPECT_EQ((*all)[3].second, "");

  auto empty = store->ReadBlobs("nasa:latency", At(minutes(5)), At(minutes(6)));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Store, RollbackLeavesNothingBehindAfterReopen) {
  ScratchDir dir;
  const std::string path = dir.File("s.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Begin());
    ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1, 2}), MergeMode::kAdd));
    ASSERT_TRUE(store->WriteBlobs("k", {{kT0, "x"}}));
    ASSERT_TRUE(store->ReadSeries(kRequests));  // visible inside the transaction
    store->Rollback();
    store->Rollback();  // nothing open: a no-op
    EXPECT_FALSE(store->ReadSeries(kRequests));
  }
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto r = store->ReadSeries(kRequests);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  auto blobs = store->ReadBlobs("k", kT0, At(minutes(1)));
  ASSERT_TRUE(blobs);
  EXPECT_TRUE(blobs->empty());
}

TEST(Store, DestructorRollsBackAnOpenTransaction) {
  ScratchDir dir;
  const std::string path = dir.File("s.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Begin());
    ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1}), MergeMode::kAdd));
  }
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto list = store->ListSeries();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(Store, CommittedDataSurvivesCloseAndReopen) {
  ScratchDir dir;
  const std::string path = dir.File("s.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Begin());
    ASSERT_TRUE(
        store->WriteSeries(kRequests, Minutely(kT0, {1, kNaN, 3}), MergeMode::kAdd, "requests"));
    ASSERT_TRUE(store->Commit());
    // Outside a transaction every write commits on its own.
    ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(At(minutes(3)), {4}), MergeMode::kAdd));
  }
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto read = store->ReadSeries(kRequests);
  ASSERT_TRUE(read);
  ExpectValues(*read, {1, kNaN, 3, 4});
  auto info = store->Describe(kRequests);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->unit, "requests");
}

TEST(Store, FailedWriteInsideATransactionKeepsTheEarlierWrites) {
  ScratchDir dir;
  const std::string path = dir.File("s.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Begin());
    ASSERT_TRUE(store->WriteSeries(kRequests, Minutely(kT0, {1}), MergeMode::kAdd));
    Series coarse{.start = kT0, .step = minutes(5), .values = {7}};
    EXPECT_FALSE(store->WriteSeries(kRequests, coarse, MergeMode::kAdd));
    ASSERT_TRUE(store->Commit());
  }
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto read = store->ReadSeries(kRequests);
  ASSERT_TRUE(read);
  ExpectValues(*read, {1});
}

TEST(Store, NestedBeginAndCommitWithoutBeginAreErrors) {
  ScratchDir dir;
  auto store = OpenOrDie(dir.File("s.db"));
  ASSERT_TRUE(store);
  auto commit = store->Commit();
  ASSERT_FALSE(commit);
  EXPECT_TRUE(Contains(commit.error().message(), dir.File("s.db"))) << commit.error().message();
  ASSERT_TRUE(store->Begin());
  EXPECT_FALSE(store->Begin());
  EXPECT_TRUE(store->Commit());
}

TEST(Store, OpenUsesWalAndRecordsSchemaVersionOne) {
  ScratchDir dir;
  const std::string path = dir.File("s.db");
  ASSERT_TRUE(OpenOrDie(path));
  ASSERT_TRUE(OpenOrDie(path));  // reopening an existing store is fine

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto pragma = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(pragma("PRAGMA user_version"), "2");
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  sqlite3_close(db);
}

TEST(Store, GarbageFileIsACorruptErrorNamingThePathAndIsLeftUntouched) {
  ScratchDir dir;
  const std::string path = dir.File("notes.txt");
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "this is a text file, not a database\n";
  {
    std::ofstream out(path, std::ios::binary);
    out << garbage;
  }
  auto store = Store::Open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(Contains(store.error().message(), path)) << store.error().message();
  EXPECT_TRUE(Contains(store.error().message(), "not a database")) << store.error().message();

  std::ifstream in(path, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);
}

TEST(Store, MissingDirectoryIsAnIoErrorNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.File("no/such/dir/s.db");
  auto store = Store::Open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(Contains(store.error().message(), path)) << store.error().message();
}

TEST(Store, DirectoryPathIsAnErrorNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.File("");
  auto store = Store::Open(path);
  ASSERT_FALSE(store);
  EXPECT_TRUE(store.error().code() == ErrorCode::kIo ||
              store.error().code() == ErrorCode::kCorrupt);
  EXPECT_TRUE(Contains(store.error().message(), path)) << store.error().message();
}

TEST(Store, AnotherProgramsDatabaseIsRefused) {
  ScratchDir dir;
  const std::string path = dir.File("app.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE customers (id INTEGER)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto store = Store::Open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(Contains(store.error().message(), "customers")) << store.error().message();
}

}  // namespace
}  // namespace forescale::store
