#include "run/sample_log.h"


#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json_problem.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

struct LogLines {
  std::vector<std::string> lines;  // complete lines, without their newline
  bool torn = false;               // text after the last newline
};

LogLines read_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  LogLines out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      out.torn = true;
      break;
    }
    if (end > start) out.lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

SampleRecord parse_line(const std::string& line, const fs::path& path, size_t number) {
  const std::string where = path.string() + ":" + std::to_string(number);
  nlohmann::json record;
  try {
    record = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where, "not a JSON record: " + json_problem(e), "remove the line, or start a new run without --resume");
  }
  return SampleRecord::from_json(record, where);
}

void write_all(int fd, const std::string& text, const fs::path& path) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError("cannot write " + path.string() + ": " + std::strerror(errno));
    written += static_cast<size_t>(n);
  }
}

}  // namespace

std::vector<SampleRecord> read_samples(const fs::path& path) {
  std::vector<SampleRecord> records;
  const LogLines log = read_lines(path);
  for (size_t i = 0; i < log.lines.size(); ++i) records.push_back(parse_line(log.lines[i], path, i + 1));
  return records;
}

SampleLog::SampleLog(fs::path path, bool resume) : path_(std::move(path)) {
  if (resume && fs::exists(path_)) {
    const LogLines log = read_lines(path_);
    dropped_torn_ = log.torn;
    std::string kept;
    for (size_t i = 0; i < log.lines.size(); ++i) {
      const SampleRecord record = parse_line(log.lines[i], path_, i + 1);
      if (!record.ok()) {
        ++dropped_errors_;
        continue;
      }
      if (!done_.insert(record.key()).second) {
        throw InputError(path_.string() + ":" + std::to_string(i + 1), "a record is logged twice",
                         "remove the duplicate line");
      }
      kept += log.lines[i] + "\n";
    }
    resumed_ = static_cast<int64_t>(done_.size());
    if (dropped_torn_ || dropped_errors_ > 0) write_atomically(path_, kept);
  } else if (fs::exists(path_) && fs::file_size(path_) > 0) {
    throw InputError(path_.string(), "already holds records", "pass --resume to continue that run, or choose another --out");
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd_ < 0) throw IoError("cannot open " + path_.string() + ": " + std::strerror(errno));
}

SampleLog::~SampleLog() {
  if (fd_ >= 0) ::close(fd_);
}

void SampleLog::append(const std::vector<SampleRecord>& records) {
  for (const SampleRecord& r : records) {
    const std::string line = r.to_json().dump();
    if (!done_.insert(r.key()).second) throw RunError("record logged twice: " + line.substr(0, 200));
    // One write() per record: a kill between writes leaves whole lines only. A write that
    // fails halfway (a full disk) is cut off again, so that the file holds whole lines only.
    const off_t before = ::lseek(fd_, 0, SEEK_END);
    try {
      write_all(fd_, line + "\n", path_);
    } catch (const IoError&) {
      // Should this fail too, a resumed run drops the torn last line.
      if (before >= 0) [[maybe_unused]] const int cut = ::ftruncate(fd_, before);
      done_.erase(r.key());
      throw;
    }
  }
  if (!records.empty() && ::fdatasync(fd_) != 0) {
    throw IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
}

}  // namespace qualm
