#include "config/experiment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "config/experiment_test_fixture.h"
#include "core/data_dir.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using namespace qualm::testing;  // NOLINT: the fixture and its helpers

TEST_F(ExperimentTest, ReadsEveryKey) {
  touch("models/m-q6.gguf");
  touch("models/embed.gguf");
  touch("imatrix.dat");
  write("costs.csv", "model,variant,backend,usd_per_million_tokens\nm,f32,cpu,0.5\n\"m\",Q8_0,cpu-fa,0.25\n");
  const ExperimentLoad load = this->load(
      "experiment: backend-equivalence\n"
      "defaults: {temperature: 0.7, max_new_tokens: 64, seed: 7, warmup: 0, repetitions: 3}\n"
      "models:\n"
      "  - name: m\n"
      "    path: models/m.gguf\n"
      "    variants: [f32, {quantize: q8_0}, {quantize: Q4_K_M, name: q4km, imatrix: ./imatrix.dat},\n"
      "               {name: q6, path: ./models/m-q6.gguf}]\n"
      "    params: 260000\n"
      "backends:\n"
      "  - {name: cpu, type: llama, threads: 2}\n"
      "  - name: cpu-fa\n"
      "    device: CUDA\n"
      "    threads: 4\n"
      "    n_gpu_layers: 10\n"
      "    flash_attn: true\n"
      "    kv_type: q8_0\n"
      "    cache_type_v: F16\n"
      "    batch_size: 512\n"
      "    ubatch_size: 128\n"
      "    context_size: 1024\n"
      "tasks: [summarization, {name: mmlu, limit: 5, num_fewshot: 0, temperature: 0.2, max_new_tokens: 8,"
      " repetitions: 2}]\n"
      "embedding_model: {path: models/embed.gguf, layer: 17}\n"
      "skip: [{model: m, variant: q4km, backend: cpu-fa, task: mmlu, why: not needed}]\n"
      "cost: costs.csv\n"
      "gates: [\"rouge_l@summarization >= baseline.ci_low\"]\n");
  ASSERT_TRUE(load.problems.empty()) << all_messages(load);
  const Experiment& e = load.experiment;
  EXPECT_EQ(e.name, "backend-equivalence");
  EXPECT_EQ(e.file, dir_ / "exp.yaml");
  EXPECT_THAT(e.text, HasSubstr("experiment: backend-equivalence\n"));
  EXPECT_EQ(e.data_dir, dir_);
  EXPECT_DOUBLE_EQ(e.defaults.temperature, 0.7);
  EXPECT_EQ(e.defaults.max_new_tokens, 64);
  EXPECT_EQ(e.defaults.seed, 7u);
  EXPECT_EQ(e.defaults.warmup, 0);
  EXPECT_EQ(e.defaults.repetitions, 3);

  ASSERT_EQ(e.models.size(), 1u);
  const ModelSpec& m = e.models[0];
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.path, dir_ / "models/m.gguf");
  EXPECT_EQ(m.where, where(5));
  ASSERT_TRUE(m.params.has_value());
  EXPECT_DOUBLE_EQ(*m.params, 260000);
  ASSERT_EQ(m.variants.size(), 4u);
  EXPECT_EQ(m.variants[0].name, "f32");
  EXPECT_EQ(m.variants[0].path, m.path);
  EXPECT_FALSE(m.variants[0].quantize.has_value());
  EXPECT_EQ(m.variants[1].name, "q8_0");  // as written
  EXPECT_EQ(m.variants[1].quantize, "Q8_0");
  EXPECT_TRUE(m.variants[1].path.empty());
  EXPECT_EQ(m.variants[2].name, "q4km");
  EXPECT_EQ(m.variants[2].quantize, "Q4_K_M");
  EXPECT_EQ(m.variants[2].imatrix, dir_ / "imatrix.dat");
  EXPECT_EQ(m.variants[3].name, "q6");
  EXPECT_EQ(m.variants[3].path, dir_ / "models/m-q6.gguf");
  EXPECT_EQ(m.variants[3].where, where(8));

  ASSERT_EQ(e.backends.size(), 2u);
  EXPECT_EQ(e.backends[0].name, "cpu");
  EXPECT_EQ(e.backends[0].engine.threads, 2);
  EXPECT_EQ(e.backends[0].engine.gpu_layers, -1);
  EXPECT_EQ(e.backends[0].engine.flash_attn, "");  // the parity's default: off (llama: auto)
  const BackendSpec& b = e.backends[1];
  EXPECT_EQ(b.name, "cpu-fa");
  EXPECT_EQ(b.type, "llama");
  EXPECT_EQ(b.device, "cuda");
  EXPECT_EQ(b.engine.threads, 4);
  EXPECT_EQ(b.engine.gpu_layers, 10);
  EXPECT_EQ(b.engine.flash_attn, "on");
  EXPECT_EQ(b.engine.cache_type_k, "q8_0");  // from kv_type
  EXPECT_EQ(b.engine.cache_type_v, "f16");   // cache_type_v wins over kv_type
  EXPECT_EQ(b.engine.batch_size, 512);
  EXPECT_EQ(b.engine.ubatch_size, 128);
  EXPECT_EQ(b.engine.context_size, 1024);
  EXPECT_EQ(b.where, where(12));

  ASSERT_EQ(e.tasks.size(), 2u);
  EXPECT_EQ(e.tasks[0].name, "summarization");
  EXPECT_EQ(e.tasks[0].limit, -1);
  EXPECT_FALSE(e.tasks[0].num_fewshot.has_value());
  EXPECT_EQ(e.tasks[1].name, "mmlu");
  EXPECT_EQ(e.tasks[1].limit, 5);
  EXPECT_EQ(e.tasks[1].num_fewshot, 0);
  EXPECT_EQ(e.tasks[1].temperature, 0.2);
  EXPECT_EQ(e.tasks[1].max_new_tokens, 8);
  EXPECT_EQ(e.tasks[1].repetitions, 2);
  EXPECT_EQ(e.tasks[1].where, where(22));

  ASSERT_TRUE(e.embedding_model.has_value());
  EXPECT_EQ(e.embedding_model->path, dir_ / "models/embed.gguf");
  EXPECT_EQ(e.embedding_model->layer, 17);

  ASSERT_EQ(e.skip.size(), 1u);
  EXPECT_EQ(e.skip[0].model, "m");
  EXPECT_EQ(e.skip[0].variant, "q4km");
  EXPECT_EQ(e.skip[0].backend, "cpu-fa");
  EXPECT_EQ(e.skip[0].task, "mmlu");
  EXPECT_EQ(e.skip[0].why, "not needed");
  EXPECT_EQ(e.skip[0].where, where(24));

  EXPECT_EQ(e.cost_file, dir_ / "costs.csv");
  ASSERT_EQ(e.costs.size(), 2u);
  EXPECT_EQ(e.costs[1].model, "m");
  EXPECT_EQ(e.costs[1].variant, "Q8_0");
  EXPECT_EQ(e.costs[1].backend, "cpu-fa");
  EXPECT_DOUBLE_EQ(e.costs[1].usd_per_million_tokens, 0.25);
  EXPECT_EQ(e.costs[1].where, (dir_ / "costs.csv").string() + ":3");

  ASSERT_EQ(e.gates.size(), 1u);
  EXPECT_EQ(e.gates[0].text, "rouge_l@summarization >= baseline.ci_low");
  EXPECT_EQ(e.gates[0].where, where(26));
}

