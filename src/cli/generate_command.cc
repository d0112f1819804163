#include <iostream>

#include <nlohmann/json.hpp>

#include "backend/llama/llama_backend.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "config/bounds.h"
#include "core/errors.h"
#include "io/dataset.h"
#include "records/gen_results.h"
#include "run/backend_factory.h"

namespace qualm::cli {
namespace {

struct GenerateFlags {
  std::string model;  // a GGUF path, or with --backend the name the server serves
  ServerFlags server;
  std::vector<std::string> prompts;
  std::string file;
  GenerationOptions options;
  bool chat = false;
  std::string system_prompt;
  int parallel = 16;
  bool json = false;
  EngineSettings engine;
};

// One prompt per line, or JSONL: a string, or an object with a "prompt" field.
std::vector<std::string> read_prompts(const std::string& file) {
  std::vector<std::string> out;
  const bool jsonl = file.ends_with(".jsonl") || file.ends_with(".jsonl.gz") || file.ends_with(".jsonl.bz2");
  if (!jsonl) {
    for (const Doc& d : read_dataset(file, DataFormat::kLines, file)) out.push_back(d.fields["text"]);
    return out;
  }
  for (const Doc& d : read_dataset(file, DataFormat::kJsonl, file)) {
    if (!d.fields.contains("prompt") || !d.fields["prompt"].is_string()) {
      throw InputError(file + ":" + std::to_string(d.line), "no string field 'prompt'", "write {\"prompt\": \"...\"}");
    }
    out.push_back(d.fields["prompt"]);
  }
  return out;
}

int run_generate(const GenerateFlags& f) {
  std::vector<std::string> texts = f.prompts;
  if (!f.file.empty()) {
    const auto more = read_prompts(f.file);
    texts.insert(texts.end(), more.begin(), more.end());
  }
  if (texts.empty()) throw InputError("qualm generate", "no prompt", "give --prompt TEXT or --file FILE");
  const BackendSpec spec = server_spec(f.server, f.model);
  std::unique_ptr<Backend> backend;
  if (spec.remote()) {
    backend = make_backend(spec, {}, false);
  } else {
    auto options = backend_options(f.model, f.engine);
    options.generate_parallel = f.parallel;
    backend = std::make_unique<llama::LlamaBackend>(options);
  }
  std::vector<GenerateRequest> requests;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<ChatMessage> messages;
    if (f.chat && !f.system_prompt.empty()) messages.push_back({"system", f.system_prompt});
    if (f.chat) messages.push_back({"user", texts[i]});
    requests.push_back({texts[i], f.options, i, std::move(messages)});
  }
  ProgressLine progress("generate", "prompts");
  backend->set_progress(progress.callback());
  const std::vector<GenerateResult> results = backend->generate(requests);
  for (size_t i = 0; i < results.size(); ++i) {
    const GenerateResult& r = results[i];
    if (f.json) {
      std::cout << nlohmann::json{{"sample_id", i},
                                  {"prompt", texts[i]},
                                  {"text", r.text},
                                  {"prompt_tokens", count_json(r.prompt_tokens)},
                                  {"output_tokens", count_json(r.output_tokens)},
                                  {"prompt_ms", r.prompt_ms},
                                  {"generate_ms", r.generate_ms},
                                  {"stop_reason", r.stop_reason},
                                  {"truncated", r.truncated},
                                  {"seed", f.options.seed},
                                  {"temperature", f.options.temperature}}
                       .dump()
                << "\n";
    } else {
      const std::string tokens = r.output_tokens ? std::to_string(*r.output_tokens) : "?";  // the server said none
      std::cout << texts[i] << r.text << "\n[" << tokens << " tokens, " << r.stop_reason << "]\n\n";
    }
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, Action& run) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand("generate", "generate text for prompts, many at once (greedy or seeded sampling)");
  cmd->add_option("-m,--model", f->model, "GGUF model, or with --backend the model the server serves")->required();
  cmd->add_option("-p,--prompt", f->prompts, "a prompt (repeatable)");
  cmd->add_option("-f,--file", f->file, "prompts: one per line, or JSONL with a \"prompt\" field");
  cmd->add_option("-n,--max-new-tokens", f->options.max_new_tokens, "tokens to generate at most")
      ->capture_default_str()
      ->check(CLI::Range(bounds::kMaxNewTokens.min, bounds::kMaxNewTokens.max));
  cmd->add_option("--temperature", f->options.temperature, "0 = greedy")
      ->capture_default_str()
      ->check(CLI::Range(0.0, bounds::kTemperatureMax));
  cmd->add_option("--top-p", f->options.top_p, "nucleus sampling")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--top-k", f->options.top_k, "0 = off")->capture_default_str()->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--seed", f->options.seed, "each prompt's sampler is seeded from (seed, its index)")->capture_default_str();
  cmd->add_option("--stop", f->options.stop, "stop before this text (repeatable)");
  cmd->add_flag("--chat,--apply-chat-template", f->chat,
                "each prompt as a user message under the model's chat template (openai: /v1/chat/completions; "
                "ollama: /api/chat)");
  cmd->add_option("--system-prompt", f->system_prompt, "with --chat: a system message before each prompt");
  cmd->add_option("--parallel", f->parallel, "sequences generated at once (llama; a server: --concurrency)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  add_json_flag(*cmd, f->json, "one JSON object per prompt");
  add_server_flags(*cmd, f->server);
  add_engine_flags(*cmd, f->engine, kRequestCommands);
  cmd->callback([f, &run] { run = [f] { return run_generate(*f); }; });
}

}  // namespace qualm::cli
