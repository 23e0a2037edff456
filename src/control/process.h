// Child processes the live test starts (replicas, nginx, Prometheus), and the guarantee that none
// outlives forescale.
//
// Each child is started by fork/exec in a process group of its own (so a server's workers, e.g.
// nginx's, go with it), with stdin from /dev/null and stdout + stderr appended to a log file.
// Clean-up happens on every path:
//   * RAII: ~ChildProcess terminates (SIGTERM to the group, a grace period, then SIGKILL) and
//     reaps;
//   * exit(): an atexit handler SIGKILLs every group still registered;
//   * SIGINT / SIGTERM / SIGHUP: if the program left them at their default action, a handler
//     SIGKILLs every registered group and then dies of the signal as it would have;
//   * the parent dying outright (SIGKILL): the child gets SIGKILL from the kernel
//     (PR_SET_PDEATHSIG). Linux ties this to the *thread* that forked, so start children from
//     a thread that outlives them (the control loop's).
//
// Thread safety: a ChildProcess is used by one thread at a time; the registry is lock-free and
// safe from any thread and from the signal handler.
//
//   auto child = ChildProcess::Spawn({"/usr/bin/prometheus", "--config.file=p.yml"},
//                                    {.log_path = "/tmp/run/prometheus.log"});
//   (*child)->Terminate(std::chrono::seconds(2));
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace forescale::control {

struct SpawnOptions {
  std::string log_path;  // stdout and stderr appended here; empty: /dev/null
};

class ChildProcess {
 public:
  // Fails (kNotFound) when the program does not exist or is not executable, (kIo) when fork
  // fails. A program that exists but fails later (bad flags, port taken) is a running child
  // that exits soon: check Running().
  static Result<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                     const SpawnOptions& options = {});
  ~ChildProcess();  // Terminate(1 s) if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once the child has exited (it is reaped here; see ExitDescription).
  bool Running();
  // "exited with status 1", "killed by signal 9"; empty while running.
  const std::string& ExitDescription() const { return exit_description_; }
  // Sends `sig` to the child (not its group); false when it is gone.
  bool Signal(int sig);
  // SIGTERM to the group, waits up to `grace` for the child to exit, then SIGKILLs the group
  // and reaps. Idempotent.
  void Terminate(std::chrono::milliseconds grace);

 private:
  ChildProcess() = default;
  void Reaped(int status);

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string exit_description_;
};

// A loopback TCP port that was free a moment ago (bound to port 0, read back, released). Another
// process may take it before it is used; callers that can, retry.
Result<uint16_t> FreeLoopbackPort();

// True when a TCP connection to 127.0.0.1:`port` succeeds within `timeout`.
bool PortAccepts(uint16_t port, std::chrono::milliseconds timeout);

// The children of `parent` (read from /proc/*/stat), ascending; zombies (exited, not yet reaped)
// only when asked for; empty when none or when /proc is unreadable.
std::vector<pid_t> ChildPids(pid_t parent, bool include_zombies = false);

// Resolves a program name through PATH ("nginx" -> "/usr/sbin/nginx", also searching the sbin
// directories an unprivileged PATH may lack); empty when not found.
std::string FindProgram(const std::string& name);

}  // namespace forescale::control