TEST_F(ExperimentTest, DefaultsWhenKeysAreAbsent) {
  const ExperimentLoad load = this->load(kMinimal);
  ASSERT_TRUE(load.problems.empty()) << all_messages(load);
  const Experiment& e = load.experiment;
  EXPECT_DOUBLE_EQ(e.defaults.temperature, 0.0);
  EXPECT_EQ(e.defaults.max_new_tokens, 256);
  EXPECT_EQ(e.defaults.seed, 42u);
  EXPECT_EQ(e.defaults.warmup, 2);
  EXPECT_EQ(e.defaults.repetitions, 1);
  ASSERT_EQ(e.models.size(), 1u);
  ASSERT_EQ(e.models[0].variants.size(), 1u);
  EXPECT_EQ(e.models[0].variants[0].name, "base");
  EXPECT_EQ(e.models[0].variants[0].path, dir_ / "models/m.gguf");
  EXPECT_FALSE(e.models[0].params.has_value());
  ASSERT_EQ(e.backends.size(), 1u);
  EXPECT_EQ(e.backends[0].name, "cpu");
  EXPECT_EQ(e.backends[0].type, "llama");
  EXPECT_EQ(e.backends[0].device, "cpu");
  EXPECT_EQ(e.backends[0].engine.cache_type_k, "f16");
  EXPECT_FALSE(e.embedding_model.has_value());
  EXPECT_TRUE(e.skip.empty());
  EXPECT_TRUE(e.cost_file.empty());
  EXPECT_TRUE(e.gates.empty());
}

