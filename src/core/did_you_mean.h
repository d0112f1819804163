#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qualm {

size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a third of the word's length (at least 2 edits), if any.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Up to `limit` candidates, closest first: those within closest_match's distance, then those
// that start with the word ("arc" -> arc_challenge, arc_easy).
std::vector<std::string> closest_matches(std::string_view word, const std::vector<std::string>& candidates,
                                         size_t limit = 5);

}  // namespace qualm
