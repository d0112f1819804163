#include "run/sample_log.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "records/test_records.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

SampleRecord record(int sample, int rep = 0, const char* error = nullptr) {
  return test_records::typed({{"model", "m"},      {"variant", "f32"},    {"backend", "cpu"},
                              {"task_name", "qa"}, {"sample_id", sample}, {"rep", rep},
                              {"error", error ? nlohmann::json(error) : nlohmann::json(nullptr)}});
}

std::string line(const SampleRecord& r) { return r.to_json().dump(); }

class SampleLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qualm-sample-log-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "samples.jsonl";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_, path_;
};

TEST_F(SampleLogTest, AppendsOneLinePerRecordAndRefusesDuplicates) {
  SampleLog log(path_, false);
  log.append({record(0), record(1), record(1, 1)});
  EXPECT_EQ(text(), line(record(0)) + "\n" + line(record(1)) + "\n" + line(record(1, 1)) + "\n");
  EXPECT_TRUE(log.has(record(1, 1).key()));
  EXPECT_FALSE(log.has(record(2).key()));
  EXPECT_THROW(log.append({record(1)}), RunError);
}

TEST_F(SampleLogTest, ANewRunRefusesALogThatHoldsRecords) {
  { SampleLog(path_, false).append({record(0)}); }
  EXPECT_THROW(SampleLog(path_, false), InputError);
}

TEST_F(SampleLogTest, ResumeDropsATornLineAndErrorRecords) {
  {
    std::ofstream out(path_);
    out << line(record(0)) << "\n" << line(record(1, 0, "model failed to load")) << "\n" << line(record(2)) << "\n"
        << line(record(3)).substr(0, 20);  // the kill came mid-write
  }
  SampleLog log(path_, true);
  EXPECT_EQ(log.resumed(), 2);
  EXPECT_EQ(log.dropped_errors(), 1);
  EXPECT_TRUE(log.dropped_torn_line());
  EXPECT_TRUE(log.has(record(0).key()));
  EXPECT_FALSE(log.has(record(1).key()));  // retried
  EXPECT_FALSE(log.has(record(3).key()));
  log.append({record(1), record(3)});
  const std::vector<SampleRecord> all = read_samples(path_);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(line(all[0]), line(record(0)));
  EXPECT_EQ(line(all[1]), line(record(2)));
  EXPECT_EQ(line(all[2]), line(record(1)));
  EXPECT_EQ(line(all[3]), line(record(3)));
}

TEST_F(SampleLogTest, ABadLineBeforeTheLastNamesItsLine) {
  {
    std::ofstream out(path_);
    out << line(record(0)) << "\n{not json\n" << line(record(2)) << "\n";
  }
  try {
    SampleLog log(path_, true);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("samples.jsonl:2"), std::string::npos) << e.what();
  }
}

TEST_F(SampleLogTest, ARecordWithoutARequiredKeyNamesItsLineAndTheKey) {
  nlohmann::json no_task = record(1).to_json();
  no_task.erase("task_name");
  {
    std::ofstream out(path_);
    out << line(record(0)) << "\n" << no_task.dump() << "\n" << line(record(2)) << "\n";
  }
  try {
    read_samples(path_);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("samples.jsonl:2: the record has no \"task_name\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qualm
