#include "config/engine_options.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace qualm {
namespace {

int threads_max() { return machine_threads() * 4; }

const std::vector<std::string> kCacheTypes = {"f16", "bf16", "f32", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"};
constexpr unsigned kAll = kChunkCommands | kRequestCommands | kExperiments;
constexpr int kBig = 1 << 20;
constexpr int kBatchMax = 1 << 16;  // a decode's tokens: a context's window is smaller still

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const std::vector<EngineOption>& engine_options() {
  using S = EngineSettings;
  static const std::vector<EngineOption> kOptions = {
      {.name = "threads", .flags = "-t,--threads", .keys = {"threads"},
       .help = "CPU threads (0 = every hardware thread; at most 4 per hardware thread; decodes of little work use "
               "one, which never changes a number)",
       .uses = kAll, .number = &S::threads, .min = 0, .max = 0, .max_of_machine = threads_max},
      {.name = "gpu_layers", .flags = "--gpu-layers", .keys = {"gpu_layers", "n_gpu_layers"},
       .help = "layers offloaded to the GPU of a GPU build (-1 = all)", .uses = kAll, .number = &S::gpu_layers,
       .min = -1, .max = kBig},
      {.name = "batch_size", .flags = "-b,--batch-size", .keys = {"batch_size"},
       .help = "logical batch: how many tokens a decode may hold", .uses = kAll, .number = &S::batch_size, .min = 1,
       .max = kBatchMax},
      {.name = "ubatch_size", .flags = "--ubatch-size", .keys = {"ubatch_size"},
       .help = "physical batch: the most tokens one decode computes at once", .uses = kAll, .number = &S::ubatch_size,
       .min = 1, .max = kBatchMax},
      {.name = "ctx_size", .flags = "-c,--ctx-size", .keys = {"context_size"},
       .help = "the most tokens a request's model reads, as lm-eval's max_length; longer prompts lose tokens from "
               "the left (0 = the model's training context, at most 4096)",
       .uses = kRequestCommands | kExperiments, .number = &S::context_size, .min = 0, .max = kBig},
      {.name = "ctx_size", .flags = "-c,--ctx-size", .keys = {}, .help = "tokens per chunk (llama-perplexity's -c)",
       .uses = kChunkCommands, .number = &S::chunk_size, .min = 4, .max = kBatchMax},
      {.name = "chunks", .flags = "--chunks", .keys = {}, .help = "evaluate at most this many chunks (-1 = all)",
       .uses = kChunkCommands, .number = &S::max_chunks, .min = -1, .max = 1 << 30},
      {.name = "pack_tokens", .flags = "--pack-tokens", .keys = {},
       .help = "--engine-parity llama: requests are packed into decodes of about this many tokens (at most "
               "--ubatch-size)",
       .uses = kRequestCommands, .number = &S::pack_tokens, .min = 1, .max = kBatchMax},
      {.name = "flash_attn", .flags = "--flash-attn", .keys = {"flash_attn"},
       .help = "flash attention: on, off, auto (default: off, which batch-invariant scoring needs; auto with "
               "--engine-parity llama)",
       .uses = kAll, .text = &S::flash_attn, .words = {"auto", "on", "off"}},
      // kv_type sets both cache types; cache_type_k and cache_type_v, read after it, win over it.
      {.name = "kv_type", .flags = "", .keys = {"kv_type"}, .help = "KV-cache type of K and V", .uses = kExperiments,
       .text = &S::cache_type_k, .text2 = &S::cache_type_v, .words = kCacheTypes},
      {.name = "cache_type_k", .flags = "--cache-type-k", .keys = {"cache_type_k"}, .help = "KV-cache type for K",
       .uses = kAll, .text = &S::cache_type_k, .words = kCacheTypes},
      {.name = "cache_type_v", .flags = "--cache-type-v", .keys = {"cache_type_v"}, .help = "KV-cache type for V",
       .uses = kAll, .text = &S::cache_type_v, .words = kCacheTypes},
      {.name = "engine_parity", .flags = "--engine-parity", .keys = {"engine_parity"},
       .help = "qualm: scores and greedy text that do not depend on what shares a decode; llama: llama.cpp's "
               "tools' settings and packing, for parity checks against them",
       .uses = kAll, .text = &S::parity, .words = {"qualm", "llama"}},
      {.name = "prefix_sharing", .flags = "--prefix-sharing", .keys = {"prefix_sharing"},
       .help = "on: a prefix that several loglikelihood requests share (a document's context, a subject's "
               "few-shot examples) is decoded once; off: each request decodes its whole sequence, the same "
               "scores at their full cost, to measure what sharing buys (batch-invariant scoring; --engine-parity llama "
               "packs as llama.cpp's tools do)",
       .uses = kRequestCommands | kExperiments, .text = &S::prefix_sharing, .words = {"on", "off"}},
  };
  return kOptions;
}

const EngineOption& engine_option(const std::string& name) {
  for (const EngineOption& o : engine_options()) {
    if (name == o.name) return o;
  }
  throw std::logic_error("no engine option " + name);
}

int machine_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int engine_max(const EngineOption& o) { return o.max_of_machine != nullptr ? o.max_of_machine() : o.max; }

std::string engine_range_text(const EngineOption& o) {
  if (o.max_of_machine == threads_max) {
    return "0 = every hardware thread, up to 4 per hardware thread, " + std::to_string(engine_max(o)) + " on this machine";
  }
  return std::to_string(o.min) + " to " + std::to_string(engine_max(o));
}

std::optional<std::string> engine_word(const EngineOption& option, const std::string& value) {
  const std::string v = lower(value);
  if (option.text == &EngineSettings::flash_attn) {
    if (v == "true" || v == "yes") return "on";
    if (v == "false" || v == "no") return "off";
  }
  if (std::find(option.words.begin(), option.words.end(), v) != option.words.end()) return v;
  return std::nullopt;
}

nlohmann::json engine_json(const EngineSettings& engine, unsigned uses) {
  nlohmann::json out = nlohmann::json::object();
  for (const EngineOption& o : engine_options()) {
    if ((o.uses & uses) == 0 || o.text2 != nullptr) continue;
    if (o.number != nullptr) out[o.name] = engine.*o.number;
    else out[o.name] = o.text == &EngineSettings::flash_attn ? resolved_flash_attn(engine) : engine.*o.text;
  }
  out["scoring"] = engine.parity == "llama" ? "packed as llama.cpp's tools pack it" : "batch-invariant";
  return out;
}

std::string engine_label(const EngineSettings& e) {
  std::string label = "t" + std::to_string(e.threads) + " fa=" + resolved_flash_attn(e) + " kv=" + e.cache_type_k +
                      "/" + e.cache_type_v + " b" + std::to_string(e.batch_size) + " ub" +
                      std::to_string(e.ubatch_size);
  if (e.context_size > 0) label += " c" + std::to_string(e.context_size);
  if (e.prefix_sharing == "off") label += " no-prefix-sharing";
  return label + (e.parity == "llama" ? " parity=llama" : " batch-invariant");
}

}  // namespace qualm
