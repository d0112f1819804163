#pragma once
// Dataset files as documents: each format's reader turns a file into JSON objects that task
// templates read fields from, each with the line it came from for error messages.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qualm {

struct Doc {
  nlohmann::json fields;  // a JSON object
  int line = 0;           // 1-based line where the document starts in its file (0 when not line-based)
};

enum class DataFormat { kJsonl, kCsv, kTsv, kLines, kText, kWikitext, kHellaswagText, kSquad };

// Parses a format name as written in task YAML: "jsonl", "csv", "tsv", "lines", "text",
// "wikitext", "hellaswag_text". Throws InputError at `where` listing the valid names otherwise.
DataFormat parse_data_format(const std::string& name, const std::string& where);

// The name parse_data_format accepts for `format`.
std::string data_format_name(DataFormat format);

// From the file name, after dropping a ".gz"/".bz2" suffix (case-insensitive): .jsonl → kJsonl,
// .csv → kCsv, .tsv → kTsv, .txt/.raw/.tokens → kText; otherwise nullopt.
std::optional<DataFormat> guess_data_format(const std::filesystem::path& path);

// Reads the whole file via read_data_file (decompressing .gz/.bz2) and returns documents in file
// order. `display_name` names the file in error messages (e.g. the path relative to the data dir).
std::vector<Doc> read_dataset(const std::filesystem::path& path, DataFormat format, const std::string& display_name);

// The same, from text already in memory. Per format:
//  jsonl: one object per line; blank lines skipped; a leading BOM ignored.
//  csv/tsv: the first row names the fields (non-empty, distinct); each later row is an object of
//    strings; a leading BOM ignored (see io/csv.h for quoting).
//  lines: {"text"} per non-empty line, one trailing "\r" removed.
//  text: {"text": the whole text}, line 1; empty text gives no documents.
//  wikitext: {"page", "title"} per article of WikiText raw, as lm-evaluation-harness's
//    wikitext_document_level splits it (see dataset.cc).
//  hellaswag_text: {"context", "label", "endings"} per task of llama.cpp's --hellaswag file.
// lines, text and wikitext keep the bytes as they are (a BOM included). Text read into strings
// must be UTF-8, so that documents can be written as JSON; otherwise InputError names the line.
std::vector<Doc> parse_dataset(const std::string& text, DataFormat format, const std::string& display_name);

}  // namespace qualm
