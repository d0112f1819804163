#pragma once
// Typed failures. Each names where the problem is and what would fix it; the CLI maps the
// type to SPEC S8's exit code. Throw only for what ends the operation.

#include <stdexcept>
#include <string>

namespace qualm {

enum class ExitCode : int { kOk = 0, kRunFailed = 1, kBadInput = 2, kGateFailed = 3 };

// Bad input found before anything ran: options, config, dataset, model file. Exit 2.
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& where, const std::string& problem, const std::string& fix = "")
      : std::runtime_error(compose(where, problem, fix)) {}

  static std::string compose(const std::string& where, const std::string& problem,
                             const std::string& fix) {
    std::string message = where.empty() ? problem : where + ": " + problem;
    if (!fix.empty()) message += " (" + fix + ")";
    return message;
  }
};

// A backend lacks what a request needs; found before the run. Exit 2.
class UnsupportedError : public InputError {
 public:
  using InputError::InputError;
};

// A run that started and failed: a decode error, a server that went away. Exit 1.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file that could not be written (a full disk, a folder gone read-only): it ends the run
// rather than becoming error records, which could not be written either. Exit 1; --resume
// continues once there is room.
class IoError : public RunError {
 public:
  using RunError::RunError;
};

// What a user is told of a failure: the message of qualm's own errors (which name the file,
// the sample and the fix); for any other exception, a fixed sentence, so that a library's text
// (unordered_map::at, basic_string, json.exception...) never reaches a user or a record.
inline std::string user_message(const std::exception& e) {
  if (dynamic_cast<const InputError*>(&e) != nullptr || dynamic_cast<const RunError*>(&e) != nullptr) return e.what();
  return "internal error: an unexpected failure inside qualm or a library it uses (please report it with the "
         "command that caused it; qualm -v prints the library's own message)";
}

}  // namespace qualm