TEST_F(ExperimentTest, QuantizationHarmThresholds) {
  const ExperimentLoad defaults = this->load(kMinimal);
  EXPECT_DOUBLE_EQ(defaults.experiment.max_ppl_delta_pct, 5);
  EXPECT_DOUBLE_EQ(defaults.experiment.max_category_kld, 0.05);
  EXPECT_DOUBLE_EQ(defaults.experiment.min_same_top, 0.9);
  EXPECT_DOUBLE_EQ(defaults.experiment.non_degenerate_repetition, 0.5);
  const ExperimentLoad set = this->load(std::string(kMinimal) +
                                        "analysis: {max_ppl_delta_pct: 2, max_category_kld: 0.1, min_same_top: 0.95,"
                                        " non_degenerate_repetition: 0.3}\n");
  ASSERT_TRUE(set.problems.empty()) << all_messages(set);
  EXPECT_DOUBLE_EQ(set.experiment.max_ppl_delta_pct, 2);
  EXPECT_DOUBLE_EQ(set.experiment.max_category_kld, 0.1);
  EXPECT_DOUBLE_EQ(set.experiment.min_same_top, 0.95);
  EXPECT_DOUBLE_EQ(set.experiment.non_degenerate_repetition, 0.3);
  const ExperimentLoad bad = this->load(std::string(kMinimal) + "analysis: {min_same_top: 90}\n");
  EXPECT_NE(find_problem(bad, where(5), "analysis.min_same_top"), nullptr) << all_messages(bad);
}

TEST_F(ExperimentTest, CodeExecutionIsOptIn) {
  EXPECT_FALSE(this->load(kMinimal).experiment.code_execution.has_value());
  const ExperimentLoad set =
      this->load(std::string(kMinimal) + "code_execution: {allow: true, isolation: none, timeout_s: 10, memory_mb: 512}\n");
  ASSERT_TRUE(set.problems.empty()) << set.problems[0].message();
  ASSERT_TRUE(set.experiment.code_execution.has_value());
  EXPECT_EQ(set.experiment.code_execution->isolation, exec::Isolation::kNone);
  EXPECT_EQ(set.experiment.code_execution->limits.timeout_s, 10);
  EXPECT_EQ(set.experiment.code_execution->limits.memory_mb, 512);
  EXPECT_FALSE(this->load(std::string(kMinimal) + "code_execution: {allow: false}\n").experiment.code_execution);
  const ExperimentLoad bad = this->load(std::string(kMinimal) + "code_execution: {allow: true, isolation: chroot}\n");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_NE(bad.problems[0].message().find("code_execution.isolation: 'chroot' is not namespaces or none"), std::string::npos)
      << bad.problems[0].message();
  EXPECT_EQ(this->load(std::string(kMinimal) + "code_execution: {isolation: none}\n").problems.size(), 1u);
}

