#include "io/squad.h"


#include "core/errors.h"
#include "core/json_problem.h"

namespace qualm {
namespace {

using nlohmann::json;

const json& member(const json& obj, const char* key, json::value_t type, const std::string& name,
                   const std::string& path) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].type() != type) {
    throw InputError(name, "SQuAD field " + path + "." + key + " is missing or has the wrong type",
                     "the file must follow SQuAD v1.1's layout: data[].paragraphs[].qas[]");
  }
  return obj[key];
}

// obj[key] when obj is an object that has it (whatever its type: ids may be numbers), else `fallback`.
json optional_member(const json& obj, const char* key, const json& fallback) {
  return obj.is_object() && obj.contains(key) ? obj[key] : fallback;
}

}  // namespace

std::vector<Doc> parse_squad(const std::string& text, const std::string& display_name) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number too large
    throw InputError(display_name, "not valid JSON: " + json_problem(e), "check the file");
  }
  std::vector<Doc> docs;
  const json& data = member(root, "data", json::value_t::array, display_name, "$");
  for (size_t a = 0; a < data.size(); ++a) {
    const std::string apath = "data[" + std::to_string(a) + "]";
    const json& paragraphs = member(data[a], "paragraphs", json::value_t::array, display_name, apath);
    for (size_t p = 0; p < paragraphs.size(); ++p) {
      const std::string ppath = apath + ".paragraphs[" + std::to_string(p) + "]";
      const json& context = member(paragraphs[p], "context", json::value_t::string, display_name, ppath);
      const json& qas = member(paragraphs[p], "qas", json::value_t::array, display_name, ppath);
      for (size_t q = 0; q < qas.size(); ++q) {
        const std::string qpath = ppath + ".qas[" + std::to_string(q) + "]";
        json answers = json::array(), starts = json::array();
        for (const json& ans : member(qas[q], "answers", json::value_t::array, display_name, qpath)) {
          answers.push_back(member(ans, "text", json::value_t::string, display_name, qpath + ".answers[]"));
          starts.push_back(optional_member(ans, "answer_start", json(-1)));
        }
        json doc = {{"id", optional_member(qas[q], "id", json(qpath))},
                    {"title", optional_member(data[a], "title", json(""))},
                    {"context", context},
                    {"question", member(qas[q], "question", json::value_t::string, display_name, qpath)},
                    {"answers", answers},
                    {"answer_starts", starts}};
        docs.push_back(Doc{std::move(doc), 0});
      }
    }
  }
  return docs;
}

}  // namespace qualm
