#include "io/text_file.h"

#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace qualm {

void require_regular_file(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path.string(), "no such file", "check the path");
  if (fs::is_directory(path, ec)) throw InputError(path.string(), "is a directory, not a file", "name a text file");
}

std::string read_text_file(const std::filesystem::path& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot be opened for reading", "check its permissions");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw InputError(path.string(), "read failed", "check the file and the disk");
  return std::move(content).str();
}

}  // namespace qualm
