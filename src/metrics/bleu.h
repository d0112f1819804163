#pragma once
// BLEU as HF evaluate's "bleu" computes it: TensorFlow NMT's compute_bleu on tokenize_13a
// words, max order 4, no smoothing, brevity penalty from the shortest reference of each
// sample, statistics summed over the corpus. Sentence-level BLEU is the same on one sample.
// Scores are on a 0-1 scale.

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace qualm::metrics {

inline constexpr int kBleuMaxOrder = 4;

// Everything BLEU reports; sacrebleu.h returns the same parts.
struct BleuScore {
  double score = 0;
  std::array<double, kBleuMaxOrder> precisions{};
  double brevity_penalty = 0;
  double length_ratio = 0;  // translation / reference length; 0 when the references are empty
  long translation_length = 0;
  long reference_length = 0;
};

// Sufficient statistics of one sample or, summed, of a corpus.
struct BleuStats {
  std::array<long, kBleuMaxOrder> matches{};
  std::array<long, kBleuMaxOrder> possible{};
  long translation_length = 0;
  long reference_length = 0;

  BleuStats& operator+=(const BleuStats& other);
};

// Clipped n-gram matches and possible n-grams of a tokenized translation, with the
// reference length each BLEU variant chooses (shortest for bleu, closest for sacrebleu).
using Words = std::vector<std::string_view>;
BleuStats ngram_stats(const Words& translation, const std::vector<Words>& references, long reference_length);

// A sample's texts through tokenize_13a (after Python's rstrip() when rstrip_first, as
// sacrebleu does), split on whitespace: the words view texts, so the struct is only moved.
struct Tokenized13a {
  std::vector<std::string> texts;
  Words hypothesis;
  std::vector<Words> references;
};
Tokenized13a tokenize_13a_words(std::string_view hypothesis, const std::vector<std::string>& references,
                                bool rstrip_first);

// One sample's statistics, from already tokenized words.
BleuStats bleu_stats(const Words& translation, const std::vector<Words>& references);

// The same from raw texts, tokenized with tokenize_13a.
BleuStats bleu_text_stats(std::string_view prediction, const std::vector<std::string>& references);

BleuScore bleu_from_stats(const BleuStats& stats);

// Corpus BLEU of raw texts: predictions[i] against references[i] (one or more each).
BleuScore bleu(const std::vector<std::string>& predictions, const std::vector<std::vector<std::string>>& references);

BleuScore sentence_bleu(std::string_view prediction, const std::vector<std::string>& references);

}  // namespace qualm::metrics
