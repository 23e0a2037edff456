// End-to-end tests of `forescale ingest` on the genuine samples and on broken inputs.
#include <sqlite3.h>
#include <zlib.h>

#include <map>

#include "cli_runner.h"

namespace forescale::testing {
namespace {

const std::string kNasaLog = Repo("data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log");
const std::string kNasaMinutes = Repo("data/nasa_http/nasa_ksc_requests_per_minute.csv");
const std::string kApacheLog = Repo("data/apache_access_logs/elastic_examples_apache_logs.log");

// timestamp -> value of an exported series ("" for a missing value).
std::map<std::string, std::string> ParseExport(const std::string& csv) {
  std::map<std::string, std::string> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const size_t comma = line.find(',');
    out[line.substr(0, comma)] = line.substr(comma + 1);
  }
  return out;
}

// Rows of a query on the SQLite file, as "a|b|c" strings: checks what really landed on disk.
std::vector<std::string> Query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return {"<cannot open>"};
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (c) row += "|";
        const auto* text = sqlite3_column_text(stmt, c);
        row += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      rows.push_back(row);
    }
  } else {
    rows.push_back(std::string("<error: ") + sqlite3_errmsg(db) + ">");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string Lines(const std::string& text, size_t from, size_t to) {  // [from, to), 0-based
  std::istringstream in(text);
  std::string line, out;
  for (size_t i = 0; std::getline(in, line); ++i) {
    if (i >= from && i < to) out += line + "\n";
  }
  return out;
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  gzclose(f);
}

class IngestCli : public CliTest {
 protected:
  // Sum of a stored series, read back through `series export`.
  double Total(const std::string& series) {
    double total = 0;
    for (const auto& [t, v] : ParseExport(Run({"series", "export", series, "--db", Db()}).out)) {
      if (!v.empty()) total += std::stod(v);
    }
    return total;
  }
};

TEST_F(IngestCli, NasaAccessLogReproducesThePublishedPerMinuteCounts) {
  ASSERT_EQ(Run({"ingest", kNasaLog, "--step", "60s", "--db", Db(), "--name", "log"}).code, 0);
  auto csv = Run({"ingest", kNasaMinutes, "--utc-offset", "-04:00", "--db", Db(), "--name",
                  "published"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  // The slice covers 00:00:01 .. 01:12:24 local time: 72 whole minutes.
  const std::string from = "1995-08-01T04:00:00Z", to = "1995-08-01T05:12:00Z";
  auto ours = Run({"series", "export", "log:requests", "--from", from, "--to", to, "--db", Db()});
  auto theirs =
      Run({"series", "export", "published:requests", "--from", from, "--to", to, "--db", Db()});
  ASSERT_EQ(ours.code, 0) << ours.err;
  ASSERT_EQ(theirs.code, 0) << theirs.err;
  const auto a = ParseExport(ours.out), b = ParseExport(theirs.out);
  ASSERT_EQ(a.size(), 72u);
  ASSERT_EQ(b.size(), 72u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.at("1995-08-01T04:00:00Z"), "51");
}

TEST_F(IngestCli, ApacheSampleKeepsTheTruncatedUserAgentLineAndSaysSo) {
  auto r = Run({"ingest", kApacheLog, "--db", Db()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("combined"), std::string::npos);
  EXPECT_NE(r.out.find("lines 10000, records 10000, malformed 0, recovered 1"), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("elastic_examples_apache_logs.log:8899: recovered: user agent has no "
                       "closing quote"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Total("elastic_examples_apache_logs:requests"), 10000);
}

TEST_F(IngestCli, DerivesStatusEndpointAndLatencySeries) {
  // nginx combined + $request_time: two minutes, one 5xx, ids collapsed.
  WriteFile(Path("nginx.log"),
            "10.0.0.1 - - [10/Oct/2023:13:55:01 +0000] \"GET /users/42?x=1 HTTP/1.1\" 200 512 "
            "\"-\" \"curl/8\" 0.010\n"
            "10.0.0.2 - - [10/Oct/2023:13:55:30 +0000] \"GET /users/7 HTTP/1.1\" 200 100 "
            "\"-\" \"curl/8\" 0.030\n"
            "10.0.0.3 - - [10/Oct/2023:13:56:05 +0000] \"POST /orders HTTP/1.1\" 503 0 "
            "\"-\" \"curl/8\" 1.500\n");
  auto r = Run({"ingest", Path("nginx.log"), "--db", Db(), "--name", "web"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto users = Run({"series", "export", "web:endpoint_requests{path=\"/users/{id}\"}", "--db", Db()});
  ASSERT_EQ(users.code, 0) << users.err;
  EXPECT_EQ(ParseExport(users.out),
            (std::map<std::string, std::string>{{"2023-10-10T13:55:00Z", "2"},
                                                {"2023-10-10T13:56:00Z", "0"}}));
  auto errors = Run({"series", "export", "web:status{class=\"5xx\"}", "--db", Db()});
  EXPECT_EQ(ParseExport(errors.out).at("2023-10-10T13:56:00Z"), "1");
  auto p99 = Run({"series", "export", "web:latency_seconds{quantile=\"0.99\"}", "--db", Db()});
  ASSERT_EQ(p99.code, 0) << p99.err;
  const double minute2 = std::stod(ParseExport(p99.out).at("2023-10-10T13:56:00Z"));
  EXPECT_NEAR(minute2, 1.5, 0.015);
  // At a longer step a quantile is recomputed from the stored histograms, not summed (found
  // by probing: five per-minute p95s summed to more than the slowest request).
  auto p99_hour = Run(
      {"series", "export", "web:latency_seconds{quantile=\"0.99\"}", "--db", Db(), "--step", "1h"});
  ASSERT_EQ(p99_hour.code, 0) << p99_hour.err;
  EXPECT_NEAR(std::stod(ParseExport(p99_hour.out).at("2023-10-10T13:00:00Z")), 1.5, 0.015);
  auto p50_hour = Run(
      {"series", "export", "web:latency_seconds{quantile=\"0.5\"}", "--db", Db(), "--step", "1h"});
  EXPECT_NEAR(std::stod(ParseExport(p50_hour.out).at("2023-10-10T13:00:00Z")), 0.030, 0.001);
}

TEST_F(IngestCli, ReingestingTheSameFileAddsNothing) {
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "n"}).code, 0);
  auto again = Run({"ingest", kNasaLog, "--db", Db(), "--name", "n"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged"), std::string::npos) << again.out;
  EXPECT_EQ(Total("n:requests"), 1880);
  // The same content under another file name and through gzip is still the same source.
  WriteGzip(Path("copy.log.gz"), ReadFile(kNasaLog));
  auto copy = Run({"ingest", Path("copy.log.gz"), "--db", Db(), "--name", "n"});
  EXPECT_NE(copy.out.find("unchanged"), std::string::npos) << copy.out;
}

TEST_F(IngestCli, AGrownLogIsReadFromWhereItStopped) {
  const std::string all = ReadFile(kNasaLog);
  WriteFile(Path("access.log"), Lines(all, 0, 1000));
  ASSERT_EQ(Run({"ingest", Path("access.log"), "--db", Db()}).code, 0);
  WriteFile(Path("access.log"), Lines(all, 0, 1880));
  auto grown = Run({"ingest", Path("access.log"), "--db", Db()});
  ASSERT_EQ(grown.code, 0) << grown.err;
  EXPECT_NE(grown.out.find("appended"), std::string::npos) << grown.out;
  EXPECT_NE(grown.out.find("lines 880, records 880"), std::string::npos) << grown.out;
  // Minute for minute the same as ingesting the whole log at once.
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Path("once.db"), "--name", "access"}).code, 0);
  auto split = Run({"series", "export", "access:requests", "--db", Db()});
  auto once = Run({"series", "export", "access:requests", "--db", Path("once.db")});
  EXPECT_EQ(split.out, once.out);
  // Provenance: two runs of one source, the second starting where the first stopped.
  auto runs = Query(Db(), "SELECT from_byte > 0, lines FROM runs ORDER BY id");
  EXPECT_EQ(runs, (std::vector<std::string>{"0|1000", "1|880"}));
}

// A log read while a line is half written (found by probing): the half line was skipped as
// malformed and its rest, after the log grew, read as a line of its own: one request lost.
// An unterminated last line that does not parse is left for the next ingest.
TEST_F(IngestCli, AHalfWrittenLastLineIsReadWholeNextTime) {
  const std::string all = ReadFile(kNasaLog);
  const std::string first = Lines(all, 0, 1000), next = Lines(all, 1000, 1001);
  WriteFile(Path("access.log"), first + next.substr(0, 40));
  auto partial = Run({"ingest", Path("access.log"), "--db", Db()});
  ASSERT_EQ(partial.code, 0) << partial.err;
  EXPECT_NE(partial.out.find("lines 1000, records 1000, malformed 0"), std::string::npos)
      << partial.out;
  EXPECT_NE(partial.out.find("left for the next ingest"), std::string::npos) << partial.out;
  WriteFile(Path("access.log"), Lines(all, 0, 1880));
  auto grown = Run({"ingest", Path("access.log"), "--db", Db()});
  ASSERT_EQ(grown.code, 0) << grown.err;
  EXPECT_NE(grown.out.find("lines 880, records 880, malformed 0"), std::string::npos) << grown.out;
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Path("once.db"), "--name", "access"}).code, 0);
  EXPECT_EQ(Run({"series", "export", "access:requests", "--db", Db()}).out,
            Run({"series", "export", "access:requests", "--db", Path("once.db")}).out);
}

