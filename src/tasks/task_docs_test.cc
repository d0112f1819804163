#include "tasks/task_docs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TaskDocsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qualm_task_docs_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "data");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  TaskSpec task(const std::string& extra = "") {
    write("t.yaml",
          "task: t\noutput_type: multiple_choice\n"
          "dataset: {path: data/q.csv, fields: {choices: [c0, c1, c2]}}\n"
          "description: \"About {{topic}}.\\n\\n\"\n"
          "vars: {topic: sums}\n"
          "doc_to_text: \"{{question}} =\"\n"
          "doc_to_choice: \"{{choices}}\"\n"
          "doc_to_target: \"{{answer}}\"\n" +
              extra);
    return load_task_spec(dir_ / "t.yaml");
  }
  std::string error_of(const TaskSpec& spec, BuildOptions options = {}) {
    try {
      build_mc_task(spec, "", dir_, options);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
};

const char* kGood =
    "question,c0,c1,c2,answer\n"
    "1+1,2,3,4,0\n"
    "2+2,3,4,5,1\n"
    "\"3+3, in words\",five,six,seven,1\n"
    "4+4,7,8,9,1\n";

// dataset.rows keeps a split held in one file (mbpp's test split is task_id 11-510); a CSV's
// fields are text, read as integers.
TEST_F(TaskDocsTest, RowsSelectARangeOfAnIntegerField) {
  write("data/q.csv", kGood);
  write("r.yaml",
        "task: r\noutput_type: multiple_choice\n"
        "dataset: {path: data/q.csv, fields: {choices: [c0, c1, c2]}, rows: {field: answer, from: 1, to: 1}}\n"
        "doc_to_text: \"{{question}} =\"\ndoc_to_choice: \"{{choices}}\"\ndoc_to_target: \"{{answer}}\"\n");
  const McTask t = build_mc_task(load_task_spec(dir_ / "r.yaml"), "", dir_, BuildOptions{});
  ASSERT_EQ(t.docs.size(), 3u);
  EXPECT_EQ(t.docs[0].context, "2+2 =");
  EXPECT_EQ(t.wheres[0], "data/q.csv:3");
  write("data/q.csv", std::string(kGood) + "5+5,9,10,11,ten\n");
  try {
    build_mc_task(load_task_spec(dir_ / "r.yaml"), "", dir_, BuildOptions{});
    ADD_FAILURE() << "no error for a row whose field is not an integer";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data/q.csv:6: field 'answer' is not an integer (rows, "));
  }
}

TEST_F(TaskDocsTest, RendersWithDescriptionAndOwnSplitShots) {
  write("data/q.csv", kGood);
  const McTask t = build_mc_task(task("num_fewshot: 2\n"), "", dir_, BuildOptions{});
  ASSERT_EQ(t.docs.size(), 4u);
  // First-n shots from the task's own split skip the document itself.
  EXPECT_EQ(t.docs[0].context, "About sums.\n\n2+2 = 4\n\n3+3, in words = six\n\n1+1 =");
  EXPECT_EQ(t.docs[2].context, "About sums.\n\n1+1 = 2\n\n2+2 = 4\n\n3+3, in words =");
  EXPECT_EQ(t.docs[2].choices, (std::vector<std::string>{"five", "six", "seven"}));
  EXPECT_EQ(t.docs[2].gold, 1);
  EXPECT_EQ(t.wheres[2], "data/q.csv:4");
}

TEST_F(TaskDocsTest, LimitAndFewshotOverride) {
  write("data/q.csv", kGood);
  const McTask t = build_mc_task(task("num_fewshot: 2\n"), "", dir_, BuildOptions{2, 0});
  ASSERT_EQ(t.docs.size(), 2u);
  EXPECT_EQ(t.total_docs, 4u);
  EXPECT_EQ(t.docs[1].context, "About sums.\n\n2+2 =");
}

TEST_F(TaskDocsTest, SeededShotsAreStableAndNeverTheDocument) {
  write("data/q.csv", kGood);
  const TaskSpec spec = task("num_fewshot: 3\nfewshot: {sampler: seeded, seed: 7}\n");
  const McTask a = build_mc_task(spec, "", dir_, BuildOptions{});
  const McTask b = build_mc_task(spec, "", dir_, BuildOptions{2, std::nullopt});
  for (size_t i = 0; i < b.docs.size(); ++i) EXPECT_EQ(a.docs[i].context, b.docs[i].context);
  for (size_t i = 0; i < a.docs.size(); ++i) {
    // Three shots from the other three documents: each question appears once, at the end.
    const std::string& c = a.docs[i].context;
    const std::string own = i == 2 ? "3+3, in words =" : std::to_string(i + 1) + "+" + std::to_string(i + 1) + " =";
    EXPECT_TRUE(c.ends_with(own)) << c;
    EXPECT_EQ(c.find(own), c.size() - own.size()) << c;
  }
}

TEST_F(TaskDocsTest, AnswerOutOfRangeNamesLineAndField) {
  write("data/q.csv", "question,c0,c1,c2,answer\n1+1,2,3,4,0\n2+2,3,4,5,3\n");
  const std::string e = error_of(task());
  EXPECT_THAT(e, HasSubstr("data/q.csv:3"));
  EXPECT_THAT(e, HasSubstr("{{answer}}"));
  EXPECT_THAT(e, HasSubstr("out of range for 3 choices"));
}

TEST_F(TaskDocsTest, MissingFieldNamesLineAndField) {
  write("data/q.csv", "question,c0,c1,answer\n1+1,2,3,0\n");
  const std::string e = error_of(task());
  EXPECT_THAT(e, HasSubstr("data/q.csv:2"));
  EXPECT_THAT(e, HasSubstr("field 'c2' is missing"));
}

TEST_F(TaskDocsTest, WrongColumnCountNamesLine) {
  write("data/q.csv", "question,c0,c1,c2,answer\n1+1,2,3,4,0\n2+2,3,4,5\n");
  const std::string e = error_of(task());
  EXPECT_THAT(e, HasSubstr("data/q.csv:3"));
  EXPECT_THAT(e, HasSubstr("row has 4 fields, the header has 5"));
}

TEST_F(TaskDocsTest, TemplateFieldMissingFromJsonl) {
  write("data/q.jsonl", "{\"question\": \"1+1\", \"choices\": [\"2\", \"3\"], \"answer\": 0}\n{\"choices\": [\"2\"], \"answer\": 0}\n");
  write("j.yaml",
        "task: j\noutput_type: multiple_choice\ndataset: {path: data/q.jsonl}\n"
        "doc_to_text: \"{{question}}\"\ndoc_to_choice: \"{{choices}}\"\ndoc_to_target: \"{{answer}}\"\n");
  try {
    build_mc_task(load_task_spec(dir_ / "j.yaml"), "", dir_, BuildOptions{});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data/q.jsonl:2"));
    EXPECT_THAT(e.what(), HasSubstr("question"));
  }
}

TEST_F(TaskDocsTest, MissingDatasetFile) {
  EXPECT_THAT(error_of(task()), HasSubstr("not found"));
}

}  // namespace
}  // namespace qualm
