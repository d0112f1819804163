#pragma once
// Multiple choice answered by generation (mc_mode: generate), for chat APIs that return no
// prompt log-probs (lm-eval's issues #1662 and #2326). The question is shown with lettered
// options, as lm-eval's generative MMLU shows them; the reply is read for a letter or an
// option's text. A reply that names none is a refusal: it counts as wrong for acc_generate and
// as 1 for refused, so that a model that declines is never mistaken for one that guesses.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qualm {

// "A", "B", ... for choice i (at most 26 choices: check_choice_count).
std::string choice_letter(int i);

// Throws InputError at `where` for more than 26 choices.
void check_choice_count(size_t n, const std::string& where);

// doc_to_text without a trailing "Answer:" cue, then the options one per line ("A. text"; left
// out when the choices are the letters themselves, as in MMLU, whose question lists them), then
// "Answer:".
std::string lettered_question(const std::string& text, const std::vector<std::string>& choices);

// The choice a reply names, the first rule that finds one deciding:
//  1. "answer is B", "Answer: B", "answer: (B)" (any case of "answer"; the letter upper case and
//     not followed by a letter);
//  2. the reply starts with the letter ("B", "B.", "(B)", "B)", "B:", "**B**"), not a word;
//  3. an option's text (any case) as a whole phrase in the reply: the earliest, then the longest.
// nullopt: a refusal.
std::optional<int> extract_choice(std::string_view reply, const std::vector<std::string>& choices);

}  // namespace qualm
