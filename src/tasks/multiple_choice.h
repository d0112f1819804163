#pragma once
// Multiple choice by log-likelihood, as lm-evaluation-harness scores it: one request per
// choice, (context, delimiter + choice); acc, acc_norm (per character of the choice),
// acc_bytes (per UTF-8 byte) from the same numbers; plus acc_token_mean, llama.cpp's
// HellaSwag score: the mean log-prob of the tokens after the longest token prefix that all
// of a document's (context + choice) sequences share.

#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace qualm {

struct McDoc {
  std::string context;
  std::vector<std::string> choices;
  int gold = 0;
};

std::vector<LoglikelihoodRequest> mc_requests(const McDoc& doc, const std::string& delimiter = " ");

struct McDocScore {
  std::vector<double> loglikelihood;  // per choice
  std::vector<double> token_mean;     // per choice, llama.cpp's score
  int pred_acc = 0, pred_norm = 0, pred_bytes = 0, pred_token_mean = 0;
  // Tokens between the choices' common prefix and a continuation's start have no log-prob
  // here; counted so that the rare documents where acc_token_mean is approximate are known.
  bool token_mean_gap = false;
};

// results: this document's, in choice order.
McDocScore score_mc_doc(const McDoc& doc, std::span<const LoglikelihoodResult> results);

struct McMetric {
  double value = 0;
  double stderr_ = 0;  // sample standard deviation / sqrt(n)
};

struct McMetrics {
  McMetric acc, acc_norm, acc_bytes, acc_token_mean;
  int n = 0;
  int token_mean_gaps = 0;
};

McMetrics aggregate_mc(std::span<const McDoc> docs, std::span<const McDocScore> scores);

// Unicode code points in UTF-8 text (Python's len()).
size_t utf8_length(const std::string& text);

}  // namespace qualm
