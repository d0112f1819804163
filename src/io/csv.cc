#include "io/csv.h"

#include "core/errors.h"

namespace qualm {
namespace {

std::string where(const std::string& name, int line) { return name + ":" + std::to_string(line); }

std::string separator_name(char sep) { return sep == '\t' ? "a tab" : std::string("'") + sep + "'"; }

// Reads rows one field at a time; `pos` always points at the start of a field.
class CsvReader {
 public:
  CsvReader(std::string_view text, char sep, const std::string& name) : text_(text), sep_(sep), name_(name) {}

  std::vector<CsvRow> rows() {
    std::vector<CsvRow> rows;
    while (pos_ < text_.size()) {
      if (skip_line_end()) continue;  // a line with nothing on it
      CsvRow row;
      row.line = line_;
      bool row_done = false;
      while (!row_done) {
        row.fields.push_back(at('"') ? quoted_field() : plain_field());
        if (at(sep_)) {
          ++pos_;
        } else {
          skip_line_end();  // or the end of the text
          row_done = true;
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  // Consumes LF or CRLF at `pos_`, if there is one.
  bool skip_line_end() {
    if (at('\n')) {
      ++pos_;
    } else if (at('\r') && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      pos_ += 2;
    } else {
      return false;
    }
    ++line_;
    return true;
  }

  bool at_field_end() const {
    if (pos_ >= text_.size() || text_[pos_] == sep_ || text_[pos_] == '\n') return true;
    return text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n';
  }

  std::string plain_field() {
    const size_t start = pos_;
    while (!at_field_end()) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string quoted_field() {
    const int opened = line_;
    ++pos_;  // the opening quote
    std::string field;
    while (true) {
      const size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        throw InputError(where(name_, opened), "quoted field is never closed",
                         "a field that starts with '\"' must end with '\"'; write a quote inside it as \"\"");
      }
      for (size_t i = pos_; i < quote; ++i) line_ += text_[i] == '\n';
      field.append(text_.substr(pos_, quote - pos_));
      pos_ = quote + 1;
      if (!at('"')) break;
      field.push_back('"');  // "" stands for one quote
      ++pos_;
    }
    if (!at_field_end()) {
      throw InputError(where(name_, line_), "text after the closing quote of a field",
                       "a quoted field must be followed by " + separator_name(sep_) +
                           " or the end of the line; write a quote inside it as \"\"");
    }
    return field;
  }

  std::string_view text_;
  char sep_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<CsvRow> parse_csv(std::string_view text, char sep, const std::string& name) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return CsvReader(text, sep, name).rows();
}

}  // namespace qualm
