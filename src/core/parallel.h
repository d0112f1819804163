#pragma once
// parallel_for over [0, n) with dynamic scheduling on short-lived threads: used between
// decodes, when ggml's own threads are idle.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace qualm {

inline unsigned default_worker_count() { return std::max(1u, std::thread::hardware_concurrency()); }

// fn(worker, index); worker is in [0, workers) so callers can keep per-worker state.
template <typename Fn>
void parallel_for(size_t n, unsigned workers, Fn&& fn) {
  workers = std::max(1u, std::min<unsigned>(workers, static_cast<unsigned>(n)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(0u, i);
    return;
  }
  std::atomic<size_t> next{0};
  auto run = [&](unsigned worker) {
    for (size_t i = next++; i < n; i = next++) fn(worker, i);
  };
  std::vector<std::jthread> threads;
  threads.reserve(workers - 1);
  for (unsigned w = 1; w < workers; ++w) threads.emplace_back(run, w);
  run(0);
}

}  // namespace qualm
