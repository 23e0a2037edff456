// End-to-end tests of `forescale loadgen` against `forescale sample-service`: two real
// processes talking HTTP on 127.0.0.1, as a user runs them.
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_runner.h"
#include "loadgen/http_client.h"

extern char** environ;

namespace forescale::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A free loopback port: bound to port 0, read back, released.
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A forescale process in the background; killed (SIGKILL) and reaped if still running when it
// goes out of scope, so no test leaves a server behind.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& out_path) {
    std::vector<std::string> argv_s = {FORESCALE_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, FORESCALE_BIN, &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }
  // Exit code (128 + signal when killed); -1 when it did not end within `timeout`.
  int Wait(milliseconds timeout = milliseconds(60000)) {
    const auto deadline = Clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (Clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return code_;
  }
  bool started() const { return pid_ > 0 || code_ >= 0; }

 private:
  pid_t pid_ = -1;
  int code_ = -1;
};

class LoadgenCli : public CliTest {
 protected:
  // Starts the sample service and waits until /healthz says ready.
  std::unique_ptr<Process> StartService(uint16_t port, const std::string& cpu) {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{"sample-service", "--port", std::to_string(port),
                                 "--cpu-per-request", cpu, "--workers", "2", "--queue-limit",
                                 "1000"},
        Path("service.log"));
    const auto deadline = Clock::now() + milliseconds(5000);
    while (Clock::now() < deadline) {
      auto r = loadgen::HttpGet("127.0.0.1", port, "/healthz", milliseconds(200));
      if (r && r->status == 200) return p;
      std::this_thread::sleep_for(milliseconds(20));
    }
    ADD_FAILURE() << "sample-service did not become ready: " << ReadFile(Path("service.log"));
    return p;
  }

  // The value of one sample line of a Prometheus exposition; -1 when absent.
  static double Sample(const std::string& text, const std::string& name) {
    const size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }

  nlohmann::json Result() { return nlohmann::json::parse(ReadFile(Path("result.json"))); }
};

