#include "cli/flag_aliases.h"

#include <algorithm>
#include <optional>

#include "core/errors.h"

namespace qualm::cli {
namespace {

// "--flag=value" -> ("--flag", "value"); otherwise (arg, nullopt).
std::pair<std::string, std::optional<std::string>> split_inline(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (!arg.starts_with("--") || eq == std::string::npos) return {arg, std::nullopt};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

// lm-eval's --model_args "pretrained=PATH[,k=v...]": the model path is qualm's -m.
std::vector<std::string> model_args(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = std::min(value.find(',', start), value.size());
    const std::string pair = value.substr(start, comma - start);
    start = comma + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    if (eq != std::string::npos && (key == "pretrained" || key == "model" || key == "path")) {
      out.insert(out.end(), {"--model", pair.substr(eq + 1)});
      continue;
    }
    throw InputError("--model_args", "lm-eval's model argument '" + key + "' has no qualm equivalent",
                     "give the GGUF with -m MODEL.gguf (its precision is the file's: pick the F16/Q8_0/... file), "
                     "the context with -c and the engine with the options of qualm eval --help");
  }
  return out;
}

std::vector<std::string> device(const std::string& value) {
  if (value == "cpu") return {"--gpu-layers", "0"};
  if (value.starts_with("cuda")) return {"--gpu-layers", "-1"};
  throw InputError("--device", "lm-eval's device '" + value + "' has no qualm equivalent",
                   "use --gpu-layers 0 (CPU) or --gpu-layers -1 (every layer on the GPU of a CUDA build)");
}

}  // namespace

const std::vector<FlagAlias>& flag_aliases() {
  static const std::vector<FlagAlias> kFlagAliases = {
      {"-ngl", "--gpu-layers", "llama.cpp"},
      {"--n-gpu-layers", "--gpu-layers", "llama.cpp"},
      {"-ub", "--ubatch-size", "llama.cpp"},
      {"-fa", "--flash-attn", "llama.cpp"},
      {"-ctk", "--cache-type-k", "llama.cpp"},
      {"-ctv", "--cache-type-v", "llama.cpp"},
      {"-s", "--seed", "llama.cpp"},
      {"--temp", "--temperature", "llama.cpp"},
      {"--n-predict", "--max-new-tokens", "llama.cpp"},
      {"--output_path", "--out", "lm-eval"},
      {"--num_fewshot", "--num-fewshot", "lm-eval"},
      {"--apply_chat_template", "--apply-chat-template", "lm-eval"},
      {"--system_instruction", "--system-prompt", "lm-eval"},
      {"--fewshot_as_multiturn", "--fewshot-as-multiturn", "lm-eval"},
      {"--log_samples", "", "lm-eval"},  // samples.jsonl is always written with --out
      {"--model_args", "--model", "lm-eval"},  // pretrained=PATH is -m PATH (model_args())
      {"--device", "--gpu-layers", "lm-eval"},  // cpu is --gpu-layers 0, cuda -1 (device())
  };
  return kFlagAliases;
}

std::vector<std::string> expand_flag_aliases(const std::vector<std::string>& args) {
  if (args.empty()) return args;
  if (args.size() >= 2 && args[1] == "--version") return {args[0], "version"};
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "--tasks=list" || (args[i] == "--tasks" && i + 1 < args.size() && args[i + 1] == "list")) {
      return {args[0], "tasks"};
    }
  }
  std::vector<std::string> out = {args[0]};
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") {  // after "--" every word is a value
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const auto split = split_inline(args[i]);  // not a structured binding: the lambda below reads it
    const std::string& flag = split.first;
    const std::optional<std::string>& inline_value = split.second;
    if (flag == "--batch_size") {
      throw InputError("--batch_size", "lm-eval's --batch_size counts requests; qualm batches by tokens",
                       "drop it (qualm packs requests itself), or set -b/--batch-size TOKENS");
    }
    const auto alias = std::find_if(flag_aliases().begin(), flag_aliases().end(),
                                    [&](const FlagAlias& a) { return flag == a.alias; });
    if (alias == flag_aliases().end()) {
      out.push_back(args[i]);
      continue;
    }
    const std::string target = alias->target;
    if (target.empty()) continue;  // accepted, nothing to do
    if (flag == "--model_args" || flag == "--device") {
      std::optional<std::string> value = inline_value;
      if (!value && i + 1 < args.size()) value = args[++i];
      if (!value) throw InputError(flag, "needs a value");
      const std::vector<std::string> mapped = flag == "--model_args" ? model_args(*value) : device(*value);
      out.insert(out.end(), mapped.begin(), mapped.end());
      continue;
    }
    out.push_back(inline_value ? target + "=" + *inline_value : target);
  }
  return out;
}

void describe_flag_aliases(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    for (CLI::Option* opt : sub->get_options()) {
      const std::vector<std::string>& lnames = opt->get_lnames();
      std::string text, origin;
      for (const FlagAlias& a : flag_aliases()) {
        const std::string target = a.target;
        if (target.size() < 3 || std::find(lnames.begin(), lnames.end(), target.substr(2)) == lnames.end()) continue;
        text += origin == a.origin ? std::string(", ") : (text.empty() ? "" : "; ") + std::string(a.origin) + ": ";
        text += a.alias;
        origin = a.origin;
      }
      if (!text.empty()) opt->description(opt->get_description() + " (" + text + ")");
    }
  }
}

}  // namespace qualm::cli
