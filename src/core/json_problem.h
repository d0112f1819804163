#pragma once
// nlohmann::json's message as a user can read it: without its "[json.exception.parse_error.101]
// parse error at " head, which is library text (the caller names the file and line).

#include <nlohmann/json.hpp>

#include <string>

namespace qualm {

inline std::string json_problem(const nlohmann::json::exception& e) {
  std::string message = e.what();
  if (message.starts_with("[json.exception")) {
    const size_t end = message.find("] ");
    message = end == std::string::npos ? "" : message.substr(end + 2);
  }
  for (const char* head : {"parse error at ", "parse error: "}) {
    if (message.starts_with(head)) message = message.substr(std::string(head).size());
  }
  return message.empty() ? "not valid JSON" : message;
}

}  // namespace qualm
