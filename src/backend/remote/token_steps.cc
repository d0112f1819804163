#include "backend/remote/token_steps.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace qualm::remote {

using nlohmann::json;

namespace {

const json& member(const json& j, const char* key) {
  static const json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

// One candidate as a server gives it: {id?, token, logprob}; nullopt when it is not that.
std::optional<TokenChoice> candidate_of(const json& c) {
  const json &token = member(c, "token"), &logprob = member(c, "logprob"), &id = member(c, "id");
  if (!token.is_string() || !logprob.is_number()) return std::nullopt;
  return TokenChoice{id.is_number_integer() ? id.get<TokenId>() : -1, token.get<std::string>(), logprob.get<double>()};
}

}  // namespace

std::vector<TokenChoice> step_of(TokenChoice chosen, std::vector<TokenChoice> others, int n) {
  std::erase_if(others, [&](const TokenChoice& c) {
    return chosen.id >= 0 && c.id >= 0 ? c.id == chosen.id : c.text == chosen.text;
  });
  std::stable_sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.logprob > b.logprob; });
  std::vector<TokenChoice> step{std::move(chosen)};
  for (TokenChoice& c : others) {
    if (static_cast<int>(step.size()) >= n) break;
    step.push_back(std::move(c));
  }
  return step;
}

std::vector<std::vector<TokenChoice>> steps_of_entries(const json& entries, int n) {
  if (!entries.is_array()) return {};
  std::vector<std::vector<TokenChoice>> steps;
  for (const json& entry : entries) {
    const auto chosen = candidate_of(entry);
    if (!chosen) return {};
    std::vector<TokenChoice> others;
    const json& top = member(entry, "top_logprobs");
    for (const json& c : top.is_array() ? top : json::array()) {
      if (const auto o = candidate_of(c)) others.push_back(*o);
    }
    steps.push_back(step_of(*chosen, std::move(others), n));
  }
  return steps;
}

bool post_asking(const HttpClient& http, const std::string& path, const json& body, const json& extra,
                 std::atomic<bool>& refused, json& reply, std::string* served_by) {
  if (!refused) {
    json with = body;
    with.update(extra);
    try {
      reply = http.post(path, with, served_by);
      return true;
    } catch (const HttpRefusal& e) {
      if (e.status() != 400 && e.status() != 422) throw;
      refused = true;  // refused for what was added: ask as before, from now on
    }
  }
  reply = http.post(path, body, served_by);
  return false;
}

}  // namespace qualm::remote
