#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qualm {

// Writes the whole text to a temporary name beside `path`, syncs it, then renames it, so that
// a reader (or a run killed halfway) never sees half a file. When it cannot (a full disk, a
// read-only folder), the temporary file is removed and IoError names `path` and the cause
// ("No space left on device").
void write_atomically(const std::filesystem::path& path, const std::string& text);

// Why `dir` cannot take a command's output, found before anything runs: it names a file, or
// it (or, when it does not exist yet, the nearest folder above it) cannot be written to,
// tried by creating and removing a file there. nullopt when it can.
std::optional<std::string> output_dir_problem(const std::filesystem::path& dir);

// The same for an output file: its folder must exist and take files, and it must not be a folder.
std::optional<std::string> output_file_problem(const std::filesystem::path& file);

}  // namespace qualm
