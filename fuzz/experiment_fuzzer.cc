// The experiment reader (config/experiment*.cc, config/yaml_text.cc): any file gives an
// experiment or a list of problems, never an exception.
#include "config/experiment.h"
#include "core/errors.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)qualm::load_experiment(qualm::fuzz::write_input("experiment.yaml", data, size));
  } catch (const qualm::InputError&) {
  }
  return 0;
}
