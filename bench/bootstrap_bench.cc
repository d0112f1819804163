// Times qualm::stats::bootstrap_mean_ci (10,000 resamples, 95 %) over cells of metric scores
// on one thread, as aggregate.csv computes them. bench/bootstrap_vs_scipy.py runs it on a data
// file it also feeds to scipy.stats.bootstrap.
//
//   qualm_bench_bootstrap [--data FILE] [--out CIS.csv] [--reps N] [--cells C --samples S]
//
// FILE: one cell per line, its values separated by spaces. Without --data, C cells of S
// uniform [0, 1) values from a fixed seed. Each cell's seed is mix_seed(42, "cell<i>").

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "stats/bootstrap.h"

namespace {

using Cells = std::vector<std::vector<double>>;

Cells read_cells(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot open " << path << "\n";
    std::exit(2);
  }
  Cells cells;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<double> values;
    for (double v; fields >> v;) values.push_back(v);
    if (!values.empty()) cells.push_back(std::move(values));
  }
  return cells;
}

Cells uniform_cells(size_t cells, size_t samples) {
  std::mt19937_64 rng(20250115);
  Cells out(cells, std::vector<double>(samples));
  for (auto& cell : out) {
    for (double& v : cell) v = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, out_path;
  int reps = 5;
  size_t n_cells = 100, n_samples = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--data") data = next();
    else if (arg == "--out") out_path = next();
    else if (arg == "--reps") reps = std::max(1, std::atoi(next().c_str()));
    else if (arg == "--cells") n_cells = std::strtoul(next().c_str(), nullptr, 10);
    else if (arg == "--samples") n_samples = std::strtoul(next().c_str(), nullptr, 10);
    else {
      std::cerr << "unknown option " << arg << " (--data, --out, --reps, --cells, --samples)\n";
      return 2;
    }
  }
  const Cells cells = data.empty() ? uniform_cells(n_cells, n_samples) : read_cells(data);
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < cells.size(); ++i) seeds.push_back(qualm::stats::mix_seed(42, "cell" + std::to_string(i)));

  std::vector<qualm::stats::Interval> cis(cells.size());
  // Wall time, and CPU time, which a busy shared machine disturbs less.
  std::vector<double> wall, cpu;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    for (size_t i = 0; i < cells.size(); ++i) cis[i] = qualm::stats::bootstrap_mean_ci(cells[i], seeds[i], 10000, 0.95);
    cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("cells %zu  resamples 10000  reps %d  median %.4f s  min %.4f s  cpu median %.4f s\n", cells.size(),
              reps, wall[wall.size() / 2], wall.front(), cpu[cpu.size() / 2]);
  if (!out_path.empty()) {
    std::ofstream out(out_path);
    out.precision(17);
    out << "cell,low,high\n";
    for (size_t i = 0; i < cis.size(); ++i) out << i << "," << cis[i].low << "," << cis[i].high << "\n";
  }
  return 0;
}
