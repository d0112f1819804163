// The task-file reader (config/task_spec.cc): any file is read or refused with InputError.
#include "config/task_spec.h"
#include "core/errors.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)qualm::load_task_spec(qualm::fuzz::write_input("task.yaml", data, size));
  } catch (const qualm::InputError&) {
  }
  return 0;
}
