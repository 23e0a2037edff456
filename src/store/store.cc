#include "store/store.h"

#include <sqlite3.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>
#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>

namespace forescale::store {
namespace {

constexpr int kSchemaVersion = 2;

// Points are stored in chunks of this many consecutive buckets, one row each, as a time-series
// database does: an ingest of three months of minutes in 28 series is a few thousand rows, not
// millions, which is what lets ingest keep up with millions of log lines a second.
constexpr int64_t kChunkBuckets = 1024;

static_assert(std::endian::native == std::endian::little,
              "chunk blobs are little-endian IEEE 754 doubles, copied as they are in memory");
constexpr int kBusyTimeoutMs = 5000;

// Times and steps are kept well inside int64 so that grid arithmetic (t - anchor, last + step,
// hi - lo) can never overflow; 2^60 ms is about 36 million years either side of 1970.
constexpr int64_t kMaxAbsMs = int64_t{1} << 60;

// A read materialises every bucket of the range. A mistyped --from (year 1970 on a 1 s grid)
// would otherwise try to allocate gigabytes; refusing with a message is kinder than an OOM kill.
constexpr uint64_t kMaxReadBuckets = uint64_t{1} << 27;  // 1 GiB of doubles

// `labels` holds FormatSeriesId("", labels): "" or `{k="v",...}` with keys sorted, so equal
// label sets are equal strings and `name || labels` is the formatted id (ordering and filter
// run in SQL on exactly what the user sees). A series' grid is {anchor_ms + k * step_ms}, fixed
// by its first write. A chunk row holds kChunkBuckets doubles (NaN = missing) starting at
// start_ms, with the count and span of its non-missing buckets so that listing needs no blob.
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  step_ms INTEGER NOT NULL CHECK (step_ms > 0),
  anchor_ms INTEGER NOT NULL,
  unit TEXT NOT NULL DEFAULT '',
  UNIQUE (name, labels)
);
CREATE TABLE IF NOT EXISTS chunks (
  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  start_ms INTEGER NOT NULL,
  points INTEGER NOT NULL,
  first_ms INTEGER,
  last_ms INTEGER,
  data BLOB NOT NULL,
  PRIMARY KEY (series_id, start_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY,
  dataset TEXT NOT NULL,
  path TEXT NOT NULL,
  format TEXT NOT NULL,
  head_hash INTEGER NOT NULL,
  head_len INTEGER NOT NULL,
  tail_hash INTEGER NOT NULL,
  tail_len INTEGER NOT NULL,
  consumed_bytes INTEGER NOT NULL,
  consumed_lines INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_by_dataset ON sources(dataset);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  started_ms INTEGER NOT NULL,
  from_byte INTEGER NOT NULL,
  to_byte INTEGER NOT NULL,
  lines INTEGER NOT NULL,
  records INTEGER NOT NULL,
  malformed INTEGER NOT NULL,
  recovered INTEGER NOT NULL,
  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs(source_id, started_ms);
CREATE TABLE IF NOT EXISTS blobs (
  key TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (key, ts_ms)
) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql";

int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint FromMs(int64_t ms) { return TimePoint{Duration{ms}}; }
bool InRange(int64_t ms) { return ms >= -kMaxAbsMs && ms <= kMaxAbsMs; }

// SQLite integers are signed; hashes and byte counts keep their bit pattern (C++20 defines
// the modular conversion both ways).
int64_t ToSql(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t FromSql(int64_t v) { return static_cast<uint64_t>(v); }

std::string LabelsKey(const Labels& labels) { return FormatSeriesId("", labels); }

int64_t PosMod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// The bucket start at or before `t` on the grid {anchor + k * step}.
int64_t FloorToGrid(int64_t t, int64_t anchor, int64_t step) {
  int64_t r = PosMod(t, step) - anchor;
  if (r < 0) r += step;
  return t - r;
}

ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return ErrorCode::kCorrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return ErrorCode::kIo;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    default:
      return ErrorCode::kInternal;
  }
}

// SQLITE_TRANSIENT is spelled with an old-style cast in sqlite3.h; this is the same value.
// Bound text is copied, so temporaries passed to Bind() need not outlive the statement.
const sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<intptr_t>(-1));

struct StmtDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// One use of a cached statement: binds parameters in order, steps, and on destruction resets
// the statement so that it can be reused and does not keep a read snapshot open.
class Query {
 public:
  explicit Query(const StmtPtr& stmt) : stmt_(stmt.get()) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int64_t v) { return Check(sqlite3_bind_int64(stmt_, next_++, v)); }
  Query& Bind(double v) { return Check(sqlite3_bind_double(stmt_, next_++, v)); }
  Query& BindNull() { return Check(sqlite3_bind_null(stmt_, next_++)); }
  Query& Bind(std::string_view v) {
    return Check(sqlite3_bind_text64(stmt_, next_++, v.data(), v.size(), kTransient, SQLITE_UTF8));
  }
  Query& BindBlob(std::string_view v) {
    return Check(sqlite3_bind_blob64(stmt_, next_++, v.data(), v.size(), kTransient));
  }

