// The dataset readers (io/): the first byte picks the format (JSONL, CSV, TSV, SQuAD JSON,
// HellaSwag text, WikiText, and JSONL through gzip or bzip2 from a file); any bytes give
// documents or InputError.
#include <string>

#include "core/errors.h"
#include "fuzz_input.h"
#include "io/dataset.h"
#include "io/hellaswag_text.h"
#include "io/squad.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 8) {
      case 0: (void)qualm::parse_dataset(text, qualm::DataFormat::kJsonl, "fuzz"); break;
      case 1: (void)qualm::parse_dataset(text, qualm::DataFormat::kCsv, "fuzz"); break;
      case 2: (void)qualm::parse_dataset(text, qualm::DataFormat::kTsv, "fuzz"); break;
      case 3: (void)qualm::parse_squad(text, "fuzz"); break;
      case 4: (void)qualm::parse_hellaswag_text(text, "fuzz"); break;
      case 5: (void)qualm::parse_dataset(text, qualm::DataFormat::kWikitext, "fuzz"); break;
      case 6: (void)qualm::read_dataset(qualm::fuzz::write_input("d.jsonl.gz", data + 1, size - 1), qualm::DataFormat::kJsonl, "fuzz"); break;
      default: (void)qualm::read_dataset(qualm::fuzz::write_input("d.jsonl.bz2", data + 1, size - 1), qualm::DataFormat::kJsonl, "fuzz"); break;
    }
  } catch (const qualm::InputError&) {
  }
  return 0;
}
