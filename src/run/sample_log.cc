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

nlohmann::json parse_line(const std::string& line, const fs::path& path, size_t number) {
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string() + ":" + std::to_string(number), "not a JSON record: " + json_problem(e),
                     "remove the line, or start a new run without --resume");
  }
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

std::string record_key(const std::string& model, const std::string& variant, const std::string& backend,
                       const std::string& task, int64_t sample_id, int rep) {
  return model + "\x1f" + variant + "\x1f" + backend + "\x1f" + task + "\x1f" + std::to_string(sample_id) + "\x1f" +
         std::to_string(rep);
}

namespace {

// Why a record read back from a file cannot be keyed (a key missing or of another type).
std::optional<std::string> record_key_problem(const nlohmann::json& r) {
  if (!r.is_object()) return "is not a JSON object";
  for (const char* key : {"model", "variant", "backend", "task_name"}) {
    if (!r.contains(key) || !r[key].is_string()) return std::string("\"") + key + "\" is missing or not a string";
  }
  for (const char* key : {"sample_id", "rep"}) {
    if (!r.contains(key) || !r[key].is_number_integer()) return std::string("\"") + key + "\" is missing or not an integer";
  }
  return std::nullopt;
}

constexpr const char* kRecordFix = "every record names its model, variant, backend, task_name, sample_id and rep";

}  // namespace

std::string record_key(const nlohmann::json& r) {
  if (const auto problem = record_key_problem(r)) throw InputError("a record", *problem, kRecordFix);
  return record_key(r["model"].get<std::string>(), r["variant"].get<std::string>(), r["backend"].get<std::string>(),
                    r["task_name"].get<std::string>(), r["sample_id"].get<int64_t>(), r["rep"].get<int>());
}

std::vector<nlohmann::json> read_samples(const fs::path& path) {
  std::vector<nlohmann::json> records;
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
      const nlohmann::json record = parse_line(log.lines[i], path_, i + 1);
      if (const auto problem = record_key_problem(record)) {
        throw InputError(path_.string() + ":" + std::to_string(i + 1), "not a qualm record: " + *problem, kRecordFix);
      }
      if (record.contains("error") && !record["error"].is_null()) {
        ++dropped_errors_;
        continue;
      }
      if (!done_.insert(record_key(record)).second) {
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

void SampleLog::append(const std::vector<nlohmann::json>& records) {
  for (const nlohmann::json& r : records) {
    if (!done_.insert(record_key(r)).second) throw RunError("record logged twice: " + r.dump().substr(0, 200));
    // One write() per record: a kill between writes leaves whole lines only. A write that
    // fails halfway (a full disk) is cut off again, so that the file holds whole lines only.
    const off_t before = ::lseek(fd_, 0, SEEK_END);
    try {
      write_all(fd_, r.dump() + "\n", path_);
    } catch (const IoError&) {
      // Should this fail too, a resumed run drops the torn last line.
      if (before >= 0) [[maybe_unused]] const int cut = ::ftruncate(fd_, before);
      done_.erase(record_key(r));
      throw;
    }
  }
  if (!records.empty() && ::fdatasync(fd_) != 0) {
    throw IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
}

}  // namespace qualm
