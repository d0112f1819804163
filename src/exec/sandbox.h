#pragma once
// Runs untrusted Python (a model's completion and a task's tests) in a child process: its own
// temporary directory, rlimits on memory, CPU, processes and file size, a wall-clock timeout
// that kills everything it started, and - where the kernel allows an unprivileged process to
// make namespaces - new user, network and PID namespaces, so that it has no network and
// nothing it forks outlives it.
//
// The program runs as HF evaluate's code_eval runs it: exec() of the whole text with an empty
// globals dict, "passed" when it returns and "failed" on any exception (SystemExit included).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qualm::exec {

struct Limits {
  double timeout_s = 3.0;   // wall clock, HF code_eval's default
  long memory_mb = 2048;    // RLIMIT_AS
  long max_processes = 64;  // RLIMIT_NPROC (counted in the new user namespace)
  long max_file_mb = 16;    // RLIMIT_FSIZE: output and files it writes
};

enum class Isolation {
  kNamespaces,  // user + network + PID namespaces (no network; killing its init kills all)
  kNone,        // rlimits, process group and timeout only: the network is reachable
};
// "namespaces" or "none", as experiments and qualm eval write it; nothing for another name.
std::optional<Isolation> parse_isolation(std::string_view name);
const char* isolation_name(Isolation isolation);

// Outcome::detail of a program that passed.
inline constexpr std::string_view kPassed = "passed";

struct Outcome {
  enum class Status { kPassed, kFailed, kTimedOut };
  Status status = Status::kFailed;
  std::string detail;  // "passed", "timed out", or "failed: " and the last line it printed
  double seconds = 0;
  bool passed() const { return status == Status::kPassed; }
};

// What an experiment allows code to do (its code_execution key, qualm eval's flags).
struct Policy {
  Isolation isolation = Isolation::kNamespaces;
  Limits limits;
};

// Why this machine cannot run code with Isolation::kNamespaces (unshare's error), or nothing
// when it can. Tried once per process, in a child.
std::optional<std::string> isolation_problem();

// The Python interpreter programs run under: QUALM_PYTHON, else /usr/bin/python3, else python3
// on PATH; nothing when there is none.
std::optional<std::string> python_interpreter();

// Runs `program` under python3. Throws RunError only when qualm itself cannot (no temporary
// directory, no fork); whatever the program does is in the Outcome.
Outcome run_python(const std::string& program, const Limits& limits, Isolation isolation);

// Each program in its own sandbox, as many at once as there are cores; outcomes in order.
std::vector<Outcome> run_all(const std::vector<std::string>& programs, const Policy& policy);

}  // namespace qualm::exec
