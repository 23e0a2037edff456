// The HTML report in a real browser: headless Chromium renders it, takes a screenshot, and the
// page must log no console error (a broken inline script, a bad JSON block). Chromium's console
// goes to stderr with --enable-logging=stderr --v=0, as lines like
//   [..:INFO:CONSOLE(12)] "Uncaught TypeError: ...", source: file:///.../report.html (12)
// A control page with a deliberate error proves that this detection works on this machine.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testkit/internal/testing_results.h"
#include "testkit/report_html.h"

namespace forescale {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Rendered {
  int status = -1;
  std::string log;  // Chromium's stderr
};

Rendered Render(const std::string& html_path, const std::string& png_path, const std::string& dir) {
  const std::string log_path = png_path + ".log";
  // A profile of our own: parallel runs must not share Chromium's singleton lock.
  const std::string cmd = "timeout 60 " + std::string(kChromium) +
                          " --headless --no-sandbox --disable-gpu --hide-scrollbars"
                          " --user-data-dir=" + dir + "/profile"
                          " --enable-logging=stderr --v=0 --window-size=1280,2400"
                          " --virtual-time-budget=2000"
                          " --screenshot=" + png_path + " file://" + html_path + " 2>" + log_path +
                          " >/dev/null";
  Rendered r;
  r.status = std::system(cmd.c_str());
  r.log = Read(log_path);
  return r;
}

std::vector<std::string> ConsoleErrors(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    // The page's own console output is tagged CONSOLE; uncaught exceptions say so.
    if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

// Inflates the PNG's image data and counts distinct byte values: a blank (one-colour) page
// filters down to a handful, a page with text and charts to most of 256.
size_t DistinctImageBytes(const std::string& png, uint32_t& width, uint32_t& height) {
  const auto be32 = [&](size_t p) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(png[p])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[p + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[p + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(png[p + 3]));
  };
  if (png.size() < 33 || png.compare(1, 3, "PNG") != 0) return 0;
  width = be32(16);
  height = be32(20);
  std::string idat;
  for (size_t p = 8; p + 8 <= png.size();) {
    const uint32_t len = be32(p);
    if (p + 12 + len > png.size()) break;
    if (png.compare(p + 4, 4, "IDAT") == 0) idat.append(png, p + 8, len);
    p += 12 + len;
  }
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return 0;
  z.next_in = reinterpret_cast<Bytef*>(idat.data());
  z.avail_in = static_cast<uInt>(idat.size());
  std::set<unsigned char> seen;
  std::vector<unsigned char> buf(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    for (size_t i = 0; i < buf.size() - z.avail_out; ++i) seen.insert(buf[i]);
  }
  inflateEnd(&z);
  return seen.size();
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kChromium)) {
      GTEST_SKIP() << kChromium << " not found: install the Debian package chromium "
                   << "(scripts/bootstrap does) to check the report in a browser";
    }
    dir_ = ::testing::TempDir() + "/report_browser_test";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::string dir_;
};

TEST_F(ReportBrowserTest, ConsoleErrorDetectionWorks) {
  const std::string page = dir_ + "/broken.html";
  std::ofstream(page) << "<!DOCTYPE html><html><body><p>x</p>"
                         "<script>definitelyNotAFunction();</script></body></html>";
  const Rendered r = Render(page, dir_ + "/broken.png", dir_);
  ASSERT_EQ(r.status, 0) << r.log;
  EXPECT_FALSE(ConsoleErrors(r.log).empty())
      << "a page with an uncaught error logged nothing; the check below would prove nothing:\n"
      << r.log;
}

TEST_F(ReportBrowserTest, RendersWithoutConsoleErrors) {
  const auto results = testkit::testing::RampResults(std::chrono::hours(6));
  const std::string page = dir_ + "/report.html";
  const std::string png = dir_ + "/report.png";
  ASSERT_TRUE(testkit::WriteReportHtml(results, page));
  const Rendered r = Render(page, png, dir_);  // a hung browser is killed after 60 s
  ASSERT_EQ(r.status, 0) << r.log;
  for (const auto& line : ConsoleErrors(r.log)) ADD_FAILURE() << "console: " << line;
  ASSERT_TRUE(std::filesystem::exists(png)) << r.log;
  const std::string image = Read(png);
  uint32_t width = 0, height = 0;
  const size_t distinct = DistinctImageBytes(image, width, height);
  EXPECT_EQ(width, 1280u);
  EXPECT_EQ(height, 2400u);
  EXPECT_GT(image.size(), 50000u) << "a screenshot this small is a blank page";
  EXPECT_GT(distinct, 64u) << "the screenshot is (nearly) one colour";
  std::printf("screenshot: %s (%zu bytes)\n", png.c_str(), image.size());
}

}  // namespace
}  // namespace forescale
