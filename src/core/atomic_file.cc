#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

// Whether a file can be made in `dir`: errno's text when not.
std::optional<std::string> cannot_create_in(const fs::path& dir) {
  const fs::path probe = dir / (".qualm-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return std::nullopt;
}

}  // namespace

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError("cannot write " + path.string() + ": " + std::strerror(errno));
  const auto fail = [&](int error) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw IoError("cannot write " + path.string() + ": " + std::strerror(error));
  };
  for (size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno);
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail(errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw IoError("cannot write " + path.string() + ": " + std::strerror(error));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw IoError("cannot write " + path.string() + ": " + std::strerror(error));
  }
}

std::optional<std::string> output_dir_problem(const fs::path& dir) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(dir, ec);
  fs::path existing = ec ? dir : absolute;
  while (!existing.empty() && !fs::exists(existing, ec)) {
    if (existing == existing.parent_path()) break;
    existing = existing.parent_path();
  }
  if (fs::exists(existing, ec) && !fs::is_directory(existing, ec)) {
    return existing == absolute ? "is a file, not a folder" : existing.string() + " is a file, not a folder";
  }
  if (const auto why = cannot_create_in(existing)) {
    return (existing == absolute ? std::string("cannot be written to: ") : existing.string() + " cannot be written to: ") + *why;
  }
  return std::nullopt;
}

std::optional<std::string> output_file_problem(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) return "is a folder, not a file";
  const fs::path parent = fs::absolute(file, ec).parent_path();
  if (!fs::is_directory(parent, ec)) return "its folder " + parent.string() + " does not exist";
  if (const auto why = cannot_create_in(parent)) return "its folder " + parent.string() + " cannot be written to: " + *why;
  return std::nullopt;
}

}  // namespace qualm