TEST_F(ExperimentTest, ExpandsEnvironmentVariables) {
  ::setenv("QUALM_TEST_EXP_DIR", dir_.c_str(), 1);
  ::setenv("QUALM_TEST_EXP_MODEL", "m", 1);
  ::unsetenv("QUALM_TEST_EXP_UNSET");
  const ExperimentLoad load = load_experiment(write("exp.yaml",
                                                    "experiment: env-$HOME\n"
                                                    "data_dir: ${QUALM_TEST_EXP_DIR}\n"
                                                    "models: [{name: m, path: \"models/${QUALM_TEST_EXP_MODEL}.gguf\"}]\n"
                                                    "tasks: [qa, \"${QUALM_TEST_EXP_UNSET}\"]\n"));
  EXPECT_EQ(load.experiment.name, "env-$HOME");  // only ${VAR} expands
  EXPECT_EQ(load.experiment.data_dir, dir_);
  ASSERT_EQ(load.experiment.models.size(), 1u);
  EXPECT_EQ(load.experiment.models[0].path, dir_ / "models/m.gguf");
  ASSERT_EQ(load.problems.size(), 1u) << all_messages(load);
  EXPECT_EQ(load.problems[0].message(),
            where(4) + ": environment variable 'QUALM_TEST_EXP_UNSET' is not set "
                       "(set QUALM_TEST_EXP_UNSET or remove the key)");

  // Unquoted inside a flow mapping, ${ reads as YAML: the fix says to quote it.
  const ExperimentLoad unquoted = load_experiment(write("exp.yaml", "experiment: e\nmodels: [{path: ${X}.gguf}]\n"));
  ASSERT_EQ(unquoted.problems.size(), 1u) << all_messages(unquoted);
  EXPECT_EQ(unquoted.problems[0].where, where(2));
  EXPECT_THAT(unquoted.problems[0].fix, HasSubstr("quote values that use ${VAR}"));
}

TEST_F(ExperimentTest, UnsetQualmDataDirFallsBackToTheDefault) {
  const char* saved = std::getenv("QUALM_DATA_DIR");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("QUALM_DATA_DIR");
  const ExperimentLoad load = load_experiment(write("exp.yaml",
                                                    "experiment: e\n"
                                                    "data_dir: ${QUALM_DATA_DIR}\n"
                                                    "models: [{name: m, path: ./models/m.gguf}]\n"
                                                    "tasks: [qa]\n"));
  const auto expected = find_data_dir();
  if (saved) ::setenv("QUALM_DATA_DIR", saved_value.c_str(), 1);
  EXPECT_TRUE(load.problems.empty()) << all_messages(load);
  EXPECT_EQ(load.experiment.data_dir, expected.value_or(fs::path()));
  EXPECT_EQ(load.experiment.models[0].path, dir_ / "models/m.gguf");  // ./ is from the file's folder
}

TEST_F(ExperimentTest, CollectsEveryProblemWithItsLine) {
  const ExperimentLoad load = this->load(
      "experiment: many\n"                                         // 2
      "defaults: {temprature: 0.5, max_new_tokens: 0}\n"           // 3
      "models:\n"                                                  // 4
      "  - name: m\n"                                              // 5
      "    path: models/missing.gguf\n"                            // 6
      "backends:\n"                                                // 7
      "  - {name: cpu, threads: many}\n"                           // 8
      "tasks: [qa, {name: mmlu, limit: 0}]\n"                      // 9
      "colour: blue\n");                                           // 10
  EXPECT_EQ(load.problems.size(), 6u) << all_messages(load);
  const ConfigProblem* typo = find_problem(load, where(3), "unknown key 'temprature' in defaults");
  ASSERT_NE(typo, nullptr) << all_messages(load);
  EXPECT_EQ(typo->message(), where(3) + ": unknown key 'temprature' in defaults (did you mean 'temperature'?)");
  EXPECT_NE(find_problem(load, where(3), "defaults.max_new_tokens must be at least 1, got 0"), nullptr);
  const ConfigProblem* model = find_problem(load, where(6), "model file not found");
  ASSERT_NE(model, nullptr) << all_messages(load);
  EXPECT_THAT(model->problem, HasSubstr((dir_ / "models/missing.gguf").string()));
  EXPECT_NE(find_problem(load, where(8), "threads: expected a whole number, got 'many'"), nullptr);
  EXPECT_NE(find_problem(load, where(9), "limit must be at least 1, got 0"), nullptr);
  EXPECT_NE(find_problem(load, where(10), "unknown key 'colour' in the experiment file"), nullptr);
}

