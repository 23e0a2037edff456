#include "control/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace forescale::control {
namespace {

// Process groups still to be killed if forescale ends abruptly. A fixed array of atomics: the
// signal handler may only touch async-signal-safe state.
constexpr size_t kMaxChildren = 1024;
std::array<std::atomic<pid_t>, kMaxChildren> g_groups{};

void KillRegistered() {
  for (auto& slot : g_groups) {
    const pid_t g = slot.load();
    if (g > 0) kill(-g, SIGKILL);
  }
}

void OnFatalSignal(int sig) {
  KillRegistered();
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallCleanupOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::atexit(KillRegistered);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0) continue;
      // A program that handles the signal itself (the CLI, a test runner) cleans up through
      // RAII; only a default "die" action is extended with the kill.
      if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO) != 0) continue;
      struct sigaction sa {};
      sa.sa_handler = OnFatalSignal;
      sigemptyset(&sa.sa_mask);
      sigaction(sig, &sa, nullptr);
    }
  });
}

void Register(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, group)) return;
  }
}

void Unregister(pid_t group) {
  for (auto& slot : g_groups) {
    pid_t expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

}  // namespace

std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return Executable(name) ? name : "";
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && Executable(candidate)) {
      return candidate;
    }
  }
  return "";
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                          const SpawnOptions& options) {
  if (argv.empty()) return Fail(ErrorCode::kInvalidArgument, "no program to start");
  const std::string program = FindProgram(argv[0]);
  if (program.empty()) {
    return Fail(ErrorCode::kNotFound, argv[0] + ": not found or not executable");
  }
  InstallCleanupOnce();
  // Everything the child needs is prepared before fork: between fork and exec a multi-threaded
  // program may only make async-signal-safe calls.
  std::vector<std::string> args = argv;
  args[0] = program;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log_fd =
      options.log_path.empty()
          ? open("/dev/null", O_WRONLY | O_CLOEXEC)
          : open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (null_fd < 0 || log_fd < 0) {
    if (null_fd >= 0) close(null_fd);
    if (log_fd >= 0) close(log_fd);
    return Fail(ErrorCode::kIo, "cannot open " + options.log_path + ": " + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(null_fd);
    close(log_fd);
    return Fail(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    // Signals the parent blocks or ignores must not carry over into the server.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) signal(sig, SIG_DFL);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  // Also from the parent, so the group exists before anyone signals it (no race with the child).
  setpgid(pid, pid);
  close(null_fd);
  close(log_fd);
  Register(pid);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  return child;
}

ChildProcess::~ChildProcess() { Terminate(std::chrono::milliseconds(1000)); }

void ChildProcess::Reaped(int status) {
  reaped_ = true;
  if (WIFEXITED(status)) {
    exit_description_ = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    exit_description_ = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                        sigabbrev_np(WTERMSIG(status)) + ")";
  } else {
    exit_description_ = "ended (status " + std::to_string(status) + ")";
  }
}

bool ChildProcess::Running() {
  if (reaped_ || pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    Reaped(status);
    // Whatever the leader left in its group (nginx workers) goes too.
    kill(-pid_, SIGKILL);
    Unregister(pid_);
    return false;
  }
  if (r < 0 && errno == ECHILD) {
    reaped_ = true;
    exit_description_ = "reaped elsewhere";
    Unregister(pid_);
    return false;
  }
  return true;
}

bool ChildProcess::Signal(int sig) {
  if (!Running()) return false;
  return kill(pid_, sig) == 0;
}

void ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (Running()) {
    kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      Reaped(status);
    }
  }
  kill(-pid_, SIGKILL);  // stragglers of the group, if any
  Unregister(pid_);
}

std::vector<pid_t> ChildPids(pid_t parent, bool include_zombies) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;  // exited meanwhile
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ')' ends it.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = -1;
    if (rest >> state >> ppid && ppid == parent && (include_zombies || state != 'Z')) {
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<uint16_t> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return Fail(ErrorCode::kIo, "cannot find a free loopback port: " + why);
  }
  close(fd);
  return ntohs(a.sin_port);
}

bool PortAccepts(uint16_t port, std::chrono::milliseconds timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      ok = err == 0;
    }
  }
  close(fd);
  return ok;
}

}  // namespace forescale::control
