#pragma once

#include <filesystem>
#include <string>

namespace qualm {

// The whole file as bytes. Throws InputError naming the path when it is missing, a
// directory or unreadable.
std::string read_text_file(const std::filesystem::path& path);

// Throws InputError naming the path when it is missing or a directory.
void require_regular_file(const std::filesystem::path& path);

}  // namespace qualm
