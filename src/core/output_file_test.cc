#include "core/output_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace forescale {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::stringstream s;
  s << std::ifstream(p).rdbuf();
  return s.str();
}

TEST(OutputFile, AFileAppearsWholeAndNoStagingCopyIsLeft) {
  const fs::path dir = fs::temp_directory_path() / "forescale_output_file";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "out.csv").string();
  ASSERT_TRUE(WriteOutputFile(path, "a,b\n1,2\n"));
  EXPECT_EQ(Read(path), "a,b\n1,2\n");
  ASSERT_TRUE(WriteOutputFile(path, "replaced\n"));
  EXPECT_EQ(Read(path), "replaced\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  // A failed write leaves the old file as it was and no staging copy.
  const std::string staging = StagingPathFor(path);
  EXPECT_EQ(staging, path + ".tmp");
  std::ofstream(staging) << "half";
  EXPECT_FALSE(FinishOutput(staging, path, /*ok=*/false));
  EXPECT_EQ(Read(path), "replaced\n");
  EXPECT_FALSE(fs::exists(staging));
  auto missing = WriteOutputFile((dir / "no" / "such" / "dir.csv").string(), "x");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("dir.csv: cannot write"), std::string::npos);
  fs::remove_all(dir);
}

// A rename over a device would replace it with a plain file (--out /dev/full once did).
TEST(OutputFile, ADeviceIsWrittenInPlaceAndStaysADevice) {
  if (!fs::exists("/dev/null")) GTEST_SKIP() << "no /dev/null";
  EXPECT_EQ(StagingPathFor("/dev/null"), "/dev/null");
  EXPECT_TRUE(WriteOutputFile("/dev/null", "discarded"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto full = WriteOutputFile("/dev/full", "no room");
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message().find("/dev/full: write failed"), std::string::npos);
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

}  // namespace
}  // namespace forescale
