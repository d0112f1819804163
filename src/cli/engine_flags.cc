#include "cli/engine_flags.h"

#include <cstdlib>

#include "backend/llama/runtime.h"
#include "config/bounds.h"
#include "core/errors.h"

namespace qualm::cli {

void add_engine_flags(CLI::App& app, EngineSettings& settings, EngineUse use) {
  for (const EngineOption& o : engine_options()) {
    if ((o.uses & use) == 0 || *o.flags == '\0') continue;
    if (o.number != nullptr) {
      CLI::Option* opt = app.add_option(o.flags, settings.*o.number, o.help)->capture_default_str();
      if (o.number == &EngineSettings::max_chunks) {
        opt->check(CLI::Validator(
            [](const std::string& v) {
              return v == "-1" || std::atoi(v.c_str()) >= 1 ? std::string() : std::string("must be -1 (all) or at least 1");
            },
            "-1 or >= 1"));
      } else {
        opt->check(CLI::Range(o.min, engine_max(o)));
      }
      continue;
    }
    const EngineOption* option = &o;
    CLI::Option* opt = app.add_option(o.flags, settings.*o.text, o.help);
    if (!(settings.*o.text).empty()) opt->capture_default_str();
    opt->transform(CLI::Validator(
        [option](std::string& v) {
          const auto word = engine_word(*option, v);
          if (!word) {
            std::string allowed;
            for (const std::string& w : option->words) allowed += (allowed.empty() ? "" : ", ") + w;
            return "'" + v + "' is not one of " + allowed;
          }
          v = *word;
          return std::string();
        },
        "", ""));
  }
}

llama::LlamaBackendOptions backend_options(const std::string& model_path, const EngineSettings& settings) {
  return llama::backend_options(model_path, settings);
}

BackendSpec llama_backend_spec(const EngineSettings& settings) {
  BackendSpec b;
  b.name = b.type = "llama";
  b.engine = settings;
  b.device = settings.gpu_layers != 0 && llama::gpu_offload_available() ? "cuda" : "cpu";
  return b;
}

void add_server_flags(CLI::App& app, ServerFlags& flags) {
  app.add_option("--backend", flags.backend, "llama (in-process, --model is a GGUF), openai or ollama (a server)")
      ->check(CLI::IsMember({"llama", "openai", "ollama"}))
      ->capture_default_str();
  app.add_option("--base-url", flags.spec.base_url, "the server of --backend openai|ollama (http://host:port)");
  app.add_option("--api-key-env", flags.spec.api_key_env, "openai: the environment variable holding the API key");
  app.add_option("--concurrency", flags.spec.concurrency, "remote: requests in flight, per server")
      ->capture_default_str()
      ->check(CLI::Range(bounds::kConcurrency.min, bounds::kConcurrency.max));
  app.add_option("--timeout", flags.spec.timeout_s, "remote: seconds per request")
      ->capture_default_str()
      ->check(CLI::Range(bounds::kTimeoutMin, bounds::kTimeoutMax));
  app.add_option("--retries", flags.spec.retries, "remote: further tries on connection errors, 429, 5xx")
      ->capture_default_str()
      ->check(CLI::Range(bounds::kRetries.min, bounds::kRetries.max));
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
