// qualm's acc_token_mean on the first 200 HellaSwag tasks equals `llama-perplexity --hellaswag`'s
// accuracy over the same 200 tasks, with --engine-parity llama (llama.cpp's settings).
// stories260K and TinyStories-656K from the shared data.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "backend/llama/llama_backend.h"
#include "core/build_info.h"
#include "core/data_dir.h"
#include "io/compressed_file.h"
#include "io/hellaswag_text.h"
#include "eval/mc_eval.h"
#include "tasks/task_docs.h"
#include "tasks/task_registry.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

// The accuracy over the file's first n_tasks tasks. The file holds one task more, and
// llama-perplexity scores every task of it in file order (it shuffles only a subset): its
// logger can drop its last lines at exit, and so row n_tasks is not the last. Run again when
// the row is missing all the same.
std::optional<double> llama_hellaswag_accuracy(const fs::path& model, const fs::path& tasks, int n_tasks) {
  const std::string command = std::string(build::kLlamaBinDir) + "/llama-perplexity -m " + model.string() + " -f " +
                              tasks.string() + " --hellaswag --hellaswag-tasks " + std::to_string(n_tasks + 1) +
                              " -t 1";
  const std::regex final_row("(^|\\n)" + std::to_string(n_tasks) + "\\t([0-9.]+)%");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string out = run_command(command);
    std::smatch m;
    if (std::regex_search(out, m, final_row)) return std::stod(m[2]);
  }
  return std::nullopt;
}

// On both real models: stories260K (SentencePiece, 512 tokens) and TinyStories-656K, whose
// vocabulary merges across the context's end, so that llama.cpp's joint tokenization and
// lm-eval's split part ways on some documents. --engine-parity llama: llama.cpp's settings.
void expect_llama_hellaswag(const fs::path& model, const fs::path& data) {
  const fs::path source = data / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2";
  std::vector<HellaswagItem> items = parse_hellaswag_text(read_data_file(source), source.string());
  items.resize(201);  // 200 scored, and one more so that row 200 is not llama-perplexity's last

  const fs::path tasks = fs::temp_directory_path() / "qualm-hellaswag-200.txt";
  {
    std::ofstream out(tasks, std::ios::binary);
    for (const HellaswagItem& it : items) {
      out << it.context << "\n" << it.label << "\n";
      for (const std::string& e : it.endings) out << e << "\n";
    }
  }

  // Through the built-in task file, as `qualm eval --tasks hellaswag --limit 200` scores it.
  const TaskIndex index = index_tasks(fs::path(build::kSourceDir) / "tasks");
  const std::vector<McTask> task = {build_mc_task(index.tasks.at("hellaswag"), "", data, BuildOptions{200, {}})};
  EngineSettings engine;
  engine.parity = "llama";
  llama::LlamaBackend backend(llama::backend_options(model, engine));
  const McMetrics m = score_mc_tasks(backend, task)[0].metrics;
  ASSERT_EQ(m.n, 200);

  const auto peer = llama_hellaswag_accuracy(model, tasks, 200);
  fs::remove(tasks);
  ASSERT_TRUE(peer.has_value()) << "llama-perplexity --hellaswag printed no final row";
  std::printf("HellaSwag first 200, %s: qualm acc_token_mean %.8f%% (acc %.2f%%, acc_norm %.2f%%, %d documents whose "
              "two tokenizations differ), llama-perplexity %.8f%%\n",
              model.filename().c_str(), 100 * m.acc_token_mean.value, 100 * m.acc.value, 100 * m.acc_norm.value,
              m.split_differs, *peer);
  EXPECT_NEAR(100 * m.acc_token_mean.value, *peer, 1e-6);
}

TEST(HellaswagOracle, AccTokenMeanEqualsLlamaPerplexity) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  expect_llama_hellaswag(*data / "models" / "stories260K.gguf", *data);
}

TEST(HellaswagOracle, AccTokenMeanEqualsLlamaPerplexityOnTinyStories656K) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  expect_llama_hellaswag(*data / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf", *data);
}

}  // namespace
}  // namespace qualm
