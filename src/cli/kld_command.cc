#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "backend/llama/llama_backend.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/text_input.h"
#include "core/errors.h"
#include "eval/kld.h"
#include "metrics/model_metrics.h"

namespace qualm::cli {
namespace {

struct KldFlags {
  std::string base;
  std::string model;
  std::string file;
  std::string save_base;
  std::string base_file;
  bool json = false;
  EngineSettings engine;
  CLI::Option* ctx_option = nullptr;
};

void add_percentiles(nlohmann::json& out, const std::string& prefix, const Percentiles& p) {
  out[prefix + "_max"] = p.max;
  out[prefix + "_p99_9"] = p.p99_9;
  out[prefix + "_p99"] = p.p99;
  out[prefix + "_p95"] = p.p95;
  out[prefix + "_p90"] = p.p90;
  out[prefix + "_p75"] = p.p75;
  out[prefix + "_median"] = p.median;
  out[prefix + "_p25"] = p.p25;
  out[prefix + "_p10"] = p.p10;
  out[prefix + "_p5"] = p.p5;
  out[prefix + "_p1"] = p.p1;
  out[prefix + "_p0_1"] = p.p0_1;
  out[prefix + "_min"] = p.min;
}

nlohmann::json to_json(const KldRun& run) {
  namespace model = metrics::model;
  const auto stderr_of = [](std::string_view metric) { return std::string(metric) + "_stderr"; };
  const KldSummary& s = run.summary;
  nlohmann::json out = {{model::kKldMean, s.kld_mean},
                        {model::kKldStderr, s.kld_stderr},
                        {model::kSameTop, s.same_top},
                        {model::kSameTopStderr, s.same_top_stderr},
                        {model::kDpMean, s.dp_mean},
                        {model::kDpStderr, s.dp_stderr},
                        {model::kRmsDp, s.rms_dp},
                        {stderr_of(model::kRmsDp), s.rms_dp_stderr},
                        {model::kPplBase, s.ppl_base},
                        {stderr_of(model::kPplBase), s.ppl_base_stderr},
                        {model::kPplModel, s.ppl_model},
                        {stderr_of(model::kPplModel), s.ppl_model_stderr},
                        {model::kPplRatio, s.ppl_ratio},
                        {stderr_of(model::kPplRatio), s.ppl_ratio_stderr},
                        {model::kLnPplRatio, s.ln_ppl_ratio},
                        {stderr_of(model::kLnPplRatio), s.ln_ppl_ratio_stderr},
                        {model::kPplDiff, s.ppl_diff},
                        {stderr_of(model::kPplDiff), s.ppl_diff_stderr},
                        {model::kLogprobCorrelation, s.logprob_correlation},
                        {model::kNTokens, s.n_tokens},
                        {"n_chunks", run.n_chunks},
                        {"context_size", run.context_size},
                        {"seconds", run.seconds}};
  add_percentiles(out, "kld", s.kld);
  add_percentiles(out, "dp", s.dp);
  return out;
}

void print_summary(const KldRun& run) {
  const KldSummary& s = run.summary;
  std::printf("chunks: %d of %d tokens, %lld tokens scored, %.2f s\n\n", run.n_chunks, run.context_size,
              static_cast<long long>(s.n_tokens), run.seconds);
  std::printf("====== Perplexity statistics ======\n");
  std::printf("Mean PPL(Q)                   : %10.6f ± %10.6f\n", s.ppl_model, s.ppl_model_stderr);
  std::printf("Mean PPL(base)                : %10.6f ± %10.6f\n", s.ppl_base, s.ppl_base_stderr);
  std::printf("Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%\n", 100.0 * s.logprob_correlation);
  std::printf("Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", s.ln_ppl_ratio, s.ln_ppl_ratio_stderr);
  std::printf("Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f\n", s.ppl_ratio, s.ppl_ratio_stderr);
  std::printf("Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f\n\n", s.ppl_diff, s.ppl_diff_stderr);
  std::printf("====== KL divergence statistics ======\n");
  std::printf("Mean    KLD: %10.6f ± %10.6f\n", s.kld_mean, s.kld_stderr);
  const Percentiles& k = s.kld;
  std::printf("Maximum KLD: %10.6f\n99.9%%   KLD: %10.6f\n99.0%%   KLD: %10.6f\n95.0%%   KLD: %10.6f\n", k.max, k.p99_9,
              k.p99, k.p95);
  std::printf("90.0%%   KLD: %10.6f\nMedian  KLD: %10.6f\n10.0%%   KLD: %10.6f\n 5.0%%   KLD: %10.6f\n", k.p90,
              k.median, k.p10, k.p5);
  std::printf(" 1.0%%   KLD: %10.6f\n 0.1%%   KLD: %10.6f\nMinimum KLD: %10.6f\n\n", k.p1, k.p0_1, k.min);
  std::printf("====== Token probability statistics ======\n");
  std::printf("Mean    Δp: %6.3f ± %5.3f %%\n", 100 * s.dp_mean, 100 * s.dp_stderr);
  const Percentiles& d = s.dp;
  std::printf("Maximum Δp: %6.3f%%\n99.9%%   Δp: %6.3f%%\n99.0%%   Δp: %6.3f%%\n95.0%%   Δp: %6.3f%%\n", 100 * d.max,
              100 * d.p99_9, 100 * d.p99, 100 * d.p95);
  std::printf("90.0%%   Δp: %6.3f%%\n75.0%%   Δp: %6.3f%%\nMedian  Δp: %6.3f%%\n25.0%%   Δp: %6.3f%%\n", 100 * d.p90,
              100 * d.p75, 100 * d.median, 100 * d.p25);
  std::printf("10.0%%   Δp: %6.3f%%\n 5.0%%   Δp: %6.3f%%\n 1.0%%   Δp: %6.3f%%\n 0.1%%   Δp: %6.3f%%\n", 100 * d.p10,
              100 * d.p5, 100 * d.p1, 100 * d.p0_1);
  std::printf("Minimum Δp: %6.3f%%\n", 100 * d.min);
  std::printf("RMS Δp    : %6.3f ± %5.3f %%\n", 100 * s.rms_dp, 100 * s.rms_dp_stderr);
  std::printf("Same top p: %6.3f ± %5.3f %%\n", 100 * s.same_top, 100 * s.same_top_stderr);
}

int run_kld(const KldFlags& f) {
  ProgressLine progress("kld", "chunks");
  KldOptions options{.context_size = f.engine.chunk_size,
                     .max_chunks = f.engine.max_chunks,
                     .progress = progress.callback(),
                     .text_name = f.base_file.empty() ? f.file : f.base_file};
  std::optional<KldRun> run;
  if (!f.base_file.empty()) {
    if (!f.base.empty()) throw InputError("--base", "cannot be used with --base-file", "give one of them");
    if (f.model.empty()) throw InputError("--model", "is required with --base-file", "name the candidate GGUF");
    BaseFileReader reader(f.base_file);
    if (f.ctx_option->count() > 0 && f.engine.chunk_size != reader.header().n_ctx) {
      throw InputError("-c", "is " + std::to_string(f.engine.chunk_size) + " but " + f.base_file + " was written with " +
                                 std::to_string(reader.header().n_ctx),
                       "drop -c or use -c " + std::to_string(reader.header().n_ctx));
    }
    llama::LlamaBackend model(backend_options(f.model, f.engine));
    if (!f.file.empty()) {
      // The base file carries its own tokens; a --file given too must be the same text.
      const auto tokens = model.model().tokenize(read_eval_text(f.file), true).ids;
      const auto& stored = reader.tokens();
      if (tokens.size() < stored.size() || !std::equal(stored.begin(), stored.end(), tokens.begin())) {
        throw InputError(f.file, "does not tokenize to the tokens stored in " + f.base_file,
                         "use the text the base file was written from, or drop --file");
      }
    }
    run = kld_from_base_file(reader, model, options);
  } else {
    if (f.base.empty()) throw InputError("--base", "is required (or --base-file)", "name the base GGUF");
    if (f.file.empty()) throw InputError("--file", "is required with --base", "name the text to evaluate");
    const std::string text = read_eval_text(f.file);
    llama::LlamaBackend base(backend_options(f.base, f.engine));
    if (f.model.empty()) {
      if (f.save_base.empty()) throw InputError("--model", "is required", "name the candidate GGUF, or give --save-base");
      const int chunks = save_base_file(base, text, options, f.save_base);
      std::cerr << "wrote " << f.save_base << ": " << chunks << " chunks of " << f.engine.chunk_size << " tokens\n";
      return 0;
    }
    llama::LlamaBackend model(backend_options(f.model, f.engine));
    std::optional<std::filesystem::path> save;
    if (!f.save_base.empty()) save = f.save_base;
    run = kld_one_pass(base, model, text, options, save);
  }
  if (f.json) {
    nlohmann::json out = to_json(*run);
    out["base"] = f.base_file.empty() ? f.base : f.base_file;
    out["model"] = f.model;
    out["file"] = f.file;
    out["engine"] = engine_json(f.engine, kChunkCommands);
    std::cout << out.dump(2) << "\n";
  } else {
    print_summary(*run);
  }
  return 0;
}

}  // namespace

void add_kld_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<KldFlags>();
  CLI::App* cmd = app.add_subcommand(
      "kld", "KL divergence of a candidate from a base model, both in one pass (llama.cpp's statistics)");
  cmd->add_option("--base", flags->base, "base GGUF (the reference distribution)");
  cmd->add_option("-m,--model", flags->model, "candidate GGUF");
  cmd->add_option("-f,--file", flags->file, "text file");
  auto* save = cmd->add_option("--save-base", flags->save_base, "also write the base's distributions to this file "
                                                               "(llama.cpp's --kl-divergence-base format)");
  auto* load = cmd->add_option("--base-file", flags->base_file, "read the base's distributions from this file "
                                                               "instead of running --base");
  save->excludes(load);
  add_json_flag(*cmd, flags->json);
  add_engine_flags(*cmd, flags->engine, kChunkCommands);
  flags->ctx_option = cmd->get_option("--ctx-size");
  cmd->callback([flags, &run] { run = [flags] { return run_kld(*flags); }; });
}

}  // namespace qualm::cli
