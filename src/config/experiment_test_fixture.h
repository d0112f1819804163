#pragma once
// The experiment reader's test fixture: each test's own folder with models/m.gguf, and the
// experiment file written there with data_dir: pointing at it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/experiment.h"

namespace qualm::testing {

namespace fs = std::filesystem;

class ExperimentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / ("qualm_experiment_" + std::to_string(::getpid()) + "_" + test);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    touch("models/m.gguf");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  void touch(const std::string& name) { write(name, "GGUF"); }
  // The experiment file, with data_dir: pointing at the test's folder.
  ExperimentLoad load(const std::string& text) {
    return load_experiment(write("exp.yaml", "data_dir: " + dir_.string() + "\n" + text));
  }
  std::string where(int line) const { return (dir_ / "exp.yaml").string() + ":" + std::to_string(line); }

  fs::path dir_;
};

inline std::string all_messages(const ExperimentLoad& load) {
  std::string out;
  for (const auto& p : load.problems) out += p.message() + "\n";
  return out;
}

// The one problem at `where` that mentions `text`.
inline const ConfigProblem* find_problem(const ExperimentLoad& load, const std::string& where, const std::string& text) {
  for (const auto& p : load.problems) {
    if (p.where == where && p.message().find(text) != std::string::npos) return &p;
  }
  return nullptr;
}

inline constexpr const char* kMinimal =
    "experiment: small\n"
    "models: [{name: m, path: models/m.gguf}]\n"
    "tasks: [qa]\n";

}  // namespace qualm::testing
