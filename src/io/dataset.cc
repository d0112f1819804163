#include "io/dataset.h"


#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "core/json_problem.h"
#include "core/utf8.h"
#include "io/compressed_file.h"
#include "io/csv.h"
#include "io/hellaswag_text.h"
#include "io/squad.h"

namespace qualm {
namespace {

constexpr std::array<std::pair<const char*, DataFormat>, 8> kFormatNames = {{
    {"jsonl", DataFormat::kJsonl},
    {"csv", DataFormat::kCsv},
    {"tsv", DataFormat::kTsv},
    {"lines", DataFormat::kLines},
    {"text", DataFormat::kText},
    {"wikitext", DataFormat::kWikitext},
    {"hellaswag_text", DataFormat::kHellaswagText},
    {"squad", DataFormat::kSquad},
}};

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string where(const std::string& name, int line) { return name + ":" + std::to_string(line); }

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Lines split on "\n", each with its 0-based start offset; a final newline ends the last line
// rather than starting an empty one.
std::vector<std::pair<size_t, std::string_view>> split_lines(std::string_view text) {
  std::vector<std::pair<size_t, std::string_view>> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(start, text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Documents become JSON strings, which must be UTF-8; say so here rather than when written.
void require_utf8(std::string_view text, const std::string& name) {
  if (const auto bad = find_invalid_utf8(text)) {
    throw InputError(where(name, bad->line), "not valid UTF-8 (byte " + std::to_string(bad->byte) + " of the file)",
                     "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8");
  }
}

std::vector<Doc> parse_jsonl(std::string_view text, const std::string& name) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  constexpr const char* kFix = "each line of a .jsonl file holds one JSON object, e.g. {\"question\": \"...\"}";
  std::vector<Doc> docs;
  int line_no = 0;
  for (const auto& [start, line] : split_lines(text)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Doc doc{.fields = nullptr, .line = line_no};
    try {
      doc.fields = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number too large
      // Drop nlohmann's "line 1, ": the line is ours.
      const std::string message = json_problem(e);
      const size_t column = message.find("column ");
      throw InputError(where(name, line_no),
                       "not valid JSON: " + message.substr(column == std::string::npos ? 0 : column), kFix);
    }
    if (!doc.fields.is_object()) {
      throw InputError(where(name, line_no), std::string("a JSON ") + doc.fields.type_name() + ", not an object",
                       kFix);
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::vector<Doc> parse_table(std::string_view text, char sep, const std::string& name) {
  const std::vector<CsvRow> rows = parse_csv(text, sep, name);
  if (rows.empty()) return {};
  const CsvRow& header = rows.front();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string column = "column " + std::to_string(i + 1) + " of the header";
    if (header.fields[i].empty()) {
      throw InputError(where(name, header.line), column + " has no name", "the first row names every field");
    }
    for (size_t j = 0; j < i; ++j) {
      if (header.fields[j] == header.fields[i]) {
        throw InputError(where(name, header.line),
                         column + " repeats the name \"" + header.fields[i] + "\" of column " + std::to_string(j + 1),
                         "give each column its own name");
      }
    }
  }
  const std::string sep_word = sep == '\t' ? "tab" : "comma";
  std::vector<Doc> docs;
  docs.reserve(rows.size() - 1);
  for (size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.fields.size() != header.fields.size()) {
      const bool more = row.fields.size() > header.fields.size();
      throw InputError(where(name, row.line),
                       "row has " + std::to_string(row.fields.size()) + " fields, the header has " +
                           std::to_string(header.fields.size()),
                       more ? "likely an unquoted " + sep_word + " inside a field; put such fields in \"quotes\""
                            : "likely a missing field, or a line break inside an unquoted field; put such fields in "
                              "\"quotes\"");
    }
    Doc doc{.fields = nlohmann::json::object(), .line = row.line};
    for (size_t i = 0; i < row.fields.size(); ++i) doc.fields[header.fields[i]] = row.fields[i];
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::vector<Doc> parse_lines(std::string_view text) {
  std::vector<Doc> docs;
  int line_no = 0;
  for (const auto& [start, raw] : split_lines(text)) {
    ++line_no;
    const std::string_view line = without_cr(raw);
    if (!line.empty()) docs.push_back({nlohmann::json{{"text", std::string(line)}}, line_no});
  }
  return docs;
}

// " = Title = " starts an article; " = = Section = = " does not (^ = [^=].* = $).
bool is_article_heading(std::string_view line) {
  line = without_cr(line);
  return line.size() >= 7 && line.substr(0, 3) == " = " && line[3] != '=' && line.substr(line.size() - 3) == " = ";
}

// As the HF dataset behind lm-evaluation-harness's wikitext task: each article runs from its
// heading to the line before the next heading, lines joined with "\n" (so the last article keeps
// the file's final newline); blank text before the first heading is dropped.
std::vector<Doc> parse_wikitext(std::string_view text) {
  std::vector<std::pair<size_t, int>> starts;  // offset and 1-based line of each article
  int line_no = 0;
  for (const auto& [start, line] : split_lines(text)) {
    ++line_no;
    if (is_article_heading(line)) starts.emplace_back(start, line_no);
  }
  // Up to the newline before the first heading, or all of the text when there is none.
  const std::string_view preamble =
      starts.empty() ? text : text.substr(0, starts.front().first == 0 ? 0 : starts.front().first - 1);
  std::vector<Doc> docs;
  if (preamble.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    docs.push_back({nlohmann::json{{"page", std::string(preamble)}, {"title", ""}}, 1});
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t begin = starts[k].first;
    const size_t end = k + 1 < starts.size() ? starts[k + 1].first - 1 : text.size();
    const std::string_view page = text.substr(begin, end - begin);
    std::string_view title = without_cr(page.substr(0, page.find('\n')));
    title = title.substr(3, title.size() - 6);
    title.remove_prefix(std::min(title.find_first_not_of(' '), title.size()));
    title.remove_suffix(title.size() - (title.find_last_not_of(' ') + 1));
    docs.push_back({nlohmann::json{{"page", std::string(page)}, {"title", std::string(title)}}, starts[k].second});
  }
  return docs;
}

std::vector<Doc> parse_hellaswag(const std::string& text, const std::string& name) {
  std::vector<Doc> docs;
  for (HellaswagItem& item : parse_hellaswag_text(text, name)) {
    nlohmann::json endings = nlohmann::json::array();
    for (std::string& ending : item.endings) endings.push_back(std::move(ending));
    docs.push_back({nlohmann::json{{"context", std::move(item.context)}, {"label", item.label}, {"endings", endings}},
                    item.line});
  }
  return docs;
}

}  // namespace

DataFormat parse_data_format(const std::string& name, const std::string& where) {
  std::vector<std::string> names;
  for (const auto& [known, format] : kFormatNames) {
    if (name == known) return format;
    names.emplace_back(known);
  }
  std::string valid;
  for (const std::string& known : names) valid += (valid.empty() ? "" : ", ") + known;
  const auto suggestion = closest_match(name, names);
  throw InputError(where, "unknown data format \"" + name + "\"",
                   (suggestion ? "did you mean " + *suggestion + "? " : std::string()) + "valid formats: " + valid);
}

std::string data_format_name(DataFormat format) {
  for (const auto& [known, f] : kFormatNames) {
    if (f == format) return known;
  }
  return "unknown";
}

std::optional<DataFormat> guess_data_format(const std::filesystem::path& path) {
  std::filesystem::path name = path.filename();
  const std::string compression = lowercase(name.extension().string());
  if (compression == ".gz" || compression == ".bz2") name = name.stem();
  const std::string ext = lowercase(name.extension().string());
  if (ext == ".jsonl") return DataFormat::kJsonl;
  if (ext == ".csv") return DataFormat::kCsv;
  if (ext == ".tsv") return DataFormat::kTsv;
  if (ext == ".txt" || ext == ".raw" || ext == ".tokens") return DataFormat::kText;
  return std::nullopt;
}

std::vector<Doc> read_dataset(const std::filesystem::path& path, DataFormat format, const std::string& display_name) {
  return parse_dataset(read_data_file(path), format, display_name);
}

std::vector<Doc> parse_dataset(const std::string& text, DataFormat format, const std::string& display_name) {
  if (format != DataFormat::kJsonl) require_utf8(text, display_name);  // nlohmann checks JSONL itself
  switch (format) {
    case DataFormat::kJsonl: return parse_jsonl(text, display_name);
    case DataFormat::kCsv: return parse_table(text, ',', display_name);
    case DataFormat::kTsv: return parse_table(text, '\t', display_name);
    case DataFormat::kLines: return parse_lines(text);
    case DataFormat::kText:
      if (text.empty()) return {};
      return {Doc{nlohmann::json{{"text", text}}, 1}};
    case DataFormat::kWikitext: return parse_wikitext(text);
    case DataFormat::kHellaswagText: return parse_hellaswag(text, display_name);
    case DataFormat::kSquad: return parse_squad(text, display_name);
  }
  return {};
}

}  // namespace qualm
