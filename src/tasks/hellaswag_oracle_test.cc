// qualm's acc_token_mean on the first 200 HellaSwag tasks equals `llama-perplexity --hellaswag`'s
// accuracy over the same 200 tasks, with --engine-parity llama (llama.cpp's settings).
// stories260K and TinyStories-656K from the shared data.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

#include "backend/llama/llama_backend.h"
#include "core/build_info.h"
#include "core/data_dir.h"
#include "io/compressed_file.h"
#include "io/hellaswag_text.h"
#include "eval/mc_eval.h"
#include "tasks/task_docs.h"
#include "tasks/llama_peer_test_util.h"
#include "tasks/task_registry.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

// llama-perplexity --hellaswag on a file of exactly n_tasks tasks (it scores them in file order
// and shuffles only a subset): the last row it printed, (k, accuracy over the first k tasks).
// Its logger can drop its last lines at exit, more of them on a loaded machine: the row of
// every task is wanted, but a run whose last rows went missing still checks the first k.
std::optional<std::pair<int, double>> llama_hellaswag_rows(const fs::path& model, const fs::path& tasks, int n_tasks) {
  const std::string args = "-m " + model.string() + " -f " + tasks.string() + " --hellaswag --hellaswag-tasks " +
                           std::to_string(n_tasks) + " -t 1";
  const std::regex row("(^|\\n)([0-9]+)\\t([0-9.]+)%");
  std::optional<std::pair<int, double>> best;
  for (int attempt = 0; attempt < 3 && (!best || best->first < n_tasks); ++attempt) {
    const std::string out = test::run_llama_tool("llama-perplexity", args);
    for (auto it = std::sregex_iterator(out.begin(), out.end(), row); it != std::sregex_iterator(); ++it) {
      const int k = std::stoi((*it)[2]);
      if (!best || k > best->first) best = std::make_pair(k, std::stod((*it)[3]));
    }
  }
  return best;
}

// On both real models: stories260K (SentencePiece, 512 tokens) and TinyStories-656K, whose
// vocabulary merges across the context's end, so that llama.cpp's joint tokenization and
// lm-eval's split part ways on some documents. --engine-parity llama: llama.cpp's settings.
void expect_llama_hellaswag(const fs::path& model, const fs::path& data) {
  constexpr int kTasks = 200;
  const fs::path source = data / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2";
  std::vector<HellaswagItem> items = parse_hellaswag_text(read_data_file(source), source.string());
  items.resize(kTasks);

  // One file per model and process: ctest runs the two models' tests at once.
  const fs::path tasks = fs::temp_directory_path() / ("qualm-hellaswag-200-" + model.stem().string() + "-" +
                                                      std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(tasks, std::ios::binary);
    for (const HellaswagItem& it : items) {
      out << it.context << "\n" << it.label << "\n";
      for (const std::string& e : it.endings) out << e << "\n";
    }
  }

  // Through the built-in task file, as `qualm eval --tasks hellaswag --limit 200` scores it.
  const TaskIndex index = index_tasks(fs::path(build::kSourceDir) / "tasks");
  const std::vector<McTask> task = {build_mc_task(index.tasks.at("hellaswag"), "", data, BuildOptions{kTasks, {}})};
  EngineSettings engine;
  engine.parity = "llama";
  llama::LlamaBackend backend(llama::backend_options(model, engine));
  const McTaskScores scores = score_mc_tasks(backend, task)[0];
  const McMetrics& m = scores.metrics;
  ASSERT_EQ(m.n, kTasks);

  const auto peer = llama_hellaswag_rows(model, tasks, kTasks);
  fs::remove(tasks);
  ASSERT_TRUE(peer.has_value()) << "llama-perplexity --hellaswag printed no row";
  ASSERT_GE(peer->first, kTasks - 20) << "llama-perplexity's logger dropped its last " << kTasks - peer->first << " rows";
  int correct = 0;  // qualm's decisions on the same first k tasks
  for (int i = 0; i < peer->first; ++i) correct += scores.scores[static_cast<size_t>(i)].pred_token_mean == task[0].docs[static_cast<size_t>(i)].gold;
  const double ours = 100.0 * correct / peer->first;
  std::printf("HellaSwag first %d, %s: qualm acc_token_mean %.8f%% (over 200: %.2f%%; acc %.2f%%, acc_norm %.2f%%, %d "
              "documents whose two tokenizations differ), llama-perplexity %.8f%%\n",
              peer->first, model.filename().c_str(), ours, 100 * m.acc_token_mean.value, 100 * m.acc.value,
              100 * m.acc_norm.value, m.split_differs, peer->second);
  EXPECT_NEAR(ours, peer->second, 1e-6);
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
