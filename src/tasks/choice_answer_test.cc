// Reading an answer from a reply (mc_mode generate), on hand-written replies.
#include "tasks/choice_answer.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

const std::vector<std::string> kOptions = {"the sun", "the moon", "a star", "Mars"};

TEST(ChoiceAnswer, LettersTheOptionsAndKeepsOneAnswerCue) {
  EXPECT_EQ(lettered_question("Question: What shines?\nAnswer:", kOptions),
            "Question: What shines?\nA. the sun\nB. the moon\nC. a star\nD. Mars\nAnswer:");
  EXPECT_EQ(lettered_question("Which shines?", {"x", "y"}), "Which shines?\nA. x\nB. y\nAnswer:");
  // MMLU's question lists its options and its choices are the letters: they are not listed twice.
  EXPECT_EQ(lettered_question("Q?\nA. 1\nB. 2\nAnswer:", {"A", "B"}), "Q?\nA. 1\nB. 2\nAnswer:");
}

TEST(ChoiceAnswer, ReadsAnAnswerCue) {
  EXPECT_EQ(extract_choice("I think the answer is C because stars shine.", kOptions), 2);
  EXPECT_EQ(extract_choice("Answer: (B)", kOptions), 1);
  EXPECT_EQ(extract_choice("Final answer: **D**", kOptions), 3);
  EXPECT_EQ(extract_choice("The answer is E.", kOptions), std::nullopt);  // no fifth option, and no option text
}

TEST(ChoiceAnswer, ReadsALeadingLetterButNotTheArticle) {
  EXPECT_EQ(extract_choice(" B", kOptions), 1);
  EXPECT_EQ(extract_choice("C. a star", kOptions), 2);
  EXPECT_EQ(extract_choice("(A) because", kOptions), 0);
  EXPECT_EQ(extract_choice("**D**", kOptions), 3);
  EXPECT_EQ(extract_choice("A cat sat on a mat.", kOptions), std::nullopt);
  EXPECT_EQ(extract_choice("Because it is hot.", kOptions), std::nullopt);
}

TEST(ChoiceAnswer, ReadsAnOptionTextAsAWholePhrase) {
  EXPECT_EQ(extract_choice("It must be the moon, surely.", kOptions), 1);
  EXPECT_EQ(extract_choice("mars", kOptions), 3);
  EXPECT_EQ(extract_choice("The sunlight.", kOptions), std::nullopt);  // "the sun" inside a word
  // The earliest option in the reply wins, then the longest at one place.
  EXPECT_EQ(extract_choice("Not the moon but the sun.", kOptions), 1);
  EXPECT_EQ(extract_choice("yes sir", {"yes", "yes sir"}), 1);
}

TEST(ChoiceAnswer, LetterChoicesAreReadAsLettersOnly) {
  const std::vector<std::string> letters = {"A", "B", "C", "D"};
  EXPECT_EQ(extract_choice("a dog ran", letters), std::nullopt);
  EXPECT_EQ(extract_choice("B.", letters), 1);
  EXPECT_EQ(extract_choice("I'd say the answer is D", letters), 3);
}

TEST(ChoiceAnswer, MoreThan26ChoicesAreRefused) {
  EXPECT_NO_THROW(check_choice_count(26, "t.jsonl:1"));
  EXPECT_THROW(check_choice_count(27, "t.jsonl:1"), InputError);
  EXPECT_EQ(choice_letter(25), "Z");
}

}  // namespace
}  // namespace qualm
