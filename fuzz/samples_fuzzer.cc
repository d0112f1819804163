// samples.jsonl as --resume reads it (run/sample_log.cc): any file is resumed (torn last line
// and error records dropped) or refused with InputError.
#include "core/errors.h"
#include "fuzz_input.h"
#include "run/sample_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = qualm::fuzz::write_input("samples.jsonl", data, size);
  try {
    (void)qualm::read_samples(path);
  } catch (const qualm::InputError&) {
  }
  try {
    qualm::SampleLog log(path, true);
  } catch (const qualm::InputError&) {
  }
  return 0;
}
