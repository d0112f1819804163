#pragma once

#include <string>

namespace qualm::cli {

// A --file text as llama.cpp's tools read it: the whole file less one trailing newline.
std::string read_eval_text(const std::string& path);

}  // namespace qualm::cli
