#pragma once
// The quantization harm section of report.md and report.html, from the summary's quantization_harm
// (analysis/quant_harm.h): per model and backend, the variants against the base (PPL, ΔPPL %,
// mean KLD, top-1 agreement, size, compression, speed), each variant's actual tensor types,
// KLD and generation by category with the most harmed categories marked, and the thresholds as
// PASS/FAIL lines with the gate lines that check them.

#include "analysis/quant_harm.h"
#include "report/doc.h"

namespace qualm::report {

void add_quantization_harm_section(Doc& doc, const analysis::QuantizationHarm& harm);

}  // namespace qualm::report