TEST_F(LoadgenCli, FixedRateAgainstTheSampleServiceIsExactAndAgreesWithItsMetrics) {
  const uint16_t port = FreePort();
  auto service = StartService(port, "2ms");
  const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/work";
  auto r = Run({"loadgen", "--target", target, "--rate", "200", "--duration", "3s", "--arrivals",
                "uniform", "--connections", "8", "--threads", "2", "--lag-tolerance-ms", "50",
                "--out", Path("result.json")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("schedule kept"), std::string::npos) << r.out;
  const nlohmann::json j = Result();
  EXPECT_NEAR(j["achieved_rate"].get<double>(), 200, 200 * 0.02);
  EXPECT_EQ(j["totals"]["sent"], 600);
  EXPECT_EQ(j["totals"]["errors"], 0) << j["errors"].dump();
  EXPECT_EQ(j["totals"]["ok"], 600);
  // Each request costs 2 ms of CPU: no answer can come sooner.
  EXPECT_GE(j["latency_ms"]["p50"].get<double>(), 2.0 * 0.98);
  EXPECT_LT(j["latency_ms"]["p50"].get<double>(), 50.0);
  EXPECT_GE(j["per_second"].size(), 3u);
  // The service counted what the generator counted.
  auto m = loadgen::HttpGet("127.0.0.1", port, "/metrics");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(Sample(m->body, "forescale_sample_requests_total{code=\"200\"}"),
            j["totals"]["ok"].get<double>());
  EXPECT_EQ(Sample(m->body, "forescale_sample_request_duration_seconds_count"), 600);
  EXPECT_GT(Sample(m->body, "process_cpu_seconds_total"), 600 * 0.002 * 0.9);
  // SIGTERM: a graceful stop, exit 0.
  service->Signal(SIGTERM);
  EXPECT_EQ(service->Wait(milliseconds(5000)), 0);
  EXPECT_NE(ReadFile(Path("service.log")).find("stopped on SIGTERM: 600 answered 200"),
            std::string::npos)
      << ReadFile(Path("service.log"));
}

TEST_F(LoadgenCli, AServiceKilledMidRunCostsErrorsAndTheRunStillEndsOnTime) {
  const uint16_t port = FreePort();
  auto service = StartService(port, "1ms");
  const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/work";
  const auto t0 = Clock::now();
  Process gen({"loadgen", "--target", target, "--rate", "200", "--duration", "3s", "--connections",
               "4", "--drain", "500ms", "--out", Path("result.json")},
              Path("loadgen.log"));
  std::this_thread::sleep_for(milliseconds(1000));
  service->Signal(SIGKILL);
  ASSERT_EQ(gen.Wait(milliseconds(10000)), 0) << ReadFile(Path("loadgen.log"));
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_LT(took, 3.0 + 0.5 + 1.0);  // duration + drain + start-up
  const nlohmann::json j = Result();
  EXPECT_GT(j["totals"]["ok"].get<int>(), 100);
  EXPECT_GT(j["totals"]["errors"].get<int>(), 200);
  EXPECT_GT(j["errors"]["connect"].get<int>(), 0);
  EXPECT_GT(j["connect_failures"].get<int>(), 0);
  // Every due request is accounted for.
  const auto& t = j["totals"];
  EXPECT_EQ(t["scheduled"].get<int>(), t["ok"].get<int>() + t["errors"].get<int>() +
                                           t["unfinished"].get<int>() + t["not_sent"].get<int>());
  const std::string log = ReadFile(Path("loadgen.log"));
  EXPECT_NE(log.find("connection attempts failed"), std::string::npos) << log;
}

TEST_F(LoadgenCli, ProfileWithTimeScaleKeepsEachStepsRate) {
  const uint16_t port = FreePort();
  auto service = StartService(port, "0ms");
  // Three profile minutes at 60x: three wall seconds at 50, 150 and 100 requests/s.
  WriteFile(Path("profile.csv"),
            "timestamp,rps\n2024-03-12T09:00:00Z,50\n2024-03-12T09:01:00Z,150\n2024-03-12T09:02:"
            "00Z,100\n");
  auto r = Run({"loadgen", "--target", "http://127.0.0.1:" + std::to_string(port) + "/",
                "--profile", Path("profile.csv"), "--time-scale", "60", "--arrivals", "uniform",
                "--connections", "4", "--out", Path("result.json")});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Result();
  EXPECT_EQ(j["totals"]["ok"], 300);
  ASSERT_GE(j["per_second"].size(), 3u);
  EXPECT_EQ(j["per_second"][0]["scheduled"], 50);
  EXPECT_EQ(j["per_second"][1]["scheduled"], 150);
  EXPECT_EQ(j["per_second"][2]["scheduled"], 100);
}

TEST_F(LoadgenCli, ReplaysARequestFile) {
  const uint16_t port = FreePort();
  auto service = StartService(port, "0ms");
  std::string lines;
  for (int i = 0; i < 50; ++i) {
    lines +=
        fmt::format(
            R"({{"t":"2024-03-12T09:00:{:02d}.{:03d}Z","method":"GET","path":"/p{}","bytes":10,"session":"s{}"}})",
            i / 25, (i % 25) * 40, i % 3, i) +
        "\n";
  }
  WriteFile(Path("requests.jsonl"), lines);
  auto r =
      Run({"loadgen", "--target", "http://127.0.0.1:" + std::to_string(port) + "/", "--requests",
           Path("requests.jsonl"), "--time-scale", "2", "--out", Path("result.json")});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Result();
  EXPECT_EQ(j["totals"]["ok"], 50);
  EXPECT_LT(j["duration_s"].get<double>(), 1.0);  // 2 s of requests at 2x
}

// A run in which no request succeeded exited 0 (found by probing): a script checking the exit
// code must see that the target was not loaded.
TEST_F(LoadgenCli, ARunWithoutOneSuccessfulRequestFails) {
  const std::string closed = "http://127.0.0.1:" + std::to_string(FreePort()) + "/";
  auto r = Run({"loadgen", "--target", closed, "--rate", "20", "--duration", "1s"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no request to " + closed + " succeeded"), std::string::npos) << r.err;
  // An --out that cannot be written fails before any load is sent (after the run, before).
  auto no_dir = Run({"loadgen", "--target", closed, "--rate", "20", "--duration", "1s", "--out",
                     Path("missing/dir/result.json")});
  EXPECT_EQ(no_dir.code, 1);
  EXPECT_NE(no_dir.err.find("result.json: cannot write"), std::string::npos) << no_dir.err;
  EXPECT_EQ(no_dir.out.find("scheduled"), std::string::npos) << no_dir.out;
}

// The sample service listens on loopback unless told otherwise (found by probing: --bind
// 0.0.0.0 was accepted without --allow-remote, against the README).
TEST_F(LoadgenCli, TheSampleServiceRefusesANonLoopbackBindWithoutAllowRemote) {
  auto r = Run({"sample-service", "--bind", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--bind 0.0.0.0: not a loopback address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-remote"), std::string::npos) << r.err;
}

TEST_F(LoadgenCli, BadInputIsAClearErrorWithExitCode2) {
  const std::string local = "http://127.0.0.1:" + std::to_string(FreePort()) + "/";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--target", "http://192.0.2.7/", "--rate", "10"}, "--allow-remote"},
      {{"--target", "ftp://127.0.0.1/", "--rate", "10"}, "expected http://"},
      {{"--target", local, "--profile", Path("missing.csv")}, "missing.csv"},
      {{"--target", local, "--requests", Path("missing.jsonl")}, "missing.jsonl"},
      {{"--target", local}, "exactly one of"},
      {{"--target", local, "--rate", "fast"}, "--rate"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"loadgen"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = Run(args);
    EXPECT_EQ(r.code, 2) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace forescale::testing
