#include <cstdio>
#include <iostream>

#include "backend/llama/llama_backend.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/text_input.h"
#include "eval/perplexity.h"

namespace qualm::cli {
namespace {

struct PerplexityFlags {
  std::string model;
  std::string file;
  bool json = false;
  EngineSettings engine;
};

int run_perplexity(const PerplexityFlags& f) {
  const std::string text = read_eval_text(f.file);
  llama::LlamaBackend backend(backend_options(f.model, f.engine));
  ProgressLine progress("perplexity", "chunks");
  backend.set_progress(progress.callback());
  const PerplexityResult r =
      compute_perplexity(backend, text, PerplexityOptions{f.engine.chunk_size, f.engine.max_chunks, f.file});

  if (f.json) {
    nlohmann::json out = {{"ppl", r.ppl},
                          {"ppl_stderr", r.ppl_stderr},
                          {"nll_mean", r.nll_mean},
                          {"nll_stderr", r.nll_stderr},
                          {"n_tokens", r.n_tokens},
                          {"n_chunks", r.n_chunks},
                          {"text_tokens", r.text_tokens},
                          {"seconds", r.seconds},
                          {"tokens_per_second", r.tokens_per_second},
                          {"model", f.model},
                          {"file", f.file},
                          {"add_bos", backend.model().add_bos()},
                          {"engine", engine_json(f.engine, kChunkCommands)}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("model: %s (%s)\n", f.model.c_str(), backend.model().description().c_str());
  std::printf("text: %s, %d tokens; %d chunks of %d, %lld tokens scored\n", f.file.c_str(), r.text_tokens, r.n_chunks,
              r.context_size, static_cast<long long>(r.n_tokens));
  std::printf("time: %.2f s, %.1f tokens/s\n", r.seconds, r.tokens_per_second);
  std::printf("Final estimate: PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_stderr);
  return 0;
}

}  // namespace

void add_perplexity_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<PerplexityFlags>();
  CLI::App* cmd = app.add_subcommand("perplexity", "token perplexity by llama.cpp's method (equal to llama-perplexity)");
  cmd->add_option("-m,--model", flags->model, "GGUF model")->required();
  cmd->add_option("-f,--file", flags->file, "text file")->required();
  add_json_flag(*cmd, flags->json);
  add_engine_flags(*cmd, flags->engine, kChunkCommands);
  cmd->callback([flags, &run] { run = [flags] { return run_perplexity(*flags); }; });
}

}  // namespace qualm::cli
