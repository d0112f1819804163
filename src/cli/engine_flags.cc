#include "cli/engine_flags.h"

#include <cstdlib>

#include "core/errors.h"

namespace qualm::cli {

void add_engine_flags(CLI::App& app, EngineFlags& flags, EngineUse use) {
  if (use == EngineUse::kChunks) {
    app.add_option("-c,--ctx-size", flags.context_size, "tokens per chunk (llama-perplexity's -c)")
        ->capture_default_str()
        ->check(CLI::Range(4, 1 << 20));
  } else {
    flags.context_size = 0;
    app.add_option("-c,--ctx-size", flags.context_size,
                   "longest scored sequence; longer prompts lose tokens from the left "
                   "(0 = the model's training context, at most 4096)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1 << 20));
  }
  app.add_option("-b,--batch-size", flags.batch_size,
                 "logical batch; at least -c packs batch/ctx chunks per decode, as llama-perplexity does")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--ubatch-size", flags.ubatch_size, "physical batch")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("-t,--threads", flags.threads, "CPU threads (0 = every hardware thread)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  app.add_option("--gpu-layers", flags.gpu_layers, "layers offloaded to the GPU of a GPU build (-1 = all)")
      ->capture_default_str();
  if (use == EngineUse::kRequests) {
    app.add_option("--pack-tokens", flags.pack_tokens,
                   "requests are packed into decodes of about this many tokens (at most --ubatch-size)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20));
  }
  if (use == EngineUse::kChunks) {
    app.add_option("--chunks", flags.max_chunks, "evaluate at most this many chunks (-1 = all)")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](const std::string& v) {
              return v == "-1" || std::atoi(v.c_str()) >= 1 ? std::string()
                                                            : std::string("must be -1 (all) or at least 1");
            },
            "-1 or >= 1"));
  }
  app.add_option("--flash-attn", flags.flash_attn,
                 "flash attention (default: off, which batch-invariant scoring needs; auto with --engine-parity llama)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--engine-parity", flags.parity,
                 "qualm: scores and greedy text that do not depend on what shares a decode; llama: llama.cpp's tools' "
                 "settings and packing, for parity checks against them")
      ->capture_default_str()
      ->check(CLI::IsMember({"qualm", "llama"}));
  app.add_option("--cache-type-k", flags.cache_type_k, "KV-cache type for K")->capture_default_str();
  app.add_option("--cache-type-v", flags.cache_type_v, "KV-cache type for V")->capture_default_str();
}

llama::LlamaBackendOptions backend_options(const std::string& model_path, const EngineFlags& flags) {
  llama::LlamaBackendOptions o = llama::backend_options(model_path, engine_settings(flags));
  o.pack_tokens = flags.pack_tokens;
  return o;
}

llama::EngineSettings engine_settings(const EngineFlags& flags) {
  return {flags.threads,    flags.gpu_layers,   flags.batch_size,   flags.ubatch_size, flags.context_size,
          flags.flash_attn, flags.cache_type_k, flags.cache_type_v, flags.parity};
}

BackendSpec llama_backend_spec(const EngineFlags& flags) {
  BackendSpec b;
  b.name = b.type = "llama";
  b.device = "cpu";
  b.threads = flags.threads;
  b.gpu_layers = flags.gpu_layers;
  b.flash_attn = flags.flash_attn;
  b.cache_type_k = flags.cache_type_k;
  b.cache_type_v = flags.cache_type_v;
  b.engine_parity = flags.parity;
  b.batch_size = flags.batch_size;
  b.ubatch_size = flags.ubatch_size;
  b.context_size = flags.context_size;
  return b;
}

nlohmann::json engine_json(const EngineFlags& flags) {
  return {{"ctx_size", flags.context_size},
          {"batch_size", flags.batch_size},
          {"ubatch_size", flags.ubatch_size},
          {"threads", flags.threads},
          {"gpu_layers", flags.gpu_layers},
          {"chunks", flags.max_chunks},
          {"flash_attn", llama::resolved_flash_attn(engine_settings(flags))},
          {"cache_type_k", flags.cache_type_k},
          {"cache_type_v", flags.cache_type_v},
          {"pack_tokens", flags.pack_tokens},
          {"engine_parity", flags.parity},
          {"scoring", flags.parity == "llama" ? "packed as llama.cpp's tools pack it" : "batch-invariant"}};
}

void add_server_flags(CLI::App& app, ServerFlags& flags) {
  app.add_option("--backend", flags.backend, "llama (in-process, --model is a GGUF), openai or ollama (a server)")
      ->check(CLI::IsMember({"llama", "openai", "ollama"}))
      ->capture_default_str();
  app.add_option("--base-url", flags.spec.base_url, "the server of --backend openai|ollama (http://host:port)");
  app.add_option("--api-key-env", flags.spec.api_key_env, "openai: the environment variable holding the API key");
  app.add_option("--concurrency", flags.spec.concurrency, "remote: requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--timeout", flags.spec.timeout_s, "remote: seconds per request")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_option("--retries", flags.spec.retries, "remote: further tries on connection errors, 429, 5xx")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
}

BackendSpec server_spec(const ServerFlags& flags, const std::string& model) {
  if (flags.backend == "llama") {
    if (!flags.spec.base_url.empty()) {
      throw InputError("--base-url", "is for a server, and --backend is llama (in-process)",
                       "add --backend openai or --backend ollama, or drop --base-url");
    }
  } else if (flags.spec.base_url.empty()) {
    throw InputError("--base-url", "--backend " + flags.backend + " needs the server's URL",
                     "e.g. --base-url http://127.0.0.1:8080");
  }
  BackendSpec spec = flags.spec;
  spec.type = spec.name = flags.backend;
  spec.model = model;
  return spec;
}

}  // namespace qualm::cli
