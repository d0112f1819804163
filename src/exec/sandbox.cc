#include "exec/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "core/parallel.h"

namespace qualm::exec {
namespace {

namespace fs = std::filesystem;

// exec() of the program with an empty globals dict, as HF evaluate's code_eval; any exception,
// SystemExit included, fails it. os._exit skips the interpreter's teardown (threads it left).
constexpr const char* kRunner =
    "import os, sys, traceback\n"
    "src = open('program.py', encoding='utf-8').read()\n"
    "try:\n"
    "    exec(compile(src, 'program.py', 'exec'), {})\n"
    "except BaseException as e:\n"
    "    sys.stdout.flush()\n"
    "    print('failed: %s: %s' % (type(e).__name__, e), file=sys.stderr)\n"
    "    sys.stderr.flush()\n"
    "    os._exit(1)\n"
    "sys.stdout.flush()\n"
    "os._exit(0)\n";

// The namespaces the sandbox makes (and isolation_problem probes for).
constexpr int kNamespaceFlags = CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID;

// Exit codes of the intermediate child that are qualm's own, not the program's.
constexpr int kUnshareFailed = 250;
constexpr int kForkFailed = 251;
constexpr int kExecFailed = 252;

void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w <= 0) return;
    data += w;
    n -= static_cast<size_t>(w);
  }
}

// In the child, before the program's process exists: user namespace with our uid mapped to
// itself, then network and PID namespaces. Only async-signal-safe calls (a threaded parent).
bool enter_namespaces(const char* uid_map) {
  if (::unshare(kNamespaceFlags) != 0) return false;
  const int fd = ::open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  write_all(fd, uid_map, std::strlen(uid_map));
  ::close(fd);
  return true;
}

void set_limit(int resource, rlim_t value) {
  const rlimit r{value, value};
  ::setrlimit(resource, &r);
}

// The last max_bytes of a file (a program's output may reach the file-size limit).
std::string tail_of_file(const fs::path& file, size_t max_bytes) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : 0;
  in.seekg(std::max<std::streamoff>(0, size - static_cast<std::streamoff>(max_bytes)));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The last non-empty line of the program's output: its error.
std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last.size() > 300 ? last.substr(0, 300) + "..." : last;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "qualm-exec-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw RunError("code execution: cannot make a temporary directory: " + std::string(std::strerror(errno)));
    }
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    // a program may have taken away its own permissions: give them back first
    for (auto it = fs::recursive_directory_iterator(path, ignored); it != fs::recursive_directory_iterator();
         it.increment(ignored)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }
    fs::remove_all(path, ignored);
  }
};

}  // namespace

std::optional<Isolation> parse_isolation(std::string_view name) {
  if (name == "namespaces") return Isolation::kNamespaces;
  if (name == "none") return Isolation::kNone;
  return std::nullopt;
}

const char* isolation_name(Isolation isolation) { return isolation == Isolation::kNone ? "none" : "namespaces"; }

std::optional<std::string> python_interpreter() {
  // QUALM_PYTHON, else the system's interpreter, else python3 on PATH (a pyenv shim there needs
  // the environment the sandbox does not pass on).
  if (const char* chosen = std::getenv("QUALM_PYTHON"); chosen != nullptr && *chosen != '\0') {
    return ::access(chosen, X_OK) == 0 ? std::optional<std::string>(chosen) : std::nullopt;
  }
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "python3";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

std::optional<std::string> isolation_problem() {
  static std::once_flag once;
  static std::optional<std::string> problem;
  std::call_once(once, [] {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      problem = std::string("pipe: ") + std::strerror(errno);
      return;
    }
    const pid_t child = ::fork();
    if (child < 0) {
      problem = std::string("fork: ") + std::strerror(errno);
      return;
    }
    if (child == 0) {
      ::close(pipe_fds[0]);
      int err = 0;
      if (::unshare(kNamespaceFlags) != 0) err = errno;
      write_all(pipe_fds[1], reinterpret_cast<const char*>(&err), sizeof err);
      ::_exit(0);
    }
    ::close(pipe_fds[1]);
    int err = -1;
    const ssize_t n = ::read(pipe_fds[0], &err, sizeof err);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (n != sizeof err)
      problem = "the namespace probe died";
    else if (err != 0)
      problem = std::string("unshare(user, network, pid namespaces): ") + std::strerror(err);
  });
  return problem;
}

