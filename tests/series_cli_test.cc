// End-to-end tests of `forescale series list|show|export`.
#include "cli_runner.h"

namespace forescale::testing {
namespace {

using SeriesCli = CliTest;

const std::string kNasaLog = Repo("data/nasa_http/NASA_access_log_Aug95_head1880_repaired.log");

TEST_F(SeriesCli, ListShowAndExportReadBackWhatWasIngested) {
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "nasa"}).code, 0);
  auto list = Run({"series", "list", "--db", Db()});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("nasa:requests"), std::string::npos);
  EXPECT_NE(list.out.find("nasa:status{class=\"2xx\"}"), std::string::npos);
  EXPECT_NE(list.out.find("1995-08-01T04:00:00Z"), std::string::npos);

  auto show = Run({"series", "show", "nasa:requests", "--db", Db()});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("total 1880"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("73 (0 missing)"), std::string::npos) << show.out;

  auto hourly = Run({"series", "export", "nasa:requests", "--step", "1h", "--db", Db()});
  ASSERT_EQ(hourly.code, 0) << hourly.err;
  EXPECT_EQ(hourly.out, "timestamp,value\n1995-08-01T04:00:00Z,1642\n1995-08-01T05:00:00Z,238\n");

  auto json = Run({"series", "export", "nasa:requests", "--format", "json", "--from",
                   "1995-08-01T04:00:00Z", "--to", "1995-08-01T04:02:00Z", "--db", Db()});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out,
            "{\"points\":[[\"1995-08-01T04:00:00Z\",51.0],[\"1995-08-01T04:01:00Z\",42.0]],"
            "\"series\":\"nasa:requests\",\"step\":\"1m\"}\n");
}

// A --from inside a coarser --step cut the first bucket short and printed the part as the
// whole (found by probing); it is an error naming the grid time to use.
TEST_F(SeriesCli, ResamplingRefusesABoundaryInsideAStep) {
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "nasa"}).code, 0);
  auto r = Run({"series", "export", "nasa:requests", "--db", Db(), "--step", "1h", "--from",
                "1995-08-01T04:30:00Z"});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("--from 1995-08-01T04:30:00Z is inside a 1h step"), std::string::npos)
      << r.err;
  EXPECT_EQ(Run({"series", "export", "nasa:requests", "--db", Db(), "--step", "1h", "--from",
                 "1995-08-01T04:00:00Z"})
                .code,
            0);
}

TEST_F(SeriesCli, UnknownSeriesOrDatabaseIsAClearError) {
  auto no_db = Run({"series", "show", "x", "--db", Path("missing.db")});
  EXPECT_EQ(no_db.code, 2);
  EXPECT_NE(no_db.err.find("missing.db"), std::string::npos) << no_db.err;
  ASSERT_EQ(Run({"ingest", kNasaLog, "--db", Db(), "--name", "nasa"}).code, 0);
  auto unknown = Run({"series", "export", "nasa:nothing", "--db", Db()});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("no series 'nasa:nothing'"), std::string::npos) << unknown.err;
  auto bad_name = Run({"series", "export", "nasa:requests{path=", "--db", Db()});
  EXPECT_EQ(bad_name.code, 2);
  auto bad_step = Run({"series", "export", "nasa:requests", "--step", "90s", "--db", Db()});
  EXPECT_EQ(bad_step.code, 2);
  EXPECT_NE(bad_step.err.find("whole multiple"), std::string::npos) << bad_step.err;
  // An empty range is a mistake to say, not "points 0" with exit 0 (found by probing).
  auto reversed = Run({"series", "show", "nasa:requests", "--db", Db(), "--from",
                       "1995-08-01T05:00:00Z", "--to", "1995-08-01T04:30:00Z"});
  EXPECT_EQ(reversed.code, 2);
  EXPECT_NE(reversed.err.find("is not before --to"), std::string::npos) << reversed.err;
}

}  // namespace
}  // namespace forescale::testing
