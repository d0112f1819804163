#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace qualm {

ProgressLine::ProgressLine(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), terminal_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

void ProgressLine::update(int64_t done, int64_t total) {
  const auto now = std::chrono::steady_clock::now();
  const bool last = done >= total;
  const int tenth = total > 0 ? static_cast<int>(10 * done / total) : 10;
  if (terminal_) {
    if (!last && now - last_draw_ < std::chrono::milliseconds(200)) return;
  } else if (tenth == last_tenth_) {
    return;
  }
  last_draw_ = now;
  last_tenth_ = tenth;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  std::fprintf(stderr, "%s%s: %lld/%lld %s, %.1f %s/s, ETA %.0f s%s", terminal_ ? "\r" : "", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total), unit_.c_str(), rate, unit_.c_str(), eta,
               terminal_ ? (last ? "\n" : "") : "\n");
  std::fflush(stderr);
}

ProgressFn ProgressLine::callback() {
  return [this](int64_t done, int64_t total) { update(done, total); };
}

}  // namespace qualm
