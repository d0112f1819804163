#pragma once
// RFC 4180 tokenizer for CSV and TSV dataset files (MMLU ships as CSV with quoted, multi-line
// questions), kept apart from the header and document logic in io/dataset.h.

#include <string>
#include <string_view>
#include <vector>

namespace qualm {

struct CsvRow {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line on which the row starts
};

// Splits `text` into rows of fields separated by `sep` (',' or '\t'). A field that starts with
// '"' is quoted: it may hold `sep`, CR, LF and doubled quotes (""), and must be followed by
// `sep` or the end of the row. A '"' inside an unquoted field is kept as is. Rows end at LF or
// CRLF; the last row needs no terminator. Empty lines are skipped, so no row is a lone empty
// field. A leading UTF-8 BOM is dropped. Throws InputError naming "name:LINE" for an
// unterminated quote (the line where it opened) or text after a closing quote.
std::vector<CsvRow> parse_csv(std::string_view text, char sep, const std::string& name);

}  // namespace qualm
