#include "exec/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace qualm::exec {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_NAMESPACES()                                                      \
  if (const auto why = isolation_problem()) GTEST_SKIP() << "no namespaces: " << *why; \
  if (!python_interpreter()) GTEST_SKIP() << "no python3"

Limits quick(double timeout_s = 5) {
  Limits l;
  l.timeout_s = timeout_s;
  return l;
}

// Processes whose command line holds `marker` (anyone's: the sandbox's children show on the host).
int processes_with(const std::string& marker) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const int fd = ::open((entry.path() / "cmdline").c_str(), O_RDONLY);
    if (fd < 0) continue;  // gone, or not a process
    char buf[4096];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (got > 0 && std::string(buf, static_cast<size_t>(got)).find(marker) != std::string::npos) ++n;
  }
  return n;
}

TEST(Sandbox, PassesWhenTheTestsHold) {
  SKIP_WITHOUT_NAMESPACES();
  const Outcome o =
      run_python("def add(a, b):\n    return a + b\n\nassert add(2, 3) == 5\n", quick(), Isolation::kNamespaces);
  EXPECT_EQ(o.status, Outcome::Status::kPassed) << o.detail;
  EXPECT_EQ(o.detail, "passed");
}

TEST(Sandbox, FailsOnAnAssertionAndSaysWhy) {
  SKIP_WITHOUT_NAMESPACES();
  const Outcome o = run_python("def add(a, b):\n    return a * b\n\nassert add(2, 3) == 5, 'add is wrong'\n", quick(),
                               Isolation::kNamespaces);
  EXPECT_EQ(o.status, Outcome::Status::kFailed);
  EXPECT_EQ(o.detail, "failed: AssertionError: add is wrong");
}

// As HF code_eval's exec(): SystemExit is an exception like any other, and the program's
// globals start empty (__name__ is the builtins module's, so a __main__ guard does not run).
TEST(Sandbox, SystemExitFailsAndMainGuardsDoNotRun) {
  SKIP_WITHOUT_NAMESPACES();
  EXPECT_EQ(run_python("import sys\nsys.exit(0)\n", quick(), Isolation::kNamespaces).detail, "failed: SystemExit: 0");
  EXPECT_TRUE(run_python("if __name__ == '__main__':\n    raise ValueError('ran')\n", quick(), Isolation::kNamespaces)
                  .passed());
  EXPECT_EQ(run_python("x = 1 +\n", quick(), Isolation::kNamespaces).status, Outcome::Status::kFailed);
}

TEST(Sandbox, AnInfiniteLoopTimesOut) {
  SKIP_WITHOUT_NAMESPACES();
  const Outcome o = run_python("while True:\n    pass\n", quick(0.5), Isolation::kNamespaces);
  EXPECT_EQ(o.status, Outcome::Status::kTimedOut);
  EXPECT_EQ(o.detail, "timed out");
  EXPECT_LT(o.seconds, 3.0);
}

TEST(Sandbox, AForkBombIsBoundedAndNothingOutlivesIt) {
  SKIP_WITHOUT_NAMESPACES();
  const std::string marker = "31.41592" + std::to_string(::getpid());
  // Children that sleep under a name we can find, then the classic bomb.
  const std::string bomb =
      "import os\nfor _ in range(3):\n    if os.fork() == 0:\n        os.execv('/bin/sleep', ['sleep', '" + marker +
      "'])\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
  const Outcome o = run_python(bomb, quick(1.0), Isolation::kNamespaces);
  EXPECT_FALSE(o.passed());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(processes_with(marker), 0) << "a process the program forked outlived it";
}

TEST(Sandbox, TheNetworkIsUnreachable) {
  SKIP_WITHOUT_NAMESPACES();
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(server, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string connect = "import socket\nsocket.create_connection(('127.0.0.1', " +
                              std::to_string(ntohs(addr.sin_port)) + "), timeout=2).close()\n";
  // The same program reaches the host's loopback without isolation: the test can fail.
  EXPECT_TRUE(run_python(connect, quick(), Isolation::kNone).passed());
  const Outcome isolated = run_python(connect, quick(), Isolation::kNamespaces);
  EXPECT_EQ(isolated.status, Outcome::Status::kFailed);
  EXPECT_NE(isolated.detail.find("OSError"), std::string::npos) << isolated.detail;
  ::close(server);
}

// A file qualm holds open (its sample log) is not the program's to write.
TEST(Sandbox, TheParentsFilesAreClosed) {
  SKIP_WITHOUT_NAMESPACES();
  const fs::path file = fs::temp_directory_path() / ("qualm-sandbox-fd-" + std::to_string(::getpid()));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);  // inheritable, as an ofstream's is
  ASSERT_GE(fd, 3);
  const Outcome o =
      run_python("import os\nos.write(" + std::to_string(fd) + ", b'written by the program')\n", quick(), Isolation::kNamespaces);
  ::close(fd);
  EXPECT_EQ(o.detail, "failed: OSError: [Errno 9] Bad file descriptor");
  EXPECT_EQ(fs::file_size(file), 0u);
  fs::remove(file);
}

TEST(Sandbox, MemoryIsLimited) {
  SKIP_WITHOUT_NAMESPACES();
  Limits l = quick();
  l.memory_mb = 256;
  const Outcome o = run_python("x = bytearray(1024 * 1024 * 1024)\n", l, Isolation::kNamespaces);
  EXPECT_EQ(o.detail, "failed: MemoryError: ");
}

TEST(Sandbox, RunAllKeepsOrder) {
  SKIP_WITHOUT_NAMESPACES();
  const std::vector<Outcome> out = run_all({"assert True\n", "assert False\n", "pass\n"}, Policy{});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].passed());
  EXPECT_FALSE(out[1].passed());
  EXPECT_TRUE(out[2].passed());
}

}  // namespace
}  // namespace qualm::exec
