#pragma once
// Progress of long work on stderr (SPEC S8): done/total, rate and ETA, rewritten in place
// on a terminal, plain lines at every tenth otherwise.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace qualm {

using ProgressFn = std::function<void(int64_t done, int64_t total)>;

class ProgressLine {
 public:
  ProgressLine(std::string label, std::string unit);
  void update(int64_t done, int64_t total);
  ProgressFn callback();

 private:
  std::string label_;
  std::string unit_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  int last_tenth_ = -1;
};

}  // namespace qualm
