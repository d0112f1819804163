// gsm8k and gsm8k_cot render the prompts lm-evaluation-harness builds: compared with goldens
// written from lm-eval's task definitions by tests/golden/prompts/make_gsm8k_prompts.py (each
// prompt's SHA-256 and length; the script's --text prints the prompts).

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/build_info.h"
#include "core/data_dir.h"
#include "core/sha256.h"
#include "io/text_file.h"
#include "tasks/gen_docs.h"
#include "tasks/task_registry.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = build::kSourceDir;

TaskSpec spec_of(const std::string& task) {
  const std::vector<SelectedTask> selected = select_tasks({task}, index_tasks(kSource / "tasks"));
  EXPECT_EQ(selected.size(), 1u);
  return selected[0].spec;
}

void expect_golden(const std::string& task, const GenTask& built) {
  const nlohmann::json golden =
      nlohmann::json::parse(read_text_file(kSource / "tests/golden/prompts/gsm8k_prompts.json")).at(task);
  ASSERT_EQ(built.docs.size(), golden.size());
  for (size_t i = 0; i < golden.size(); ++i) {
    const GenDoc& d = built.docs[i];
    EXPECT_EQ(d.prompt.size(), golden[i].at("bytes").get<size_t>()) << task << " document " << i;
    EXPECT_EQ(sha256_hex(d.prompt), golden[i].at("sha256").get<std::string>())
        << task << " document " << i << ": compare with make_gsm8k_prompts.py --text; qualm's prompt:\n"
        << d.prompt;
    ASSERT_TRUE(d.reference.has_value());
    EXPECT_EQ(sha256_hex(*d.reference), golden[i].at("reference_sha256").get<std::string>()) << task << " " << i;
  }
}

#define REQUIRE_DATA() \
  if (!find_data_dir()) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR"

// lm-eval takes gsm8k's shots from train, which the data lacks; the golden takes the test
// split's first documents but the document itself, so the prompt format is compared with that
// sampler. The task file's own (seeded) draws the same number of shots from the same split.
TEST(Gsm8kPromptGolden, Gsm8kFormatAsLmEval) {
  REQUIRE_DATA();
  TaskSpec spec = spec_of("gsm8k");
  EXPECT_EQ(spec.num_fewshot, 5);
  EXPECT_EQ(spec.fewshot.sampler.text, "seeded");
  spec.fewshot.sampler.text = "first_n";
  expect_golden("gsm8k", build_gen_task(spec, "", *find_data_dir(), 20));
}

TEST(Gsm8kPromptGolden, Gsm8kSeededShotsAreOtherTestDocuments) {
  REQUIRE_DATA();
  const GenTask t = build_gen_task(spec_of("gsm8k"), "", *find_data_dir(), 20);
  for (const GenDoc& d : t.docs) {
    size_t shots = 0;
    for (size_t at = d.prompt.find("Question: "); at != std::string::npos; at = d.prompt.find("Question: ", at + 1)) ++shots;
    EXPECT_EQ(shots, 6u) << d.doc_id;  // five shots and the question
    EXPECT_EQ(d.prompt.find(d.prompt.substr(d.prompt.rfind("Question: "))), d.prompt.rfind("Question: "))
        << d.doc_id << ": the document is its own shot";
  }
  EXPECT_NE(t.docs[0].prompt.substr(0, 200), t.docs[1].prompt.substr(0, 200));  // drawn per document
}

TEST(Gsm8kPromptGolden, Gsm8kCotFormatAsLmEval) {
  REQUIRE_DATA();
  const TaskSpec spec = spec_of("gsm8k_cot");
  EXPECT_EQ(spec.num_fewshot, 8);
  expect_golden("gsm8k_cot", build_gen_task(spec, "", *find_data_dir(), 20));
}

// lm-eval's self-consistency variant: 64 samples, first-sample and majority pipelines, the prompt gsm8k_cot's.
TEST(Gsm8kPromptGolden, SelfConsistencyVariant) {
  const TaskSpec spec = spec_of("gsm8k_cot_self_consistency");
  EXPECT_EQ(spec.repeats, 64);
  ASSERT_EQ(spec.filter_list.size(), 3u);
  EXPECT_EQ(spec.filter_list[0].name, "score-first");
  EXPECT_EQ(spec.filter_list[1].name, "maj64");
  EXPECT_EQ(spec.filter_list[2].steps[0].k, 8);
  EXPECT_EQ(spec.generation.temperature, 0.2);
  EXPECT_EQ(spec.doc_to_text.text, spec_of("gsm8k_cot").doc_to_text.text);
  EXPECT_EQ(spec.num_fewshot, 8);
}

}  // namespace
}  // namespace qualm