TEST_F(ExperimentTest, MissingRequiredKeysAndWrongShapes) {
  const std::string file = write("exp.yaml", "data_dir: " + dir_.string() + "\ndefaults: [1, 2]\nbackends: {name: cpu}\n").string();
  const ExperimentLoad load = load_experiment(file);
  EXPECT_EQ(load.problems.size(), 5u) << all_messages(load);
  EXPECT_NE(find_problem(load, file, "missing key 'experiment'"), nullptr);
  EXPECT_NE(find_problem(load, file, "missing key 'models'"), nullptr);
  EXPECT_NE(find_problem(load, file, "missing key 'tasks'"), nullptr);
  EXPECT_NE(find_problem(load, where(2), "defaults: expected a mapping, got a list"), nullptr);
  EXPECT_NE(find_problem(load, where(3), "backends: expected a list, got a mapping"), nullptr);
}

TEST_F(ExperimentTest, VariantProblems) {
  const ExperimentLoad load = this->load(
      "experiment: v\n"
      "models:\n"
      "  - name: m\n"
      "    path: models/m.gguf\n"
      "    variants: [f32, {quantize: Q4_K_N}, {quantize: F16, name: f32}, {path: models/m.gguf},\n"  // 6
      "               {quantize: Q8_0, imatrix: nope.dat}]\n"                                         // 7
      "  - name: only-files\n"
      "    variants: [{name: a, path: models/m.gguf}]\n"
      "  - name: needs-path\n"                                                                       // 10
      "    variants: [{quantize: Q8_0}]\n"
      "tasks: [qa]\n");
  EXPECT_EQ(load.problems.size(), 5u) << all_messages(load);
  const ConfigProblem* quant = find_problem(load, where(6), "quantize: unknown value 'Q4_K_N'");
  ASSERT_NE(quant, nullptr) << all_messages(load);
  EXPECT_EQ(quant->fix, "did you mean 'Q4_K_M'?");
  EXPECT_NE(find_problem(load, where(6), "variant 'f32' appears twice"), nullptr);
  EXPECT_NE(find_problem(load, where(6), "a variant with path: needs a name:"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "imatrix file not found: " + (dir_ / "nope.dat").string()), nullptr);
  EXPECT_NE(find_problem(load, where(10), "model 'needs-path' has no path"), nullptr);
  ASSERT_EQ(load.experiment.models.size(), 3u);
  EXPECT_EQ(load.experiment.models[1].variants[0].path, dir_ / "models/m.gguf");
}

