// Runs the real `forescale` binary for end-to-end tests: arguments in, exit code and both
// output streams out. Each test gets its own scratch directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace forescale::testing {

struct RunResult {
  int code = -1;
  std::string out, err;
};

inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

inline std::string Repo(const std::string& relative) {
  return std::string(FORESCALE_SOURCE_DIR) + "/" + relative;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("forescale_cli_") + info->test_suite_name() + "_" + info->name() + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Db() const { return Path("test.db"); }

  // Runs forescale with `args`; `stdin_path` (optional) is fed to its standard input.
  // `piped`: through a pipe (cat FILE |), as a shell pipeline feeds it, not a seekable file.
  RunResult Run(const std::vector<std::string>& args, const std::string& stdin_path = "",
                bool piped = false) {
    std::string cmd = ShellQuote(FORESCALE_BIN);
    for (const auto& a : args) cmd += " " + ShellQuote(a);
    if (piped) {
      cmd = "cat " + ShellQuote(stdin_path) + " | " + cmd;
    } else {
      cmd += " <" + (stdin_path.empty() ? std::string("/dev/null") : ShellQuote(stdin_path));
    }
    cmd += " >" + ShellQuote(Path("stdout")) + " 2>" + ShellQuote(Path("stderr"));
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadFile(Path("stdout"));
    r.err = ReadFile(Path("stderr"));
    return r;
  }

  std::filesystem::path dir_;
};

}  // namespace forescale::testing
