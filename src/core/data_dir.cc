#include "core/data_dir.h"

#include <cstdlib>

#include "core/build_info.h"

namespace qualm {

std::optional<std::filesystem::path> find_data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("QUALM_DATA_DIR"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  const fs::path beside_clone = fs::path(build::kSourceDir).parent_path() / "shared" / "data";
  if (fs::is_directory(beside_clone)) return beside_clone;
  return std::nullopt;
}

}  // namespace qualm
