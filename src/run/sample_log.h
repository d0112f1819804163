#pragma once
// samples.jsonl as a crash-safe log (SPEC S5): each record is one line, written with one
// write() and synced to disk after every batch, so a kill loses at most the batch in flight.
// Opening an existing log for --resume drops a torn last line, drops error records (their
// samples are retried) and remembers every finished record's key, so nothing is duplicated.

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "records/sample_record.h"

namespace qualm {

class SampleLog {
 public:
  // resume = false: the file must not hold records yet (it is created).
  SampleLog(std::filesystem::path path, bool resume);
  ~SampleLog();
  SampleLog(const SampleLog&) = delete;
  SampleLog& operator=(const SampleLog&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool has(const RecordKey& key) const { return done_.count(key) > 0; }
  // Appends records (each once: a key already logged is a bug and throws) and syncs.
  void append(const std::vector<SampleRecord>& records);

  int64_t resumed() const { return resumed_; }            // records found when opening
  int64_t dropped_errors() const { return dropped_errors_; }
  bool dropped_torn_line() const { return dropped_torn_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::set<RecordKey> done_;
  int64_t resumed_ = 0;
  int64_t dropped_errors_ = 0;
  bool dropped_torn_ = false;
};

// Every record of a samples.jsonl (a torn last line is ignored); throws InputError naming
// the line (and the key) of any other bad line.
std::vector<SampleRecord> read_samples(const std::filesystem::path& path);

}  // namespace qualm
