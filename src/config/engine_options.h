#pragma once
// The engine options of an in-process llama backend, declared once (as gemma.cpp declares its
// arguments): each option's name, command-line flags, experiment key, default, range and help.
// The commands' flags (cli/engine_flags.h), the experiment reader, the `engine` JSON of records
// and manifests, and the backend's label in every record are derived from engine_options().
// The defaults are EngineSettings' member initialisers, and nowhere else.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace qualm {

struct EngineSettings {
  int threads = 0;           // 0: every hardware thread; at most machine_threads() × 4
  int gpu_layers = -1;       // -1: every layer on the GPU of a GPU build (device: cpu gives 0)
  int batch_size = 2048;     // logical batch
  int ubatch_size = 512;     // physical batch
  int context_size = 0;      // the most tokens a request's model reads; 0: the training context, at most 4096
  int chunk_size = 512;      // qualm perplexity and kld: tokens per chunk (llama-perplexity's -c)
  int max_chunks = -1;       // qualm perplexity and kld: -1 = every chunk
  int pack_tokens = 256;     // --engine-parity llama: requests packed into decodes of about this many tokens
  std::string flash_attn;    // on | off | auto; empty: the parity's default (off; llama: auto)
  std::string cache_type_k = "f16";
  std::string cache_type_v = "f16";
  std::string parity = "qualm";  // qualm: batch-invariant; llama: llama.cpp's tools' settings and packing
  std::string prefix_sharing = "on";  // off: every loglikelihood request decodes its whole sequence (to measure sharing)
};

// Where an option applies: bit flags.
enum EngineUse : unsigned {
  kChunkCommands = 1,    // qualm perplexity, qualm kld
  kRequestCommands = 2,  // qualm eval, qualm generate
  kExperiments = 4,      // a llama backend of an experiment
};

struct EngineOption {
  const char* name;   // the key of the engine JSON
  const char* flags;  // CLI11's names ("-t,--threads"); "" = not on the command line
  std::vector<std::string> keys;  // experiment keys, the first one named in messages; empty = none
  const char* help;
  unsigned uses;
  int EngineSettings::*number = nullptr;  // an integer option,
  int min = 0, max = 0;                   // in [min, max]
  int (*max_of_machine)() = nullptr;      // or in [min, this], a bound that depends on the machine
  std::string EngineSettings::*text = nullptr;   // or a word option,
  std::string EngineSettings::*text2 = nullptr;  // (kv_type: both cache types)
  std::vector<std::string> words = {};           // one of these (case-insensitive, aliases below)
};

const std::vector<EngineOption>& engine_options();

// The option named `name` (the key of the engine JSON, e.g. "threads"); it must exist.
const EngineOption& engine_option(const std::string& name);

// The largest value a number option takes on this machine (threads: its cores × 4).
int engine_max(const EngineOption& option);
// "0 to 8", or for threads "0 = every hardware thread, up to 4 per hardware thread, 8 on this machine".
std::string engine_range_text(const EngineOption& option);
// The machine's hardware threads (at least 1); threads take up to 4 times as many.
int machine_threads();

// A word option's value as written (any case; flash_attn also true/false/yes/no) in its
// canonical spelling, or nullopt when it is not one of the option's words.
std::optional<std::string> engine_word(const EngineOption& option, const std::string& value);

// The flash attention setting an engine runs with: its own, else the parity's default.
inline std::string resolved_flash_attn(const EngineSettings& engine) {
  if (!engine.flash_attn.empty()) return engine.flash_attn;
  return engine.parity == "llama" ? "auto" : "off";
}

// {name: value} of every option that applies to `uses`, flash attention resolved.
nlohmann::json engine_json(const EngineSettings& engine, unsigned uses);

// "t2 fa=off kv=f16/f16 b2048 ub512 c512 batch-invariant": the options that change results,
// as every record's engine label shows them.
std::string engine_label(const EngineSettings& engine);

}  // namespace qualm
