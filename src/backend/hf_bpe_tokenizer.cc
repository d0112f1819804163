#include "backend/hf_bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include <climits>
#include <cstdio>
#include <fstream>

#include "core/utf8.h"

namespace qualm {
namespace {

using nlohmann::json;

bool read_normalizer(const json& n, std::vector<std::pair<std::string, std::string>>& replacements,
                     std::string& prepend, std::string* why) {
  if (n.is_null()) return true;
  const std::string type = n.value("type", "");
  if (type == "Sequence") {
    for (const json& step : n.value("normalizers", json::array())) {
      if (!read_normalizer(step, replacements, prepend, why)) return false;
    }
    return true;
  }
  if (type == "Prepend" && n.contains("prepend") && n["prepend"].is_string()) {
    if (!replacements.empty()) {
      *why = "a Prepend normalizer after a Replace";
      return false;
    }
    prepend += n["prepend"].get<std::string>();
    return true;
  }
  if (type == "Replace" && n.contains("pattern") && n["pattern"].contains("String") && n.contains("content")) {
    replacements.emplace_back(n["pattern"]["String"].get<std::string>(), n["content"].get<std::string>());
    return true;
  }
  *why = "normalizer " + type + " is not supported";
  return false;
}

}  // namespace

std::optional<HfBpeTokenizer> HfBpeTokenizer::load(const std::filesystem::path& path, std::string* why) {
  std::ifstream in(path);
  if (!in) {
    *why = "cannot be read";
    return std::nullopt;
  }
  const json root = json::parse(in, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("model") || !root["model"].is_object()) {
    *why = "not a tokenizer.json";
    return std::nullopt;
  }
  const json& model = root["model"];
  if (model.value("type", "") != "BPE" || !model.contains("vocab") || !model.contains("merges")) {
    *why = "model type " + model.value("type", std::string("?")) + " is not supported (only BPE with merges)";
    return std::nullopt;
  }
  if (root.contains("pre_tokenizer") && !root["pre_tokenizer"].is_null()) {
    *why = "pre-tokenizers are not supported";
    return std::nullopt;
  }
  HfBpeTokenizer t;
  if (!read_normalizer(root.value("normalizer", json()), t.replacements_, t.prepend_, why)) return std::nullopt;
  for (const auto& [text, id] : model["vocab"].items()) {
    if (id.is_number_integer()) t.vocab_[text] = id.get<int>();
  }
  int rank = 0;
  for (const json& m : model["merges"]) {
    std::pair<std::string, std::string> pair;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos) continue;
      pair = {s.substr(0, space), s.substr(space + 1)};
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      pair = {m[0].get<std::string>(), m[1].get<std::string>()};
    } else {
      continue;
    }
    t.merge_rank_.emplace(pair, rank++);
  }
  t.unk_ = model.value("unk_token", json()).is_string() ? model["unk_token"].get<std::string>() : "";
  t.byte_fallback_ = model.value("byte_fallback", false);
  t.fuse_unk_ = model.value("fuse_unk", false);
  return t;
}

std::vector<std::string> HfBpeTokenizer::tokenize(const std::string& text) const {
  std::string normalized = text.empty() ? text : prepend_ + text;
  for (const auto& [from, to] : replacements_) {
    if (from.empty()) continue;
    std::string out;
    for (size_t i = 0; i < normalized.size();) {
      if (normalized.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
      } else {
        out += normalized[i++];
      }
    }
    normalized = std::move(out);
  }
  // Symbols: each character, its byte tokens, or the unknown token (fused when asked).
  std::vector<std::string> symbols;
  bool last_unknown = false;
  for (const std::string_view cv : utf8_characters(normalized)) {
    const std::string c(cv);
    if (vocab_.count(c)) {
      symbols.push_back(c);
      last_unknown = false;
      continue;
    }
    if (byte_fallback_) {
      std::vector<std::string> bytes;
      for (unsigned char b : c) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        if (!vocab_.count(name)) break;
        bytes.push_back(name);
      }
      if (bytes.size() == c.size()) {
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        last_unknown = false;
        continue;
      }
    }
    if (fuse_unk_ && last_unknown) continue;
    symbols.push_back(unk_);
    last_unknown = true;
  }
  // Merge the pair of lowest rank, leftmost first, until none applies.
  while (symbols.size() > 1) {
    int best = INT_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = merge_rank_.find({symbols[i], symbols[i + 1]});
      if (it != merge_rank_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == INT_MAX) break;
    symbols[at] += symbols[at + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  return symbols;
}

std::optional<std::filesystem::path> source_tokenizer_beside(const std::filesystem::path& gguf) {
  const std::filesystem::path dir = gguf.parent_path();
  for (const std::filesystem::path& p : {dir / "tokenizer.json", dir / "hf" / "tokenizer.json"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

}  // namespace qualm
