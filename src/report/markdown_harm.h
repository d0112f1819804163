#pragma once
// report.md's quantization harm section from summary["quantization_harm"] (analysis/quant_harm.h):
// per model and backend, the variants against the base (PPL, ΔPPL %, mean KLD, top-1
// agreement, size, compression, speed), each variant's actual tensor types, KLD and
// generation by category with the most harmed categories marked, and the thresholds as
// PASS/FAIL lines with the gate lines that check them.

#include <nlohmann/json.hpp>

#include <ostream>

namespace qualm::report {

void write_quantization_harm_markdown(std::ostream& out, const nlohmann::json& summary);

}  // namespace qualm::report
