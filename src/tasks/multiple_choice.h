#pragma once
// Multiple choice by log-likelihood, as lm-evaluation-harness scores it: one request per
// choice, (context, delimiter + choice), split as lm-eval's _encode_pair splits it; acc,
// acc_norm (per character of the choice), acc_bytes (per UTF-8 byte) from the same numbers.
// Plus acc_token_mean, llama.cpp's score (llama-perplexity --hellaswag and
// --multiple-choice): each choice's (context + delimiter + choice) tokenized whole, the mean
// log-prob of its tokens after the longest token prefix all of a document's sequences share
// (TokenSplit::kSharedPrefix requests, one group per document). For a task of lm-eval's
// multiple_inputs (winogrande: one context per choice, one continuation), acc_token_mean is
// llama-perplexity --winogrande's score instead (see winogrande_token_mean).

#include <span>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace qualm {

struct McDoc {
  std::string context;
  std::vector<std::string> choices;
  int gold = 0;
  // lm-eval's multiple_inputs (winogrande): choice i's request is context + choices[i], then the
  // delimiter and this shared continuation; acc_token_mean follows llama-perplexity --winogrande.
  std::optional<std::string> continuation = std::nullopt;
  // apply_chat_template: the context as chat turns (the requests carry these, not context).
  std::vector<ChatMessage> messages = {};
};

// The document's requests: its choices split as lm-eval does, then (group >= 0) the same texts
// as one kSharedPrefix group for acc_token_mean.
std::vector<LoglikelihoodRequest> mc_requests(const McDoc& doc, const std::string& delimiter = " ",
                                              int64_t group = -1);

struct McDocScore {
  std::vector<double> loglikelihood;  // per choice
  std::vector<double> token_mean;     // per choice, llama.cpp's score
  int pred_acc = 0, pred_norm = 0, pred_bytes = 0, pred_token_mean = 0;
  // The tokens llama.cpp's joint tokenization feeds differ from lm-eval's split for some choice
  // (a vocabulary that merges across the context's end): the two scores saw different inputs.
  bool split_differs = false;
  // winogrande: a tail so short that llama-perplexity scores from the shared prefix and reads
  // one wrong logit for the second choice (its FIXME); its decision may differ from ours.
  bool llama_quirk = false;
  std::string error;       // a choice could not be scored: the document is left out of the metrics
  int unknown_tokens = 0;  // in the lm-eval-split sequences of its choices
};

// results: this document's lm-eval-split results in choice order; shared: its kSharedPrefix
// results in choice order (empty: acc_token_mean from results' continuations alone).
McDocScore score_mc_doc(const McDoc& doc, std::span<const LoglikelihoodResult> results,
                        std::span<const LoglikelihoodResult> shared = {});

struct McMetric {
  double value = 0;
  double stderr_ = 0;  // sample standard deviation / sqrt(n)
};

struct McMetrics {
  McMetric acc, acc_norm, acc_bytes, acc_token_mean;
  int n = 0;
  int split_differs = 0;  // documents whose two tokenizations differ (McDocScore::split_differs)
};

// Documents with an error are left out; n counts the others.
McMetrics aggregate_mc(std::span<const McDoc> docs, std::span<const McDocScore> scores);


}  // namespace qualm