// A half-written last line that happens to parse ("... 200 20" of "... 200 2000") was stored
// truncated, and its rest then read as a malformed line (found by probing). It is held too; at
// the next ingest, a held line that is all there is to read is read as it stands (the writer
// finished it, with or without a newline).
TEST_F(IngestCli, AnUnterminatedLastLineThatParsesIsHeldToo) {
  const std::string l1 = "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /a HTTP/1.0\" 200 100";
  const std::string l2 = "1.2.3.4 - - [10/Oct/2000:13:56:36 +0000] \"GET /b HTTP/1.0\" 200 2000";
  WriteFile(Path("p.log"), l1 + "\n" + l2.substr(0, 66));
  auto partial = Run({"ingest", Path("p.log"), "--db", Db()});
  ASSERT_EQ(partial.code, 0) << partial.err;
  EXPECT_NE(partial.out.find("lines 1, records 1, malformed 0"), std::string::npos) << partial.out;
  EXPECT_NE(partial.out.find("left for the next ingest"), std::string::npos) << partial.out;
  WriteFile(Path("p.log"), l1 + "\n" + l2);  // finished, without a final newline
  auto finished = Run({"ingest", Path("p.log"), "--db", Db()});
  ASSERT_EQ(finished.code, 0) << finished.err;
  EXPECT_NE(finished.out.find("lines 1, records 1, malformed 0"), std::string::npos)
      << finished.out;
  const std::string bytes = Run({"series", "export", "p:bytes", "--db", Db()}).out;
  EXPECT_NE(bytes.find("13:56:00Z,2000"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("13:56:00Z,20\n"), std::string::npos) << bytes;
}

// A column with no value at all was stored as a series of no points, listed from 1970 (found
// by probing).
TEST_F(IngestCli, AColumnWithoutAValueIsNoSeries) {
  WriteFile(Path("m.csv"),
            "timestamp,rps,empty\n2024-01-01T00:00:00Z,5,\n2024-01-01T00:01:00Z,6,NaN\n");
  auto r = Run({"ingest", Path("m.csv"), "--db", Db(), "--name", "m"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto list = Run({"series", "list", "--db", Db()});
  EXPECT_NE(list.out.find("m:rps"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("m:empty"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("1970"), std::string::npos) << list.out;
}

// Two metric exports that map to one series (same file name in two folders, or one --name)
// replaced each other's values without a word (found by probing). Now the second says how
// many stored values it replaced; equal values (the same export under another name) and a
// changed snapshot of the same file are not conflicts.
TEST_F(IngestCli, AnExportThatOverwritesAnotherFilesValuesSaysSo) {
  std::filesystem::create_directories(Path("east"));
  std::filesystem::create_directories(Path("west"));
  WriteFile(Path("east/cpu.csv"),
            "timestamp,busy\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2\n");
  WriteFile(Path("west/cpu.csv"),
            "timestamp,busy\n2024-01-01T00:01:00Z,9\n2024-01-01T00:02:00Z,3\n");
  WriteFile(Path("copy.csv"), "timestamp,busy\n2024-01-01T00:00:00Z,1\n");
  auto r = Run({"ingest", Path("east/cpu.csv"), Path("west/cpu.csv"), "--db", Db()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1 value of cpu:busy replaced different values"), std::string::npos)
      << r.err;
  auto same = Run({"ingest", Path("copy.csv"), "--name", "cpu", "--db", Db()});
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.err.find("replaced"), std::string::npos) << same.err;
  WriteFile(Path("west/cpu.csv"),
            "timestamp,busy\n2024-01-01T00:01:00Z,8\n2024-01-01T00:02:00Z,3\n");
  auto changed = Run({"ingest", Path("west/cpu.csv"), "--db", Db()});
  ASSERT_EQ(changed.code, 0) << changed.err;
  EXPECT_EQ(changed.err.find("replaced"), std::string::npos) << changed.err;
}

// Bucketing combined samples without a trace: a time given twice with different values, and
// times off the series' own grid sharing a step (found by probing). Both are now said, and
// `forecast --input` says the second too; a coarser --step combines on purpose, silently.
TEST_F(IngestCli, CombinedSamplesAreSaid) {
  WriteFile(Path("odd.csv"),
            "timestamp,v\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:00Z,3\n"
            "2024-01-01T00:01:00Z,2\n2024-01-01T00:02:00Z,3\n2024-01-01T00:02:40Z,5\n"
            "2024-01-01T00:03:00Z,4\n2024-01-01T00:04:00Z,6\n");
  auto r = Run({"ingest", Path("odd.csv"), "--db", Db()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("odd:v: 1 time occurs more than once with different values (the first, "
                       "2024-01-01T00:00:00Z: 1 and 3); each step gets their mean"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("odd:v: 1 step of 1m holds samples at more than one time (times off a "
                 "regular grid; the first at 2024-01-01T00:03:00Z); each step gets their mean"),
      std::string::npos)
      << r.err;
  auto coarse = Run({"ingest", Path("odd.csv"), "--step", "5m", "--name", "c", "--db", Db()});
  ASSERT_EQ(coarse.code, 0) << coarse.err;
  EXPECT_EQ(coarse.err.find("regular grid"), std::string::npos) << coarse.err;
  auto forecast = Run({"forecast", "--input", Path("odd.csv"), "--horizon", "2"});
  ASSERT_EQ(forecast.code, 0) << forecast.err;
  EXPECT_NE(forecast.err.find("1 step of 1m holds samples at more than one time"),
            std::string::npos)
      << forecast.err;
}

// A failed ingest into a new database leaves no database behind (found by probing: an empty
// file made `series list` say "no series" rather than "no such database").
TEST_F(IngestCli, AFailedIngestCreatesNoDatabase) {
  WriteFile(Path("empty.log"), "");
  auto r = Run({"ingest", Path("empty.log"), "--db", Path("new.db")});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_FALSE(std::filesystem::exists(Path("new.db")));
  // An existing database stays, unchanged.
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "nasa"}).code, 0);
  EXPECT_EQ(Run({"ingest", Path("empty.log"), "--db", Db()}).code, 2);
  EXPECT_TRUE(std::filesystem::exists(Db()));
  EXPECT_EQ(Run({"series", "show", "nasa:requests", "--db", Db()}).code, 0);
}

// The README's `zcat old/*.gz | forescale ingest - --name web`, run again: a piped source a
// little longer than the 4 KiB head failed with "shorter than before" (found by probing).
TEST_F(IngestCli, APipedSourceIngestedAgainIsUnchangedOrAppended) {
  const std::string all = ReadFile(kNasaLog);
  WriteFile(Path("part.log"), Lines(all, 0, 50));
  WriteFile(Path("twice.log"), Lines(all, 0, 50) + Lines(all, 50, 100));
  ASSERT_EQ(Run({"ingest", "-", "--db", Db(), "--name", "web"}, Path("part.log"), true).code, 0);
  auto again = Run({"ingest", "-", "--db", Db(), "--name", "web"}, Path("part.log"), true);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged"), std::string::npos) << again.out;
  auto grown = Run({"ingest", "-", "--db", Db(), "--name", "web"}, Path("twice.log"), true);
  ASSERT_EQ(grown.code, 0) << grown.err;
  EXPECT_NE(grown.out.find("appended"), std::string::npos) << grown.out;
}

TEST_F(IngestCli, GzipAndStdinGiveTheSameSeriesAsThePlainFile) {
  WriteGzip(Path("nasa.gz"), ReadFile(kNasaLog));
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Path("plain.db"), "--name", "x"}).code, 0);
  ASSERT_EQ(Run({"ingest", Path("nasa.gz"), "--db", Path("gz.db"), "--name", "x"}).code, 0);
  ASSERT_EQ(Run({"ingest", "-", "--db", Path("stdin.db"), "--name", "x"}, Path("nasa.gz")).code, 0);
  const auto plain = Run({"series", "export", "x:bytes", "--db", Path("plain.db")}).out;
  EXPECT_EQ(Run({"series", "export", "x:bytes", "--db", Path("gz.db")}).out, plain);
  EXPECT_EQ(Run({"series", "export", "x:bytes", "--db", Path("stdin.db")}).out, plain);
  EXPECT_GT(plain.size(), 100u);
}

TEST_F(IngestCli, TruncatedGzipIsAnErrorAndStoresNothing) {
  WriteGzip(Path("full.gz"), ReadFile(kApacheLog));
  const std::string gz = ReadFile(Path("full.gz"));
  WriteFile(Path("cut.gz"), gz.substr(0, gz.size() / 2));
  auto r = Run({"ingest", kNasaLog, Path("cut.gz"), "--db", Db()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cut.gz"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated gzip"), std::string::npos) << r.err;
  // The good file before it is not half-written either: one run, one transaction, and the
  // database it would have created is not left behind.
  EXPECT_FALSE(std::filesystem::exists(Db()));
}

TEST_F(IngestCli, BinaryEmptyAndGarbageFilesGetClearMessages) {
  WriteFile(Path("binary.bin"), std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\0", 12) + std::string(500, '\0'));
  WriteFile(Path("empty.log"), "");
  WriteFile(Path("garbage.txt"), "hello world\nthis is not a log\n");
  struct Case {
    std::string file, message;
  };
  for (const Case& c : {Case{"binary.bin", "binary"}, Case{"empty.log", "is empty"},
                        Case{"garbage.txt", "cannot tell the format"}}) {
    auto r = Run({"ingest", Path(c.file), "--db", Db()});
    EXPECT_EQ(r.code, 2) << c.file;
    EXPECT_NE(r.err.find(Path(c.file)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Assertion"), std::string::npos);
  }
  auto missing = Run({"ingest", Path("nope.log"), "--db", Db()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.log"), std::string::npos);
  // A file forced to a format it is not: nothing parses, exit 2.
  auto wrong = Run({"ingest", kNasaMinutes, "--format", "clf", "--db", Db()});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("no line could be read as clf"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(Db()));
}

TEST_F(IngestCli, BadDatesAreCountedReportedAndSkipped) {
  const std::string good = "h - - [01/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 10\n";
  WriteFile(Path("dates.log"), good +
                                   "h - - [32/Aug/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 10\n" +
                                   good +
                                   "h - - [01/Foo/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 10\n" +
                                   good);
  auto r = Run({"ingest", Path("dates.log"), "--db", Db()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("lines 5, records 3, malformed 2"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("dates.log:2: skipped: bad date"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dates.log:4: skipped: bad date"), std::string::npos) << r.err;
}

TEST_F(IngestCli, StrictStopsAtTheFirstBadLineAndStoresNothing) {
  std::string log = Lines(ReadFile(kNasaLog), 0, 50);
  log += "this line is broken\n";
  log += Lines(ReadFile(kNasaLog), 50, 60);
  WriteFile(Path("strict.log"), log);
  auto r = Run({"ingest", Path("strict.log"), "--strict", "--db", Db()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("strict.log:51:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Db()));  // nothing stored, not even an empty database
  // Without --strict the same file goes in, with the line reported.
  auto lenient = Run({"ingest", Path("strict.log"), "--db", Db()});
  EXPECT_EQ(lenient.code, 0);
  EXPECT_NE(lenient.out.find("malformed 1"), std::string::npos);
}

TEST_F(IngestCli, AOneMegabyteLineIsReportedNotBuffered) {
  std::string log = Lines(ReadFile(kNasaLog), 0, 10);
  const std::string huge = "h - - [01/Aug/1995:00:00:01 -0400] \"GET /" +
                           std::string(1 << 20, 'a') + " HTTP/1.0\" 200 10";
  log += huge + "\n";
  log += Lines(ReadFile(kNasaLog), 10, 20);
  WriteFile(Path("huge.log"), log);
  auto r = Run({"ingest", Path("huge.log"), "--db", Db()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("lines 21, records 20, malformed 1"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("huge.log:11: skipped: line is " + std::to_string(huge.size()) +
                       " bytes long, over the 64 KiB limit"),
            std::string::npos)
      << r.err;
}

TEST_F(IngestCli, MetricExportsInEveryFormat) {
  WriteFile(Path("range.json"),
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"__name__":"http_requests","job":"api"},)"
            R"("values":[[1700000000,"10"],[1700000060,"12"],[1700000120,"9"]]}]}})");
  WriteFile(Path("metrics.prom"),
            "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\"} 1027 1700000000000\n"
            "http_requests_total{code=\"200\"} 1090 1700000060000\n");
  auto json = Run({"ingest", Path("range.json"), "--db", Db()});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_NE(json.out.find("prom-json"), std::string::npos);
  auto text = Run({"ingest", Path("metrics.prom"), "--db", Db()});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("prom-text"), std::string::npos);
  auto exported = Run({"series", "export", "http_requests{job=\"api\"}", "--db", Db()});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_EQ(exported.out,
            "timestamp,value\n2023-11-14T22:13:00Z,10\n2023-11-14T22:14:00Z,12\n"
            "2023-11-14T22:15:00Z,9\n");
  auto counter = Run({"series", "export", "http_requests_total{code=\"200\"}", "--db", Db()});
  EXPECT_NE(counter.out.find(",1090"), std::string::npos) << counter.out;
  // NAB CloudWatch CSV: its own 5-minute step is kept.
  auto nab = Run({"ingest", Repo("data/nab/realAWSCloudwatch/elb_request_count_8c0756.csv"),
                  "--db", Db(), "--name", "elb"});
  ASSERT_EQ(nab.code, 0) << nab.err;
  auto listed = Run({"series", "list", "elb:", "--db", Db()});
  EXPECT_NE(listed.out.find("elb:value"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("5m"), std::string::npos) << listed.out;
}

TEST_F(IngestCli, AStepConflictIsRefused) {
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "n"}).code, 0);
  WriteFile(Path("other.log"), Lines(ReadFile(kApacheLog), 0, 100));
  auto r = Run({"ingest", Path("other.log"), "--step", "5m", "--db", Db(), "--name", "n"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("step"), std::string::npos) << r.err;
}

TEST_F(IngestCli, HelpAndVersionListOptionsWithDefaults) {
  auto help = Run({"ingest", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* option : {"--format", "--step", "--db", "--name", "--strict", "--utc-offset",
                             "forescale.db", "auto"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  auto version = Run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find("forescale "), std::string::npos);
  auto unknown = Run({"ingest", "--no-such-flag", kNasaLog});
  EXPECT_EQ(unknown.code, 2);
  auto bad_step = Run({"ingest", kNasaLog, "--step", "5", "--db", Db()});
  EXPECT_EQ(bad_step.code, 2);
  EXPECT_NE(bad_step.err.find("unit"), std::string::npos) << bad_step.err;
}

}  // namespace
}  // namespace forescale::testing
