#pragma once
// The Porter stemmer exactly as NLTK's PorterStemmer() runs it in its default mode,
// NLTK_EXTENSIONS (NLTK 3.8), which is what rouge-score's use_stemmer=True calls. ASCII
// letters are lowered first (rouge's tokens are [a-z0-9]+ already); other bytes count as
// consonants, as they do in NLTK.

#include <string>
#include <string_view>

namespace qualm::metrics {

std::string porter_stem(std::string_view word);

}  // namespace qualm::metrics
