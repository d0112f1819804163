// The GGUF header reader (backend/llama/gguf_file.cc): any bytes are read or refused with
// InputError, within the bytes given.
#include <sstream>
#include <string>

#include "backend/llama/gguf_file.h"
#include "core/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)qualm::llama::parse_gguf(in, size, "fuzz.gguf");
  } catch (const qualm::InputError&) {
  }
  return 0;
}
