#pragma once

namespace qualm::metrics {

// Precision, recall and their F1 (0 when both are 0), as ROUGE and BERTScore report them.
struct PrfScore {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

inline double f1_of(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

}  // namespace qualm::metrics
