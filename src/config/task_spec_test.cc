#include "config/task_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TaskSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qualm_task_spec_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::string error_of(const fs::path& file) {
    try {
      load_task_spec(file);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
};

const char* kBase =
    "output_type: multiple_choice\n"
    "dataset:\n"
    "  path: data/{{subject}}.csv\n"
    "  fields: {choices: [a, b]}\n"
    "doc_to_text: \"{{q}}\"\n"
    "doc_to_choice: [\"A\", \"B\"]\n"
    "doc_to_target: \"{{answer}}\"\n"
    "num_fewshot: 2\n";

TEST_F(TaskSpecTest, IncludeMergesKeyByKey) {
  write("_base.yaml", kBase);
  const fs::path f = write("t.yaml",
                           "include: _base.yaml\ntask: t\nvars: {subject: x}\n"
                           "dataset: {format: tsv}\nnum_fewshot: 0\n");
  const TaskSpec t = load_task_spec(f);
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.dataset.path.text, "data/{{subject}}.csv");  // kept from the base
  EXPECT_EQ(t.dataset.format.text, "tsv");                 // added by the variant
  EXPECT_EQ(t.dataset.fields.at("choices"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(t.dataset.field_is_list.at("choices"));
  EXPECT_EQ(t.num_fewshot, 0);  // the variant wins
  EXPECT_EQ(t.vars.at("subject"), "x");
  EXPECT_EQ(t.choice_list.size(), 2u);
  EXPECT_THAT(t.doc_to_text.where, HasSubstr("_base.yaml:5"));
  EXPECT_EQ(t.target_delimiter, " ");
  EXPECT_EQ(t.fewshot_delimiter, "\n\n");
}

TEST_F(TaskSpecTest, UnknownKeyNamesLineAndSuggests) {
  write("_base.yaml", kBase);
  const fs::path f = write("t.yaml", "include: _base.yaml\ntask: t\ndoc_to_txt: \"x\"\n");
  const std::string e = error_of(f);
  EXPECT_THAT(e, HasSubstr("t.yaml:3"));
  EXPECT_THAT(e, HasSubstr("unknown key 'doc_to_txt'"));
  EXPECT_THAT(e, HasSubstr("did you mean 'doc_to_text'"));
}

TEST_F(TaskSpecTest, UnknownNestedKey) {
  const fs::path f = write("t.yaml", std::string(kBase) + "task: t\nfewshot: {sampler: first_n, sead: 3}\n");
  EXPECT_THAT(error_of(f), HasSubstr("did you mean 'seed'"));
}

TEST_F(TaskSpecTest, IncludeCycle) {
  write("a.yaml", "include: b.yaml\ntask: a\n");
  const fs::path b = write("b.yaml", "include: a.yaml\ntask: b\n");
  EXPECT_THAT(error_of(b), HasSubstr("include cycle"));
}

TEST_F(TaskSpecTest, MissingKeysAndBadValues) {
  write("_d.yaml", kBase);
  EXPECT_THAT(error_of(write("a.yaml", kBase)), HasSubstr("missing key 'task'"));
  EXPECT_THAT(error_of(write("b.yaml", std::string(kBase) + "task: b\nfewshot: {sampler: random}\n")),
              HasSubstr("use first_n or seeded"));
  EXPECT_THAT(error_of(write("c.yaml", "task: c\noutput_type: multiple_chioce\n")),
              HasSubstr("did you mean 'multiple_choice'"));
  EXPECT_THAT(error_of(write("d.yaml", "include: _d.yaml\ntask: d\nnum_fewshot: two\n")),
              HasSubstr("d.yaml:3: num_fewshot: expected an integer"));
  EXPECT_THAT(error_of(write("d2.yaml", std::string(kBase) + "task: d\nnum_fewshot: 3\n")),
              HasSubstr("d2.yaml:10: key 'num_fewshot' appears twice"));
  EXPECT_THAT(error_of(write("d3.yaml", "task: d\n? [a]\n: 1\n")), HasSubstr("d3.yaml:2: a key must be a name, not a list"));
  EXPECT_THAT(error_of(write("e.yaml", "task: [unclosed\n")), HasSubstr("YAML syntax error"));
  EXPECT_THAT(error_of(dir_ / "missing.yaml"), HasSubstr("task file not found"));
}

TEST_F(TaskSpecTest, RollingAndKldTasksNeedOnlyAText) {
  const char* text = "dataset: {path: d.jsonl}\ndoc_to_text: \"{{page}}\"\n";
  const TaskSpec r = load_task_spec(write("r.yaml", std::string("task: r\noutput_type: loglikelihood_rolling\n") + text));
  EXPECT_EQ(r.output_type.text, "loglikelihood_rolling");
  EXPECT_TRUE(r.doc_to_target.text.empty());
  EXPECT_EQ(load_task_spec(write("k.yaml", std::string("task: k\noutput_type: kld\n") + text)).output_type.text, "kld");
  const fs::path bad = write("b.yaml", std::string("task: b\noutput_type: kld\ndoc_to_choice: [a]\n") + text);
  EXPECT_THAT(error_of(bad), HasSubstr("doc_to_choice is for multiple_choice tasks"));
}

// lm-eval's output_type loglikelihood: doc_to_target is the one continuation; no choices.
TEST_F(TaskSpecTest, LoglikelihoodScoresDocToTarget) {
  const std::string text = "task: l\noutput_type: loglikelihood\ndataset: {path: d.jsonl}\ndoc_to_text: \"{{context}}\"\n";
  const TaskSpec t = load_task_spec(write("l.yaml", text + "doc_to_target: \" {{continuation}}\"\n"));
  EXPECT_EQ(task_kind(t), TaskKind::kMultipleChoice);
  EXPECT_TRUE(scores_one_continuation(t));
  EXPECT_EQ(continuation_delimiter(t), "");
  EXPECT_THAT(error_of(write("n.yaml", text)), HasSubstr("missing key 'doc_to_target'"));
  EXPECT_THAT(error_of(write("c.yaml", text + "doc_to_target: x\ndoc_to_choice: [a]\n")),
              HasSubstr("a loglikelihood task scores doc_to_target"));
  EXPECT_THAT(error_of(write("m.yaml", text + "doc_to_target: x\nmultiple_inputs: true\n")),
              HasSubstr("multiple_inputs is for multiple_choice tasks"));
}

TEST_F(TaskSpecTest, KldContinuation) {
  const std::string text = "dataset: {path: d.jsonl}\ndoc_to_text: \"{{prompt}}\"\n";
  const std::string kld = "task: k\noutput_type: kld\n" + text;
  EXPECT_FALSE(load_task_spec(write("k.yaml", kld)).continuation_tokens);
  EXPECT_EQ(load_task_spec(write("c.yaml", kld + "continuation: {max_new_tokens: 64}\n")).continuation_tokens, 64);
  EXPECT_THAT(error_of(write("z.yaml", kld + "continuation: {max_new_tokens: 0}\n")), HasSubstr("at least 1"));
  EXPECT_THAT(error_of(write("u.yaml", kld + "continuation: {max_new_token: 8}\n")), HasSubstr("did you mean 'max_new_tokens'"));
  EXPECT_THAT(error_of(write("g.yaml", "task: g\noutput_type: generate\n" + text + "continuation: {max_new_tokens: 8}\n")),
              HasSubstr("continuation is for kld tasks"));
}

TEST_F(TaskSpecTest, ChatKeys) {
  write("_base.yaml", kBase);
  const TaskSpec t = load_task_spec(write("t.yaml", "include: _base.yaml\ntask: t\napply_chat_template: true\n"
                                                    "system_prompt: Be brief.\nfewshot_as_multiturn: true\n"
                                                    "gen_prefix: \"Answer: {{q}}\"\n"));
  EXPECT_TRUE(t.chat.apply_chat_template);
  EXPECT_EQ(t.chat.system_prompt, "Be brief.");
  EXPECT_TRUE(t.chat.fewshot_as_multiturn);
  EXPECT_EQ(t.chat.gen_prefix, "Answer: {{q}}");
  EXPECT_THAT(t.chat_where, HasSubstr("t.yaml:3"));
  EXPECT_EQ(continuation_delimiter(t), "");  // lm-eval drops target_delimiter under a chat template

  // generation_kwargs.chat is the older spelling of apply_chat_template.
  const TaskSpec g = load_task_spec(write("g.yaml", "task: g\noutput_type: generate\ndataset: {path: d.jsonl}\n"
                                                    "doc_to_text: \"{{q}}\"\ngeneration_kwargs: {chat: true}\n"));
  EXPECT_TRUE(g.chat.apply_chat_template);
  EXPECT_FALSE(g.chat.fewshot_as_multiturn);

  EXPECT_THAT(error_of(write("m.yaml", "include: _base.yaml\ntask: m\nfewshot_as_multiturn: true\n")),
              AllOf(HasSubstr("m.yaml:3"), HasSubstr("fewshot_as_multiturn needs apply_chat_template")));
  EXPECT_THAT(error_of(write("b.yaml", "include: _base.yaml\ntask: b\n\napply_chat_template: yes please\n")),
              AllOf(HasSubstr("b.yaml:4"), HasSubstr("apply_chat_template: expected true or false")));
  EXPECT_THAT(error_of(write("w.yaml", "include: _base.yaml\ntask: w\nmultiple_inputs: true\ngen_prefix: x\n")),
              AllOf(HasSubstr("w.yaml:4"), HasSubstr("multiple_inputs")));

  // mc_mode: generate turns a multiple-choice task into a generate task; nothing else takes it.
  const TaskSpec mc = load_task_spec(write("mc.yaml", "include: _base.yaml\ntask: mc\nmc_mode: generate\n"));
  EXPECT_EQ(mc.chat.mc_mode, McMode::kGenerate);
  EXPECT_EQ(task_kind(mc), TaskKind::kGenerate);
  EXPECT_THAT(error_of(write("mm.yaml", "include: _base.yaml\ntask: mm\nmc_mode: letters\n")),
              AllOf(HasSubstr("mm.yaml:3"), HasSubstr("expected loglikelihood or generate")));
  EXPECT_THAT(error_of(write("mg.yaml", "task: mg\noutput_type: generate\ndataset: {path: d.jsonl}\n"
                                        "doc_to_text: \"{{q}}\"\nmc_mode: generate\n")),
              AllOf(HasSubstr("mg.yaml:5"), HasSubstr("is output_type generate")));
}

}  // namespace
}  // namespace qualm
