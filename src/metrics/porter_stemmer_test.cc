#include "metrics/porter_stemmer.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace qualm::metrics {
namespace {

// The paper's examples for each step and NLTK's extensions, with the stems NLTK 3.8's
// PorterStemmer() gives (tests/e2e/test_score.py checks a longer list against NLTK itself).
TEST(PorterStem, MatchesNltkOnEachStep) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"caresses", "caress"}, {"ponies", "poni"}, {"ties", "tie"}, {"caress", "caress"}, {"cats", "cat"},
      {"feed", "feed"}, {"agreed", "agre"}, {"plastered", "plaster"}, {"bled", "bled"}, {"motoring", "motor"},
      {"sing", "sing"}, {"conflated", "conflat"}, {"troubled", "troubl"}, {"sized", "size"}, {"hopping", "hop"},
      {"tanned", "tan"}, {"falling", "fall"}, {"hissing", "hiss"}, {"fizzed", "fizz"}, {"failing", "fail"},
      {"filing", "file"}, {"happy", "happi"}, {"sky", "sky"}, {"skies", "sky"}, {"dying", "die"},
      {"relational", "relat"}, {"conditional", "condit"}, {"rational", "ration"}, {"valenci", "valenc"},
      {"hesitanci", "hesit"}, {"digitizer", "digit"}, {"conformabli", "conform"}, {"radicalli", "radic"},
      {"differentli", "differ"}, {"vileli", "vile"}, {"analogousli", "analog"}, {"vietnamization", "vietnam"},
      {"predication", "predic"}, {"operator", "oper"}, {"feudalism", "feudal"}, {"decisiveness", "decis"},
      {"hopefulness", "hope"}, {"callousness", "callous"}, {"formaliti", "formal"}, {"sensitiviti", "sensit"},
      {"sensibiliti", "sensibl"}, {"triplicate", "triplic"}, {"formative", "form"}, {"formalize", "formal"},
      {"electriciti", "electr"}, {"electrical", "electr"}, {"hopeful", "hope"}, {"goodness", "good"},
      {"revival", "reviv"}, {"allowance", "allow"}, {"inference", "infer"}, {"airliner", "airlin"},
      {"gyroscopic", "gyroscop"}, {"adjustable", "adjust"}, {"defensible", "defens"}, {"irritant", "irrit"},
      {"replacement", "replac"}, {"adjustment", "adjust"}, {"dependent", "depend"}, {"adoption", "adopt"},
      {"homologou", "homolog"}, {"communism", "commun"}, {"activate", "activ"}, {"angulariti", "angular"},
      {"homologous", "homolog"}, {"effective", "effect"}, {"bowdlerize", "bowdler"}, {"probate", "probat"},
      {"rate", "rate"}, {"cease", "ceas"}, {"controll", "control"}, {"roll", "roll"},
      {"generalization", "gener"}, {"running", "run"}, {"enjoy", "enjoy"}, {"spied", "spi"}, {"flies", "fli"},
      {"tried", "tri"}, {"analogi", "analog"}, {"fulli", "fulli"}, {"at", "at"}, {"is", "is"}};
  for (const auto& [word, stem] : cases) EXPECT_EQ(porter_stem(word), stem) << word;
}

TEST(PorterStem, LowersAfterTheIrregularLookupAsNltkDoes) {
  EXPECT_EQ(porter_stem("Running"), "run");
  EXPECT_EQ(porter_stem("Skies"), "ski");  // "Skies" is not in NLTK's pool; "skies" is
}

}  // namespace
}  // namespace qualm::metrics
