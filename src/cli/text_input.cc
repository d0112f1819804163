#include "cli/text_input.h"

#include "core/errors.h"
#include "io/text_file.h"

namespace qualm::cli {

std::string read_eval_text(const std::string& path) {
  std::string text = read_text_file(path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(path, "the text is empty", "give a text of at least one chunk of -c tokens");
  }
  return text;
}

}  // namespace qualm::cli