  // SQLITE_ROW, SQLITE_DONE or an error code (a failed bind included).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
  }
  std::string Blob(int col) const {
    // A zero-length blob comes back as a null pointer.
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(n));
  }

 private:
  Query& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }

  sqlite3_stmt* stmt_;
  int next_ = 1;
  int bind_rc_ = SQLITE_OK;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  ~SqliteStore() override {
    if (db_ == nullptr) return;
    Rollback();
    // Every statement must be finalized before the connection closes.
    for (StmtPtr* stmt : AllStatements()) stmt->reset();
    sqlite3_close_v2(db_);
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Everything Open() needs beyond sqlite3_open_v2: the first statement that touches the file
  // is where a non-database file is detected.
  Result<void> Init() {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);

    auto mode = PragmaText("PRAGMA journal_mode = WAL");
    if (!mode) return std::unexpected(mode.error());
    // An in-memory database has no WAL; every file does, and the dashboard relies on it to
    // read while an ingest writes.
    if (*mode != "wal" && path_ != ":memory:") {
      return Fail(ErrorCode::kIo, path_ + ": cannot switch to WAL journal mode (got '" + *mode +
                                      "'); is the file on a network file system?");
    }
    if (auto r = Exec("PRAGMA synchronous = NORMAL", "setting synchronous"); !r) return r;
    if (auto r = Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"); !r) return r;
    if (auto r = EnsureSchema(); !r) return r;
    return PrepareAll();
  }

  Result<void> Begin() override { return Run(begin_immediate_, "beginning a transaction"); }
  Result<void> Commit() override { return Run(commit_, "committing"); }
  void Rollback() override {
    // SQLite itself may already have rolled back (after SQLITE_FULL, say); only then is
    // autocommit on again, so it is the authority on whether anything is open.
    if (sqlite3_get_autocommit(db_) != 0) return;
    // Before the statements are prepared (a failed Open) there is no cached ROLLBACK.
    if (rollback_ == nullptr) {
      (void)Exec("ROLLBACK", "rolling back");
    } else {
      (void)Run(rollback_, "rolling back");
    }
  }

  Result<void> WriteSeries(const SeriesId& id, const Series& series, MergeMode mode,
                           const std::string& unit) override {
    const std::string name = FormatSeriesId(id.name, id.labels);
    if (id.name.empty()) return Fail(ErrorCode::kInvalidArgument, path_ + ": empty series name");
    const int64_t step = series.step.count();
    if (step <= 0 || step > kMaxAbsMs) {
      return Fail(ErrorCode::kInvalidArgument, path_ + ": series " + name +
                                                   ": step must be positive, got " +
                                                   std::to_string(step) + "ms");
    }
    int64_t span = 0, end = 0;
    if (!InRange(Ms(series.start)) ||
        __builtin_mul_overflow(step, static_cast<int64_t>(series.size()), &span) ||
        __builtin_add_overflow(Ms(series.start), span, &end) || !InRange(end)) {
      return Fail(ErrorCode::kInvalidArgument,
                  path_ + ": series " + name + ": time range out of bounds");
    }

    auto scope = Enter(/*write=*/true, "writing series " + name);
    if (!scope) return std::unexpected(scope.error());

    auto found = Find(id);
    if (!found) return std::unexpected(found.error());
    int64_t series_id = 0, anchor = PosMod(Ms(series.start), step);
    if (found->has_value()) {
      const StoredSeries existing = **found;
      if (existing.step != step) {
        return Fail(ErrorCode::kConflict, path_ + ": series " + name + " is stored with step " +
                                              FormatDuration(Duration{existing.step}) +
                                              ", cannot write step " + FormatDuration(series.step));
      }
      series_id = existing.id;
      anchor = existing.anchor;
      // "" means the unit was unknown, so a later writer that knows it is not a conflict.
      if (!unit.empty()) {
        Query q(fill_unit_);
        q.Bind(series_id).Bind(unit);
        if (int rc = q.Step(); rc != SQLITE_DONE) return Sql(rc, "writing series " + name);
      }
    } else {
      Query q(insert_series_);
      q.Bind(id.name).Bind(LabelsKey(id.labels)).Bind(step).Bind(anchor).Bind(unit);
      if (int rc = q.Step(); rc != SQLITE_ROW) return Sql(rc, "creating series " + name);
      series_id = q.Int(0);
    }

    // Group the values by the chunk they fall in, then merge each chunk once.
    const int64_t chunk_span = step * kChunkBuckets;
    std::map<int64_t, std::vector<std::pair<int64_t, double>>> by_chunk;  // start -> (index, v)
    for (size_t i = 0; i < series.size(); ++i) {
      const double v = series.values[i];
      if (std::isnan(v)) continue;
      const int64_t bucket = FloorToGrid(Ms(series.TimeAt(i)), anchor, step);
      const int64_t chunk = FloorToGrid(bucket, PosMod(anchor, chunk_span), chunk_span);
      by_chunk[chunk].emplace_back((bucket - chunk) / step, v);
    }
    std::vector<double> values;
    for (const auto& [chunk, updates] : by_chunk) {
      if (auto r = LoadChunk(series_id, chunk, values, name); !r) return r;
      for (const auto& [index, v] : updates) {
        double& slot = values[static_cast<size_t>(index)];
        slot = (mode == MergeMode::kAdd && !std::isnan(slot)) ? slot + v : v;
      }
      int64_t points = 0, first = 0, last = 0;
      for (int64_t i = 0; i < kChunkBuckets; ++i) {
        if (std::isnan(values[static_cast<size_t>(i)])) continue;
        if (points++ == 0) first = chunk + i * step;
        last = chunk + i * step;
      }
      Query q(upsert_chunk_);
      q.Bind(series_id).Bind(chunk).Bind(points);
      if (points > 0) {
        q.Bind(first).Bind(last);
      } else {
        q.BindNull().BindNull();
      }
      q.BindBlob(std::string_view(reinterpret_cast<const char*>(values.data()),
                                  values.size() * sizeof(double)));
      if (int rc = q.Step(); rc != SQLITE_DONE) return Sql(rc, "writing series " + name);
    }
    return scope->Finish();
  }

  Result<std::vector<SeriesInfo>> ListSeries(const std::string& filter) override {
    std::vector<SeriesInfo> out;
    Query q(list_series_);
    q.Bind(filter);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      auto info = InfoFromRow(q);
      if (!info) return std::unexpected(info.error());
      out.push_back(std::move(*info));
    }
    if (rc != SQLITE_DONE) return Sql(rc, "listing series");
    return out;
  }

  Result<SeriesInfo> Describe(const SeriesId& id) override {
    Query q(describe_series_);
    q.Bind(id.name).Bind(LabelsKey(id.labels));
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return NotFound(id);
    if (rc != SQLITE_ROW) return Sql(rc, "describing series " + FormatSeriesId(id.name, id.labels));
    return InfoFromRow(q);
  }

  Result<Series> ReadSeries(const SeriesId& id, std::optional<TimePoint> from,
                            std::optional<TimePoint> to) override {
    const std::string name = FormatSeriesId(id.name, id.labels);
    if ((from && !InRange(Ms(*from))) || (to && !InRange(Ms(*to)))) {
      return Fail(ErrorCode::kInvalidArgument, path_ + ": reading " + name + ": time out of range");
    }
    // Bounds and points must come from one snapshot, or a concurrent ingest could add points
    // past the `to` we derived from the bounds.
    auto scope = Enter(/*write=*/false, "reading series " + name);
    if (!scope) return std::unexpected(scope.error());

    auto found = Find(id);
    if (!found) return std::unexpected(found.error());
    if (!found->has_value()) return NotFound(id);
    const auto [series_id, step, anchor] = **found;

    std::optional<int64_t> first, last;
    {
      Query q(series_bounds_);
      q.Bind(series_id);
      if (int rc = q.Step(); rc != SQLITE_ROW) return Sql(rc, "reading series " + name);
      if (!q.IsNull(0)) first = q.Int(0);
      if (!q.IsNull(1)) last = q.Int(1);
    }

    Series out{.start = from.value_or(TimePoint{}), .step = Duration{step}, .values = {}};
    if (!first || !last) return out;  // a series with no points yet

    const int64_t lo = from ? FloorToGrid(Ms(*from), anchor, step) : *first;
    const int64_t hi = to ? FloorToGrid(Ms(*to), anchor, step) : *last + step;
    out.start = FromMs(lo);
    if (hi <= lo) return out;

    // Both ends are within +-2^60 and on the grid, so the difference fits and divides exactly.
    const uint64_t count = static_cast<uint64_t>(hi - lo) / static_cast<uint64_t>(step);
    if (count > kMaxReadBuckets) {
      return Fail(ErrorCode::kInvalidArgument,
                  path_ + ": reading " + name + ": " + std::to_string(count) + " buckets of " +
                      FormatDuration(Duration{step}) + " requested, more than the limit of " +
                      std::to_string(kMaxReadBuckets) + "; narrow the time range");
    }
    out.values.assign(count, std::numeric_limits<double>::quiet_NaN());

    // Every chunk that overlaps [lo, hi): those that start up to one chunk span before lo.
    const int64_t span = step * kChunkBuckets;
    Query q(read_chunks_);
    q.Bind(series_id).Bind(lo - span).Bind(hi);
    int rc;
    std::vector<double> values;
    while ((rc = q.Step()) == SQLITE_ROW) {
      const int64_t chunk = q.Int(0);
      if (auto r = DecodeChunk(q.Blob(1), values, name); !r) return std::unexpected(r.error());
      for (int64_t i = 0; i < kChunkBuckets; ++i) {
        const int64_t t = chunk + i * step;
        const double v = values[static_cast<size_t>(i)];
        if (t < lo || t >= hi || std::isnan(v)) continue;
        out.values[static_cast<size_t>((t - lo) / step)] = v;
      }
    }
    if (rc != SQLITE_DONE) return Sql(rc, "reading series " + name);
    if (auto r = scope->Finish(); !r) return std::unexpected(r.error());
    return out;
  }

  Result<std::vector<SourceRecord>> SourcesFor(const std::string& dataset) override {
    std::vector<SourceRecord> out;
    Query q(sources_for_);
    q.Bind(dataset);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back(SourceRecord{
          .id = q.Int(0),
          .dataset = q.Text(1),
          .path = q.Text(2),
          .format = q.Text(3),
          .head_hash = FromSql(q.Int(4)),
          .head_len = FromSql(q.Int(5)),
          .tail_hash = FromSql(q.Int(6)),
          .tail_len = FromSql(q.Int(7)),
          .consumed_bytes = FromSql(q.Int(8)),
          .consumed_lines = FromSql(q.Int(9)),
      });
    }
    if (rc != SQLITE_DONE) return Sql(rc, "reading sources of dataset '" + dataset + "'");
    return out;
  }

  Result<int64_t> SaveSource(const SourceRecord& s) override {
    const bool insert = s.id == 0;
    Query q(insert ? insert_source_ : update_source_);
    if (!insert) q.Bind(s.id);
    q.Bind(s.dataset)
        .Bind(s.path)
        .Bind(s.format)
        .Bind(ToSql(s.head_hash))
        .Bind(ToSql(s.head_len))
        .Bind(ToSql(s.tail_hash))
        .Bind(ToSql(s.tail_len))
        .Bind(ToSql(s.consumed_bytes))
        .Bind(ToSql(s.consumed_lines));
    const int rc = q.Step();
    const std::string what = "saving source '" + s.path + "' of dataset '" + s.dataset + "'";
    if (insert) {
      if (rc != SQLITE_ROW) return Sql(rc, what);
      return q.Int(0);
    }
    if (rc != SQLITE_DONE) return Sql(rc, what);
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound,
                  path_ + ": " + what + ": no source with id " + std::to_string(s.id));
    }
    return s.id;
  }

  Result<void> RecordRun(const RunRecord& run) override {
    Query q(insert_run_);
    q.Bind(run.source_id)
        .Bind(Ms(run.started))
        .Bind(ToSql(run.from_byte))
        .Bind(ToSql(run.to_byte))
        .Bind(ToSql(run.lines))
        .Bind(ToSql(run.records))
        .Bind(ToSql(run.malformed))
        .Bind(ToSql(run.recovered));
    const int rc = q.Step();
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return Fail(ErrorCode::kNotFound,
                  path_ + ": recording a run: no source with id " + std::to_string(run.source_id));
    }
    if (rc != SQLITE_DONE) return Sql(rc, "recording a run");
    return {};
  }

  Result<std::vector<RunRecord>> RunsFor(int64_t source_id) override {
    std::vector<RunRecord> out;
    Query q(runs_for_);
    q.Bind(source_id);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back(RunRecord{
          .source_id = q.Int(0),
          .started = FromMs(q.Int(1)),
          .from_byte = FromSql(q.Int(2)),
          .to_byte = FromSql(q.Int(3)),
          .lines = FromSql(q.Int(4)),
          .records = FromSql(q.Int(5)),
          .malformed = FromSql(q.Int(6)),
          .recovered = FromSql(q.Int(7)),
      });
    }
    if (rc != SQLITE_DONE) return Sql(rc, "reading runs of source " + std::to_string(source_id));
    return out;
  }

  Result<std::vector<std::pair<TimePoint, std::string>>> ReadBlobs(const std::string& key,
                                                                   TimePoint from,
                                                                   TimePoint to) override {
    std::vector<std::pair<TimePoint, std::string>> out;
    Query q(read_blobs_);
    q.Bind(key).Bind(Ms(from)).Bind(Ms(to));
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(FromMs(q.Int(0)), q.Blob(1));
    if (rc != SQLITE_DONE) return Sql(rc, "reading blobs '" + key + "'");
    return out;
  }

  Result<void> WriteBlobs(const std::string& key,
                          const std::vector<std::pair<TimePoint, std::string>>& blobs) override {
    const std::string what = "writing blobs '" + key + "'";
    auto scope = Enter(/*write=*/true, what);
    if (!scope) return std::unexpected(scope.error());
    for (const auto& [t, data] : blobs) {
      Query q(write_blob_);
      q.Bind(key).Bind(Ms(t)).BindBlob(data);
      if (int rc = q.Step(); rc != SQLITE_DONE) return Sql(rc, what);
    }
    return scope->Finish();
  }

 private:
  // Makes a multi-statement operation atomic whether or not the caller has a transaction
  // open: outside one it opens its own (IMMEDIATE for writes, so the lock is taken up front
  // and the busy timeout applies, rather than failing on a read-to-write upgrade); inside one
  // a write uses a savepoint, so a failed write does not leave half a series in the caller's
  // transaction. Anything not Finish()ed is undone on destruction.
  class Scope {
   public:
    enum class Kind { kNone, kTransaction, kSavepoint };
    Scope(SqliteStore* store, Kind kind) : store_(store), kind_(kind) {}
    Scope(Scope&& other) noexcept
        : store_(other.store_), kind_(std::exchange(other.kind_, Kind::kNone)) {}
    Scope& operator=(Scope&&) = delete;
    ~Scope() {
      switch (kind_) {
        case Kind::kNone:
          break;
        case Kind::kTransaction:
          store_->Rollback();
          break;
        case Kind::kSavepoint:
          (void)store_->Run(store_->rollback_to_, "rolling back a write");
          (void)store_->Run(store_->release_, "rolling back a write");
          break;
      }
    }

    Result<void> Finish() {
      const Kind kind = std::exchange(kind_, Kind::kNone);
      switch (kind) {
        case Kind::kNone:
          return {};
        case Kind::kTransaction:
          if (auto r = store_->Run(store_->commit_, "committing"); !r) {
            store_->Rollback();
            return r;
          }
          return {};
        case Kind::kSavepoint:
          return store_->Run(store_->release_, "releasing a savepoint");
      }
      return {};
    }

   private:
    SqliteStore* store_;
    Kind kind_;
  };

  Result<Scope> Enter(bool write, const std::string& what) {
    const bool in_transaction = sqlite3_get_autocommit(db_) == 0;
    if (in_transaction && !write) return Scope(this, Scope::Kind::kNone);
    const StmtPtr& stmt = in_transaction ? savepoint_ : write ? begin_immediate_ : begin_;
    if (auto r = Run(stmt, what); !r) return std::unexpected(r.error());
    return Scope(this, in_transaction ? Scope::Kind::kSavepoint : Scope::Kind::kTransaction);
  }

  Error MakeError(int rc, std::string_view what) const {
    std::string detail = sqlite3_errmsg(db_);
    if (detail.empty() || detail == "not an error") detail = sqlite3_errstr(rc);
    return Error(CodeFor(rc), path_ + ": " + std::string(what) + ": " + detail);
  }
  std::unexpected<Error> Sql(int rc, std::string_view what) const {
    return std::unexpected(MakeError(rc, what));
  }
  std::unexpected<Error> NotFound(const SeriesId& id) const {
    return Fail(ErrorCode::kNotFound, path_ + ": no series " + FormatSeriesId(id.name, id.labels));
  }

  // Runs a statement that returns no rows.
  Result<void> Run(const StmtPtr& stmt, std::string_view what) {
    Query q(stmt);
    if (int rc = q.Step(); rc != SQLITE_DONE && rc != SQLITE_ROW) return Sql(rc, what);
    return {};
  }

  // One-off statements at open time; not worth caching.
  Result<void> Exec(const char* sql, std::string_view what) {
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return Sql(rc, what);
    }
    return {};
  }

  Result<std::string> PragmaText(const char* sql) {
    StmtPtr stmt;
    if (auto r = Prepare(sql, stmt); !r) return std::unexpected(r.error());
    Query q(stmt);
    const int rc = q.Step();
    if (rc != SQLITE_ROW) return Sql(rc, "cannot open database");
    return q.Text(0);
  }

  Result<int64_t> UserVersion() {
    StmtPtr stmt;
    if (auto r = Prepare("PRAGMA user_version", stmt); !r) return std::unexpected(r.error());
    Query q(stmt);
    if (int rc = q.Step(); rc != SQLITE_ROW) return Sql(rc, "reading the schema version");
    return q.Int(0);
  }

  Result<void> EnsureSchema() {
    auto version = UserVersion();
    if (!version) return std::unexpected(version.error());
    if (*version == 0) {
      // Another process may be creating the schema at the same moment: take the write lock,
      // then look again.
      if (auto r = Exec("BEGIN IMMEDIATE", "creating the schema"); !r) return r;
      auto created = CreateSchemaLocked();
      if (!created) {
        (void)Exec("ROLLBACK", "creating the schema");
        return created;
      }
      if (auto r = Exec("COMMIT", "creating the schema"); !r) return r;
      return {};
    }
    if (*version != kSchemaVersion) {
      return Fail(ErrorCode::kConflict,
                  path_ + ": store schema version " + std::to_string(*version) +
                      " is not the version this build reads (" + std::to_string(kSchemaVersion) +
                      "); use a matching forescale");
    }
    return {};
  }

  Result<void> CreateSchemaLocked() {
    auto version = UserVersion();
    if (!version) return std::unexpected(version.error());
    if (*version != 0) return {};
    // A version-0 file with tables of its own belongs to some other program; adding ours to
    // it would mix our data into theirs.
    StmtPtr foreign;
    if (auto r = Prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('series', 'chunks', 'sources', 'runs', 'blobs') LIMIT 1",
            foreign);
        !r) {
      return r;
    }
    Query q(foreign);
    if (int rc = q.Step(); rc == SQLITE_ROW) {
      return Fail(ErrorCode::kConflict, path_ + ": not a forescale store (it has a table '" +
                                            q.Text(0) + "'); choose another --db file");
    } else if (rc != SQLITE_DONE) {
      return Sql(rc, "creating the schema");
    }
    return Exec(kSchemaSql, "creating the schema");
  }

  Result<void> Prepare(const char* sql, StmtPtr& out) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    out.reset(raw);
    if (rc == SQLITE_OK) return {};
    // The first statement that reads the file is prepared here, so a text file or a damaged
    // header surfaces as "not a database" at this point.
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
      return Sql(rc, "cannot open database");
    }
    // A schema that does not match ours (a hand-edited file) shows up as a plain error.
    return Fail(rc == SQLITE_ERROR ? ErrorCode::kCorrupt : CodeFor(rc),
                path_ + ": unexpected store layout, preparing '" + std::string(sql) +
                    "': " + sqlite3_errmsg(db_));
    return {};
  }

  Result<void> PrepareAll() {
    const std::pair<StmtPtr*, const char*> statements[] = {
        {&begin_, "BEGIN"},
        {&begin_immediate_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
        {&savepoint_, "SAVEPOINT forescale_write"},
        {&release_, "RELEASE forescale_write"},
        {&rollback_to_, "ROLLBACK TO forescale_write"},
        {&find_series_,
         "SELECT id, step_ms, anchor_ms FROM series WHERE name = ?1 AND labels = ?2"},
        {&insert_series_,
         "INSERT INTO series (name, labels, step_ms, anchor_ms, unit) "
         "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"},
        {&fill_unit_, "UPDATE series SET unit = ?2 WHERE id = ?1 AND unit = ''"},
        {&read_chunk_, "SELECT data FROM chunks WHERE series_id = ?1 AND start_ms = ?2"},
        {&upsert_chunk_,
         "INSERT INTO chunks (series_id, start_ms, points, first_ms, last_ms, data) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (series_id, start_ms) DO UPDATE SET "
         "points = excluded.points, first_ms = excluded.first_ms, last_ms = excluded.last_ms, "
         "data = excluded.data"},
        // One aggregate over a join rather than a query per series.
        {&list_series_,
         "SELECT s.name, s.labels, s.step_ms, s.unit, coalesce(sum(c.points), 0), "
         "min(c.first_ms), max(c.last_ms) FROM series s "
         "LEFT JOIN chunks c ON c.series_id = s.id AND c.points > 0 "
         "WHERE ?1 = '' OR instr(s.name || s.labels, ?1) > 0 "
         "GROUP BY s.id ORDER BY s.name || s.labels"},
        {&describe_series_,
         "SELECT s.name, s.labels, s.step_ms, s.unit, coalesce(sum(c.points), 0), "
         "min(c.first_ms), max(c.last_ms) FROM series s "
         "LEFT JOIN chunks c ON c.series_id = s.id AND c.points > 0 "
         "WHERE s.name = ?1 AND s.labels = ?2 GROUP BY s.id"},
        {&series_bounds_,
         "SELECT min(first_ms), max(last_ms) FROM chunks WHERE series_id = ?1 AND points > 0"},
        {&read_chunks_,
         "SELECT start_ms, data FROM chunks WHERE series_id = ?1 AND start_ms > ?2 "
         "AND start_ms < ?3 ORDER BY start_ms"},
        {&sources_for_,
         "SELECT id, dataset, path, format, head_hash, head_len, tail_hash, tail_len, "
         "consumed_bytes, consumed_lines FROM sources WHERE dataset = ?1 ORDER BY id"},
        {&insert_source_,
         "INSERT INTO sources (dataset, path, format, head_hash, head_len, tail_hash, tail_len, "
         "consumed_bytes, consumed_lines) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
         "RETURNING id"},
        {&update_source_,
         "UPDATE sources SET dataset = ?2, path = ?3, format = ?4, head_hash = ?5, "
         "head_len = ?6, tail_hash = ?7, tail_len = ?8, consumed_bytes = ?9, "
         "consumed_lines = ?10 WHERE id = ?1"},
        {&insert_run_,
         "INSERT INTO runs (source_id, started_ms, from_byte, to_byte, lines, records, "
         "malformed, recovered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
        {&runs_for_,
         "SELECT source_id, started_ms, from_byte, to_byte, lines, records, malformed, "
         "recovered FROM runs WHERE source_id = ?1 ORDER BY started_ms, id"},
        {&read_blobs_,
         "SELECT ts_ms, data FROM blobs WHERE key = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 "
         "ORDER BY ts_ms"},
        {&write_blob_,
         "INSERT INTO blobs (key, ts_ms, data) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (key, ts_ms) DO UPDATE SET data = excluded.data"},
    };
    for (const auto& [stmt, sql] : statements) {
      if (auto r = Prepare(sql, *stmt); !r) return r;
    }
    return {};
  }

  std::vector<StmtPtr*> AllStatements() {
    return {&begin_,       &begin_immediate_, &commit_,        &rollback_,        &savepoint_,
            &release_,     &rollback_to_,     &find_series_,   &insert_series_,   &fill_unit_,
            &read_chunk_,  &upsert_chunk_,    &list_series_,   &describe_series_, &series_bounds_,
            &read_chunks_, &sources_for_,     &insert_source_, &update_source_,   &insert_run_,
            &runs_for_,    &read_blobs_,      &write_blob_};
  }

  struct StoredSeries {
    int64_t id, step, anchor;
  };

  // A stored series' row id and grid, nullopt when there is none.
  Result<std::optional<StoredSeries>> Find(const SeriesId& id) {
    Query q(find_series_);
    q.Bind(id.name).Bind(LabelsKey(id.labels));
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) {
      return Sql(rc, "looking up series " + FormatSeriesId(id.name, id.labels));
    }
    return StoredSeries{q.Int(0), q.Int(1), q.Int(2)};
  }

  Result<void> DecodeChunk(const std::string& blob, std::vector<double>& values,
                           const std::string& name) const {
    if (blob.size() != kChunkBuckets * sizeof(double)) {
      return Fail(ErrorCode::kCorrupt, path_ + ": series " + name + ": chunk of " +
                                           std::to_string(blob.size()) + " bytes, expected " +
                                           std::to_string(kChunkBuckets * sizeof(double)));
    }
    values.resize(kChunkBuckets);
    std::memcpy(values.data(), blob.data(), blob.size());
    return {};
  }

  // The chunk's values, or all missing when it is not stored yet.
  Result<void> LoadChunk(int64_t series_id, int64_t start, std::vector<double>& values,
                         const std::string& name) {
    Query q(read_chunk_);
    q.Bind(series_id).Bind(start);
    const int rc = q.Step();
    if (rc == SQLITE_ROW) return DecodeChunk(q.Blob(0), values, name);
    if (rc != SQLITE_DONE) return Sql(rc, "reading series " + name);
    values.assign(kChunkBuckets, std::numeric_limits<double>::quiet_NaN());
    return {};
  }

  // Columns: name, labels, step_ms, unit, count, first, last.
  Result<SeriesInfo> InfoFromRow(const Query& q) const {
    SeriesInfo info;
    info.id.name = q.Text(0);
    const std::string labels = q.Text(1);
    if (!labels.empty()) {
      // The stored name may itself contain '{', so parse the label part on its own.
      auto parsed = ParseSeriesId("x" + labels);
      if (!parsed) {
        return Fail(ErrorCode::kCorrupt, path_ + ": series " + info.id.name +
                                             " has unreadable labels: " + parsed.error().message());
      }
      info.id.labels = std::move(parsed->labels);
    }
    info.step = Duration{q.Int(2)};
    info.unit = q.Text(3);
    info.points = q.Int(4);
    if (info.points > 0) {
      info.first = FromMs(q.Int(5));
      info.last = FromMs(q.Int(6));
    }
    return info;
  }

  std::string path_;
  sqlite3* db_;
  StmtPtr begin_, begin_immediate_, commit_, rollback_, savepoint_, release_, rollback_to_;
  StmtPtr find_series_, insert_series_, fill_unit_, read_chunk_, upsert_chunk_;
  StmtPtr list_series_, describe_series_, series_bounds_, read_chunks_;
  StmtPtr sources_for_, insert_source_, update_source_, insert_run_, runs_for_;
  StmtPtr read_blobs_, write_blob_;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "store path is empty");
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (db == nullptr) return Fail(ErrorCode::kIo, path + ": cannot open database: out of memory");
  // The store owns the handle from here on, so it is closed on every failure path below.
  auto store = std::make_unique<SqliteStore>(path, db);
  if (rc != SQLITE_OK) {
    // SQLite's "unable to open database file" does not say why; the OS error does.
    std::string why = sqlite3_errmsg(db);
    if (const int err = sqlite3_system_errno(db); err != 0) {
      why += " (" + std::error_code(err, std::generic_category()).message() + ")";
    }
    return Fail(CodeFor(rc), path + ": cannot open database: " + why);
  }
  if (auto r = store->Init(); !r) return std::unexpected(r.error());
  return store;
}

}  // namespace forescale::store
