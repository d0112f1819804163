// Prompts under system_prompt, gen_prefix, apply_chat_template and fewshot_as_multiturn, against
// values worked by hand from lm-evaluation-harness's Task.fewshot_context, ContextSampler.get_context
// / get_chat_context and append_target_question.
#include "tasks/chat_prompt.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

PromptParts sums(bool description = true) {
  PromptParts p;
  if (description) p.description = "About sums.\n\n";
  p.shots = {{"1+1 =", "2"}, {"2+2 =", "4"}};
  p.question = "3+3 =";
  return p;
}

TaskSpec spec(bool chat, bool multiturn = false, std::optional<std::string> system = std::nullopt) {
  TaskSpec s;
  s.chat.apply_chat_template = chat;
  s.chat.fewshot_as_multiturn = multiturn;
  s.chat.system_prompt = std::move(system);
  return s;
}

TEST(ChatPrompt, PlainTextIsDescriptionShotsQuestion) {
  EXPECT_EQ(plain_prompt(sums(), spec(false)), "About sums.\n\n1+1 = 2\n\n2+2 = 4\n\n3+3 =");
}

TEST(ChatPrompt, PlainSystemPromptGoesBeforeTheDescriptionWithTheFewshotDelimiter) {
  EXPECT_EQ(plain_prompt(sums(), spec(false, false, "Be brief.")),
            "Be brief.\n\nAbout sums.\n\n1+1 = 2\n\n2+2 = 4\n\n3+3 =");
  // Without a description lm-eval puts nothing between the system prompt and the first shot.
  EXPECT_EQ(plain_prompt(sums(false), spec(false, false, "Be brief.")), "Be brief.1+1 = 2\n\n2+2 = 4\n\n3+3 =");
}

TEST(ChatPrompt, PlainGenPrefixStartsEveryAnswer) {
  PromptParts p = sums(false);
  p.gen_prefix = "So";
  EXPECT_EQ(plain_prompt(p, spec(false)), "1+1 = So 2\n\n2+2 = So 4\n\n3+3 = So");
}

TEST(ChatPrompt, ChatShotsAreOneUserTurnWithTheQuestion) {
  const std::vector<ChatMessage> want = {{"system", "Be brief.\n\nAbout sums.\n\n"},
                                         {"user", "1+1 = 2\n\n2+2 = 4\n\n3+3 ="}};
  EXPECT_EQ(chat_messages(sums(), spec(true, false, "Be brief.")), want);
  const std::vector<ChatMessage> bare = {{"user", "1+1 = 2\n\n2+2 = 4\n\n3+3 ="}};
  EXPECT_EQ(chat_messages(sums(false), spec(true)), bare);
}

TEST(ChatPrompt, ChatWithoutShotsIsTheQuestionAlone) {
  PromptParts p = sums(false);
  p.shots.clear();
  const std::vector<ChatMessage> want = {{"user", "3+3 ="}};
  EXPECT_EQ(chat_messages(p, spec(true)), want);
  const std::vector<ChatMessage> system = {{"system", "Be brief."}, {"user", "3+3 ="}};
  EXPECT_EQ(chat_messages(p, spec(true, false, "Be brief.")), system);
}

TEST(ChatPrompt, MultiturnShotsAlternateAndGenPrefixEndsAsTheAssistant) {
  PromptParts p = sums();
  p.gen_prefix = "So";
  const std::vector<ChatMessage> want = {
      {"system", "About sums.\n\n"}, {"user", "1+1 ="}, {"assistant", "So 2"}, {"user", "2+2 ="},
      {"assistant", "So 4"},         {"user", "3+3 ="}, {"assistant", "So"}};
  EXPECT_EQ(chat_messages(p, spec(true, true)), want);
}

TEST(ChatPrompt, ChoicesFollowTheAssistantPromptWithoutTheTargetDelimiter) {
  TaskSpec s = spec(true);
  s.output_type.text = "multiple_choice";
  EXPECT_EQ(continuation_delimiter(s), "");
  s.chat.apply_chat_template = false;
  EXPECT_EQ(continuation_delimiter(s), " ");
}

TEST(ChatPrompt, MultiturnWithoutTheTemplateAndTemplatesOnMultipleInputsAreRefused) {
  TaskSpec s = spec(false, true);
  s.chat_where = "t.yaml:4";
  EXPECT_THROW(gen_prefix_template(s), InputError);
  TaskSpec w = spec(true);
  w.multiple_inputs = true;
  EXPECT_THROW(check_chat(w), InputError);
}

}  // namespace
}  // namespace qualm