TEST_F(ExperimentTest, BackendProblems) {
  const ExperimentLoad load = this->load(
      "experiment: b\n"
      "models: [{name: m, path: models/m.gguf}]\n"
      "backends:\n"
      "  - {name: remote, type: openai}\n"                             // 5
      "  - {name: x, type: lama, device: cudaa, flash_attn: maybe}\n"   // 6
      "  - {name: x, cache_type_k: q3_k, gpu_layers: -2}\n"            // 7
      "  - {name: fa, flash_attn: off}\n"
      "tasks: [qa]\n");
  EXPECT_EQ(load.problems.size(), 8u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(5), "a backend of type openai needs base_url"), nullptr);
  EXPECT_NE(find_problem(load, where(5), "a backend of type openai needs model (the name the server serves)"), nullptr);
  EXPECT_NE(find_problem(load, where(6), "type: unknown value 'lama' (did you mean 'llama'?)"), nullptr);
  EXPECT_NE(find_problem(load, where(6), "device: unknown value 'cudaa' (did you mean 'cuda'?)"), nullptr);
  EXPECT_NE(find_problem(load, where(6), "flash_attn: unknown value 'maybe'"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "backend 'x' appears twice"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "cache_type_k: unknown value 'q3_k'"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "gpu_layers must be at least -1, got -2"), nullptr);
  ASSERT_EQ(load.experiment.backends.size(), 4u);
  EXPECT_EQ(load.experiment.backends[3].engine.flash_attn, "off");
}

TEST_F(ExperimentTest, ChatKeysInDefaultsAndTasks) {
  const ExperimentLoad load = this->load(
      "experiment: c\n"
      "defaults: {apply_chat_template: true, system_prompt: Be brief.}\n"
      "models: [{name: m, path: models/m.gguf}]\n"
      "backends: [{name: cpu, type: llama}]\n"
      "tasks:\n"
      "  - {name: qa, fewshot_as_multiturn: true, gen_prefix: 'So'}\n"
      "  - {name: mmlu, apply_chat_template: sometimes, mc_mode: letters}\n"  // 8
      "  - {name: arc_easy, mc_mode: generate}\n");
  ASSERT_EQ(load.problems.size(), 2u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(8), "apply_chat_template"), nullptr) << all_messages(load);
  EXPECT_NE(find_problem(load, where(8), "mc_mode: unknown value 'letters'"), nullptr) << all_messages(load);
  const Experiment& e = load.experiment;
  EXPECT_EQ(e.defaults.chat.apply_chat_template, true);
  EXPECT_EQ(e.defaults.chat.system_prompt, "Be brief.");
  EXPECT_FALSE(e.defaults.chat.fewshot_as_multiturn.has_value());
  ASSERT_EQ(e.tasks.size(), 3u);
  EXPECT_EQ(e.tasks[2].chat.mc_mode, McMode::kGenerate);
  EXPECT_EQ(e.tasks[0].chat.fewshot_as_multiturn, true);
  EXPECT_EQ(e.tasks[0].chat.gen_prefix, "So");
  ChatSettings s;
  e.defaults.chat.apply_to(s);
  e.tasks[0].chat.apply_to(s);
  EXPECT_TRUE(s.apply_chat_template && s.fewshot_as_multiturn);
  EXPECT_EQ(s.system_prompt, "Be brief.");
}

TEST_F(ExperimentTest, SkipRuleNamingAnUnknownBackend) {
  const ExperimentLoad load = this->load(
      "experiment: s\n"
      "models: [{name: m, path: models/m.gguf, variants: [f32, {quantize: Q8_0}]}]\n"
      "backends: [{name: cpu}, {name: cpu-fa, flash_attn: on}]\n"
      "tasks: [qa]\n"
      "skip:\n"
      "  - {backend: cpu-fb, why: slow}\n"            // 7
      "  - {model: m, variant: Q4_0, why: later}\n"   // 8
      "  - {task: qa}\n");                            // 9
  EXPECT_EQ(load.problems.size(), 3u) << all_messages(load);
  const ConfigProblem* backend = find_problem(load, where(7), "skip names backend 'cpu-fb'");
  ASSERT_NE(backend, nullptr) << all_messages(load);
  EXPECT_EQ(backend->fix, "did you mean 'cpu-fa'?");
  EXPECT_NE(find_problem(load, where(8), "skip names variant 'Q4_0'"), nullptr);
  EXPECT_NE(find_problem(load, where(9), "a skip rule needs why:"), nullptr);
}

