#include "io/squad.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

TEST(Squad, OneDocumentPerQuestionInFileOrder) {
  const std::string text = R"({"data": [
    {"title": "T1", "paragraphs": [
      {"context": "Paris is in France.", "qas": [
        {"id": "q1", "question": "Where is Paris?", "answers": [{"text": "France", "answer_start": 12}]},
        {"id": "q2", "question": "What is in France?", "answers": [{"text": "Paris", "answer_start": 0}, {"text": "Paris"}]}]}]},
    {"title": "T2", "paragraphs": [{"context": "C2", "qas": [{"id": "q3", "question": "?", "answers": []}]}]}]})";
  const auto docs = parse_squad(text, "x.json");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].fields["id"], "q1");
  EXPECT_EQ(docs[0].fields["context"], "Paris is in France.");
  EXPECT_EQ(docs[0].fields["answers"], nlohmann::json({"France"}));
  EXPECT_EQ(docs[1].fields["answers"], nlohmann::json({"Paris", "Paris"}));
  EXPECT_EQ(docs[1].fields["answer_starts"], nlohmann::json({0, -1}));
  EXPECT_EQ(docs[2].fields["title"], "T2");
  EXPECT_EQ(docs[2].line, 0);
}

TEST(Squad, MissingFieldNamesItsPath) {
  try {
    parse_squad(R"({"data": [{"paragraphs": [{"qas": []}]}]})", "x.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("data[0].paragraphs[0].context"));
  }
  EXPECT_THROW(parse_squad("{not json", "x.json"), InputError);
}

}  // namespace
}  // namespace qualm
