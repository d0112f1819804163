#pragma once
// The one resolver for the shared evaluation data: $QUALM_DATA_DIR, else ../shared/data
// beside the clone.

#include <filesystem>
#include <optional>

namespace qualm {

std::optional<std::filesystem::path> find_data_dir();

}  // namespace qualm