TEST_F(ExperimentTest, CostCsvProblemsNameTheirLine) {
  write("costs.csv",
        "model,variant,backend,usd_per_million_tokens\n"
        "m,base,cpu,0.5\n"
        "m,base,gpu,cheap\n"
        "m,base\n");
  const ExperimentLoad load = this->load(std::string(kMinimal) + "cost: costs.csv\n");
  const std::string csv = (dir_ / "costs.csv").string();
  EXPECT_EQ(load.problems.size(), 2u) << all_messages(load);
  const ConfigProblem* number = find_problem(load, csv + ":3", "usd_per_million_tokens");
  ASSERT_NE(number, nullptr) << all_messages(load);
  EXPECT_THAT(number->problem, HasSubstr("'cheap'"));
  EXPECT_NE(find_problem(load, csv + ":4", "expected 4 fields, got 2"), nullptr);
  ASSERT_EQ(load.experiment.costs.size(), 1u);
  EXPECT_EQ(load.experiment.costs[0].backend, "cpu");

  write("costs.csv", "model,variant,backend,usd_per_m_tokens\nm,base,cpu,1\n");
  const ExperimentLoad renamed = this->load(std::string(kMinimal) + "cost: costs.csv\n");
  ASSERT_EQ(renamed.problems.size(), 1u) << all_messages(renamed);
  EXPECT_EQ(renamed.problems[0].where, csv + ":1");
  EXPECT_EQ(renamed.problems[0].problem, "missing column 'usd_per_million_tokens'");
}

TEST_F(ExperimentTest, MissingModelAndEmbeddingFiles) {
  const ExperimentLoad load = this->load(
      "experiment: files\n"
      "models: [{name: m, path: models/gone.gguf}]\n"   // 3
      "tasks: [qa]\n"
      "embedding_model: {path: /nonexistent/embed.gguf, layer: 3}\n");  // 5
  ASSERT_EQ(load.problems.size(), 2u) << all_messages(load);
  EXPECT_EQ(load.problems[0].message(), where(3) + ": model file not found: " + (dir_ / "models/gone.gguf").string() +
                                            " (check the path)");
  EXPECT_EQ(load.problems[1].where, where(5));
  EXPECT_EQ(load.problems[1].problem, "embedding model file not found: /nonexistent/embed.gguf");
}

TEST_F(ExperimentTest, EmptyValuesAreReportedOnTheirKeysLine) {
  const ExperimentLoad load = this->load(
      "experiment: empty\n"
      "models:\n"
      "  - name: m\n"
      "    path:\n"             // 5: yaml-cpp marks the empty value at the next token, line 9
      "\n"
      "    # a comment\n"
      "\n"
      "    params: 5\n"
      "tasks: [qa, {name: }]\n"  // 10
      "cost: gone.csv\n");       // 11
  EXPECT_EQ(load.problems.size(), 3u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(5), "model path: expected a single value, got nothing"), nullptr);
  EXPECT_NE(find_problem(load, where(10), "task name: expected a single value, got nothing"), nullptr);
  EXPECT_NE(find_problem(load, where(11), "cost file not found: " + (dir_ / "gone.csv").string()), nullptr);
}

TEST_F(ExperimentTest, YamlSyntaxErrorIsOneProblem) {
  const ExperimentLoad load = load_experiment(write("exp.yaml", "experiment: x\nmodels: [a, b\ntasks: [qa]\n"));
  ASSERT_EQ(load.problems.size(), 1u) << all_messages(load);
  EXPECT_THAT(load.problems[0].message(), HasSubstr("YAML syntax error"));
  EXPECT_THAT(load.problems[0].where, HasSubstr("exp.yaml:"));
}

TEST_F(ExperimentTest, MissingExperimentFileIsAProblem) {
  const ExperimentLoad load = load_experiment(dir_ / "absent.yaml");
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].message(), (dir_ / "absent.yaml").string() + ": experiment file not found (check the path)");
}

}  // namespace
}  // namespace qualm
