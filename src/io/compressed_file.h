#pragma once
// Dataset files ship compressed (hellaswag_val_full.txt.bz2); read them without an unpack step.

#include <filesystem>
#include <string>

namespace qualm {

// The whole file as bytes, decompressed when the name ends in ".gz" (gzip) or ".bz2" (bzip2);
// any other name is read as is. Concatenated streams are read through. Throws InputError naming
// the path when it is missing, a directory, unreadable, or not valid data for its extension.
std::string read_data_file(const std::filesystem::path& path);

}  // namespace qualm
