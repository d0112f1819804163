#pragma once
// Test helper: runs one of llama.cpp's tools (built with the pinned llama.cpp) and returns what
// it printed, stdout and stderr together.

#include <cstdio>
#include <string>

#include "core/build_info.h"

namespace qualm::test {

inline std::string run_llama_tool(const std::string& tool, const std::string& args) {
  const std::string command = std::string(build::kLlamaBinDir) + "/" + tool + " " + args + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace qualm::test