Outcome run_python(const std::string& program, const Limits& limits, Isolation isolation) {
  const std::optional<std::string> python = python_interpreter();
  if (!python) throw RunError("code execution needs python3 (QUALM_PYTHON, /usr/bin/python3 or PATH)");
  TempDir dir;
  {
    std::ofstream out(dir.path / "program.py", std::ios::binary);
    out << program;
    if (!out) throw RunError("code execution: cannot write " + (dir.path / "program.py").string());
  }
  // Everything the children use is made before fork: the parent has threads.
  const std::string dir_text = dir.path.string();
  const std::string output_path = (dir.path / "output.txt").string();
  const std::string uid_map = std::to_string(::getuid()) + " " + std::to_string(::getuid()) + " 1\n";
  const std::string home = "HOME=" + dir_text;
  std::vector<std::string> env_text = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                       home,
                                       "LANG=C.UTF-8",
                                       "PYTHONDONTWRITEBYTECODE=1",
                                       "PYTHONHASHSEED=0",
                                       "TMPDIR=" + dir_text};
  std::vector<char*> envp;
  for (std::string& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = "python3", arg1 = "-I", arg2 = "-c", arg3 = kRunner;
  std::vector<char*> argv = {arg0.data(), arg1.data(), arg2.data(), arg3.data(), nullptr};
  const rlim_t memory = static_cast<rlim_t>(limits.memory_mb) << 20;
  const rlim_t cpu = static_cast<rlim_t>(limits.timeout_s) + 2;
  const rlim_t file_size = static_cast<rlim_t>(limits.max_file_mb) << 20;
  const rlim_t processes = static_cast<rlim_t>(limits.max_processes);
  const bool namespaces = isolation == Isolation::kNamespaces;

  const int out_fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0) throw RunError("code execution: cannot write " + output_path + ": " + std::strerror(errno));
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
    ::close(out_fd);
    throw RunError(std::string("code execution: pipe: ") + std::strerror(errno));
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t keeper = ::fork();
  if (keeper < 0) {
    ::close(out_fd);
    ::close(pid_pipe[0]);
    ::close(pid_pipe[1]);
    throw RunError(std::string("code execution: fork: ") + std::strerror(errno));
  }
  if (keeper == 0) {  // the keeper: enters the namespaces; its child is the program (PID 1 there)
    ::setpgid(0, 0);
    ::close(pid_pipe[0]);
    if (namespaces && !enter_namespaces(uid_map.c_str())) ::_exit(kUnshareFailed);
    const pid_t worker = ::fork();
    if (worker < 0) ::_exit(kForkFailed);
    if (worker == 0) {
      ::signal(SIGPIPE, SIG_DFL);
      set_limit(RLIMIT_AS, memory);
      set_limit(RLIMIT_CPU, cpu);
      set_limit(RLIMIT_FSIZE, file_size);
      set_limit(RLIMIT_CORE, 0);
      if (namespaces) set_limit(RLIMIT_NPROC, processes);
      if (::chdir(dir_text.c_str()) != 0) ::_exit(kExecFailed);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd < 0) ::_exit(kExecFailed);
      ::dup2(null_fd, 0);
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
      // Nothing else of qualm's: not its sample log, model files or server connections.
      if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < 65536; ++fd) ::close(fd);
      }
      ::execve(python->c_str(), argv.data(), envp.data());
      ::_exit(kExecFailed);
    }
    write_all(pid_pipe[1], reinterpret_cast<const char*>(&worker), sizeof worker);
    ::close(pid_pipe[1]);
    int status = 0;
    while (::waitpid(worker, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  ::setpgid(keeper, keeper);  // both sides set it: no race with a kill below
  ::close(out_fd);
  ::close(pid_pipe[1]);
  pid_t worker = -1;
  if (::read(pid_pipe[0], &worker, sizeof worker) != sizeof worker) worker = -1;
  ::close(pid_pipe[0]);

  const auto deadline = start + std::chrono::duration<double>(limits.timeout_s);
  int status = 0;
  bool timed_out = false;
  auto pause = std::chrono::microseconds(500);
  for (;;) {
    const pid_t r = ::waitpid(keeper, &status, WNOHANG);
    if (r == keeper || (r < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      if (worker > 0) ::kill(worker, SIGKILL);  // PID 1 of its namespace: the kernel kills the rest
      ::kill(-keeper, SIGKILL);
      while (::waitpid(keeper, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
  if (!namespaces) ::kill(-keeper, SIGKILL);  // what it left running in its process group
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (timed_out) {
    o.status = Outcome::Status::kTimedOut;
    o.detail = "timed out";
  } else if (code == 0) {
    o.status = Outcome::Status::kPassed;
    o.detail = kPassed;
  } else if (code == kUnshareFailed) {
    throw RunError("code execution: cannot make the user, network and PID namespaces the sandbox needs");
  } else if (code == kForkFailed || code == kExecFailed) {
    throw RunError("code execution: cannot start " + *python);
  } else {
    const std::string line = last_line(tail_of_file(output_path, 4096));
    o.detail = line.starts_with("failed: ") ? line
               : code > 128                 ? "failed: killed by signal " + std::to_string(code - 128) +
                                  (code - 128 == SIGXCPU ? " (CPU time limit)" : "")
                            : "failed: exit status " + std::to_string(code) + (line.empty() ? "" : ": " + line);
  }
  return o;
}

std::vector<Outcome> run_all(const std::vector<std::string>& programs, const Policy& policy) {
  std::vector<Outcome> out(programs.size());
  std::vector<std::string> errors(programs.size());
  parallel_for(programs.size(), default_worker_count(), [&](unsigned, size_t i) {
    try {
      out[i] = run_python(programs[i], policy.limits, policy.isolation);
    } catch (const RunError& e) {
      errors[i] = e.what();
    }
  });
  for (const std::string& e : errors) {
    if (!e.empty()) throw RunError(e);
  }
  return out;
}

}  // namespace qualm::exec
