// The template engine (tasks/template*.cc): the first line is the template, the rest a JSON
// document it renders; any bytes parse and render or are refused with InputError.
#include <nlohmann/json.hpp>
#include <string>

#include "core/errors.h"
#include "tasks/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const std::string source = text.substr(0, newline);
  nlohmann::json doc = nlohmann::json::parse(newline == std::string::npos ? "{}" : text.substr(newline + 1), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) doc = {{"question", "q"}, {"choices", {"a", "b"}}, {"answer", 1}};
  try {
    const qualm::Template t = qualm::Template::parse(source, "fuzz");
    (void)t.render(doc, "fuzz");
    (void)t.render_value(doc, "fuzz");
  } catch (const qualm::InputError&) {
  }
  return 0;
}
