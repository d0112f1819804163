// The built-in task files render the prompts lm-evaluation-harness builds (SPEC S3):
// compared with goldens written by hand from lm-eval's prompt code (tests/golden/prompts).

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/build_info.h"
#include "core/data_dir.h"
#include "io/text_file.h"
#include "tasks/multiple_choice.h"
#include "tasks/task_docs.h"
#include "tasks/task_registry.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = build::kSourceDir;

std::string golden(const std::string& name) { return read_text_file(kSource / "tests/golden/prompts" / name); }

McTask built(const std::string& task, int limit, std::optional<int> shots = std::nullopt) {
  const TaskIndex index = index_tasks(kSource / "tasks");
  const std::vector<SelectedTask> selected = select_tasks({task}, index);
  EXPECT_EQ(selected.size(), 1u);
  return build_mc_task(selected[0].spec, selected[0].group, *find_data_dir(), BuildOptions{limit, shots});
}

#define REQUIRE_DATA() \
  if (!find_data_dir()) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR"

TEST(PromptGolden, MmluZeroShot) {
  REQUIRE_DATA();
  const McTask t = built("mmlu_high_school_us_history", 1);
  ASSERT_EQ(t.docs.size(), 1u);
  EXPECT_EQ(t.docs[0].context, golden("mmlu_high_school_us_history_0shot_doc0.txt"));
  EXPECT_EQ(t.docs[0].choices, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(t.num_fewshot, 0);
}

TEST(PromptGolden, MmluFiveShotFromDev) {
  REQUIRE_DATA();
  const McTask t = built("mmlu_high_school_us_history", 2, 5);
  ASSERT_EQ(t.docs.size(), 2u);
  EXPECT_EQ(t.docs[1].context, golden("mmlu_high_school_us_history_5shot_doc1.txt"));
}

// Typed by hand from the first row of abstract_algebra_test.csv (answer 1 = B).
TEST(PromptGolden, MmluAbstractAlgebraByHand) {
  REQUIRE_DATA();
  const McTask t = built("mmlu_abstract_algebra", 1);
  EXPECT_EQ(t.docs[0].context,
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
            "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n"
            "A. 0\nB. 4\nC. 2\nD. 6\nAnswer:");
  EXPECT_EQ(t.docs[0].gold, 1);
  EXPECT_EQ(t.total_docs, 100u);
}

TEST(PromptGolden, ArcChallenge) {
  REQUIRE_DATA();
  const McTask t = built("arc_challenge", 2);
  EXPECT_EQ(t.docs[1].context, golden("arc_challenge_doc1.txt"));
  EXPECT_EQ(t.docs[1].choices[1], "buildings will be made safer");
  EXPECT_EQ(t.docs[1].gold, 1);
}

TEST(PromptGolden, ArcEasyByHand) {
  REQUIRE_DATA();
  const McTask t = built("arc_easy", 1);
  EXPECT_EQ(t.docs[0].context,
            "Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:");
  EXPECT_EQ(t.docs[0].choices[0], "Sunlight is the source of energy for nearly all ecosystems.");
  EXPECT_EQ(t.docs[0].gold, 0);
}

TEST(PromptGolden, HellaswagSixLineAsItIs) {
  REQUIRE_DATA();
  const McTask t = built("hellaswag", 3);
  EXPECT_EQ(t.docs[2].context, golden("hellaswag_doc2.txt"));
  EXPECT_EQ(t.docs[0].context, "Roof shingle removal: A man is sitting on a roof. he");
  EXPECT_EQ(t.docs[0].choices[3], "starts pulling up roofing on a roof.");
  EXPECT_EQ(t.docs[0].gold, 3);
}

// The original JSONL layout with lm-eval's preprocess(), on two hand-written rows whose
// expected text was worked out by hand (and checked against the Python function).
TEST(PromptGolden, HellaswagOriginalPreprocessing) {
  const TaskIndex index = index_tasks(kSource / "tasks");
  const McTask t = build_mc_task(index.tasks.at("hellaswag_original"), "",
                                 kSource / "tests/golden/hellaswag_original", BuildOptions{});
  ASSERT_EQ(t.docs.size(), 2u);
  EXPECT_EQ(t.docs[0].context, "Roof shingle removal: A man is sitting on a roof. He");
  EXPECT_EQ(t.docs[0].gold, 3);
  EXPECT_EQ(t.docs[1].context, "Home and Garden: How to grow grapes. Choose a sunny spot. grapes need full sun.");
  EXPECT_EQ(t.docs[1].choices,
            (std::vector<std::string>{"Plant them in rows six feet apart.", "Water them. daily.", "Buy seeds.",
                                      "Ask a neighbour."}));
  EXPECT_EQ(t.docs[1].gold, 0);
}

// boolq, sst2 and winogrande: the (context, continuation) requests of the first 20 documents
// equal those lm-eval builds, from its task definitions transcribed in
// tests/golden/prompts/make_lm_eval_requests.py (winogrande: one context per choice).
TEST(PromptGolden, LmEvalRequestsOfBoolqSst2Winogrande) {
  REQUIRE_DATA();
  const nlohmann::json goldens = nlohmann::json::parse(golden("lm_eval_requests.json"));
  for (const std::string name : {"boolq", "sst2", "winogrande"}) {
    const nlohmann::json& expected = goldens.at(name);
    const McTask t = built(name, static_cast<int>(expected.size()));
    ASSERT_EQ(t.docs.size(), expected.size()) << name;
    for (size_t i = 0; i < t.docs.size(); ++i) {
      const std::vector<LoglikelihoodRequest> requests = mc_requests(t.docs[i], t.spec.target_delimiter);
      const nlohmann::json& want = expected[i]["requests"];
      ASSERT_EQ(requests.size(), want.size()) << name << " doc " << i;
      for (size_t c = 0; c < requests.size(); ++c) {
        EXPECT_EQ(requests[c].context, want[c][0].get<std::string>()) << name << " doc " << i << " choice " << c;
        EXPECT_EQ(requests[c].continuation, want[c][1].get<std::string>()) << name << " doc " << i << " choice " << c;
      }
      EXPECT_EQ(t.docs[i].gold, expected[i]["gold"].get<int>()) << name << " doc " << i;
    }
  }
}

TEST(PromptGolden, MmluGroupHasEverySubject) {
  const TaskIndex index = index_tasks(kSource / "tasks");
  ASSERT_EQ(index.groups.count("mmlu"), 1u);
  EXPECT_EQ(index.groups.at("mmlu").size(), 57u);
  for (const std::string& name : index.groups.at("mmlu")) EXPECT_TRUE(name.starts_with("mmlu_")) << name;
}

}  // namespace
}  // namespace qualm
