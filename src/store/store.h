// The embedded time-series store: one SQLite file (WAL mode) holding series, their points and
// where they came from.
//
// Model:
//  - A series is a name + labels with one fixed step; its points are (bucket start, value).
//    Missing buckets are simply absent; reads return NaN for them.
//  - A source is one input stream that was ingested into a dataset (the `--name`): its
//    fingerprint (hash of the first bytes, and of the bytes just before where reading stopped)
//    and how far it was read, so that a re-ingest skips what was read and a grown log is read
//    from where it stopped.
//  - Every ingest run is recorded with its counts (provenance).
//  - Opaque per-bucket blobs (e.g. latency histograms) let a writer merge what cannot be merged
//    from stored values alone.
//
// Atomicity: writes between Begin() and Commit() land together or not at all; the destructor
// rolls back an open transaction. Thread safety: one Store per thread.
//
//   auto store = Store::Open("forescale.db");
//   (*store)->Begin();
//   (*store)->WriteSeries({"nasa:requests", {}}, series, MergeMode::kAdd);
//   (*store)->Commit();
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/labels.h"
#include "core/series.h"

namespace forescale::store {

enum class MergeMode {
  kAdd,      // counts: a bucket already stored is added to (appends, several log files)
  kReplace,  // gauges and quantiles: the new value wins
};

struct SeriesInfo {
  SeriesId id;
  Duration step{0};
  std::string unit;          // "requests", "bytes", "seconds", "" when unknown
  int64_t points = 0;        // stored (non-missing) buckets
  TimePoint first{}, last{};  // first and last stored bucket start
};

struct SourceRecord {
  int64_t id = 0;            // 0 until stored
  std::string dataset;       // the --name it was ingested under
  std::string path;          // as given by the user ("-" for stdin); informative only
  std::string format;        // "clf", "combined", "csv", "prom-json", "prom-text"
  uint64_t head_hash = 0;    // hash of the first `head_len` content bytes
  uint64_t head_len = 0;
  uint64_t tail_hash = 0;    // hash of the `tail_len` bytes that end at `consumed_bytes`
  uint64_t tail_len = 0;
  uint64_t consumed_bytes = 0;  // of decompressed content
  uint64_t consumed_lines = 0;
};

struct RunRecord {
  int64_t source_id = 0;
  TimePoint started{};
  uint64_t from_byte = 0, to_byte = 0;
  uint64_t lines = 0, records = 0, malformed = 0, recovered = 0;
};

class Store {
 public:
  // Opens or creates the database and its schema. Errors name the path.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  virtual ~Store() = default;

  virtual Result<void> Begin() = 0;
  virtual Result<void> Commit() = 0;
  virtual void Rollback() = 0;

  // Writes the non-NaN values of `series`. A series that exists with another step is a
  // kConflict error (a series has one step); `unit` is kept from the first write.
  virtual Result<void> WriteSeries(const SeriesId& id, const Series& series, MergeMode mode,
                                   const std::string& unit = "") = 0;

  // Series whose formatted id contains `filter` (all when empty), ordered by id.
  virtual Result<std::vector<SeriesInfo>> ListSeries(const std::string& filter = "") = 0;
  virtual Result<SeriesInfo> Describe(const SeriesId& id) = 0;  // kNotFound when absent

  // The stored points on the series' own grid, from..to (inclusive start, exclusive end;
  // open ends default to the first/last stored point), NaN where nothing is stored.
  virtual Result<Series> ReadSeries(const SeriesId& id, std::optional<TimePoint> from = {},
                                    std::optional<TimePoint> to = {}) = 0;

  virtual Result<std::vector<SourceRecord>> SourcesFor(const std::string& dataset) = 0;
  // Inserts (id == 0) or updates a source; returns its id.
  virtual Result<int64_t> SaveSource(const SourceRecord& source) = 0;
  virtual Result<void> RecordRun(const RunRecord& run) = 0;
  virtual Result<std::vector<RunRecord>> RunsFor(int64_t source_id) = 0;

  // Opaque blobs keyed by (key, bucket start): read the ones in [from, to), replace some.
  virtual Result<std::vector<std::pair<TimePoint, std::string>>> ReadBlobs(
      const std::string& key, TimePoint from, TimePoint to) = 0;
  virtual Result<void> WriteBlobs(const std::string& key,
                                  const std::vector<std::pair<TimePoint, std::string>>& blobs) = 0;
};

}  // namespace forescale::store
