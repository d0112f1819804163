#include "io/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/data_dir.h"
#include "core/errors.h"

namespace qualm {
namespace {

using nlohmann::json;

std::string error_of(const std::string& text, DataFormat format) {
  try {
    parse_dataset(text, format, "d/f");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(DataFormat, ParsesEveryNameAndBack) {
  for (const char* name : {"jsonl", "csv", "tsv", "lines", "text", "wikitext", "hellaswag_text"}) {
    EXPECT_EQ(data_format_name(parse_data_format(name, "task.yaml:3")), name);
  }
  EXPECT_EQ(parse_data_format("hellaswag_text", "x"), DataFormat::kHellaswagText);
}

TEST(DataFormat, UnknownNameSuggestsAndLists) {
  try {
    parse_data_format("jsnl", "task.yaml:3");
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "task.yaml:3: unknown data format \"jsnl\" (did you mean jsonl? valid formats: jsonl, csv, tsv, lines, "
              "text, wikitext, hellaswag_text, squad)");
  }
  EXPECT_THROW(parse_data_format("JSONL", "x"), InputError);  // names are exact
}

TEST(DataFormat, GuessFromFileName) {
  EXPECT_EQ(guess_data_format("a/arc_easy.jsonl"), DataFormat::kJsonl);
  EXPECT_EQ(guess_data_format("HumanEval.jsonl.gz"), DataFormat::kJsonl);
  EXPECT_EQ(guess_data_format("mmlu/test/x_test.csv"), DataFormat::kCsv);
  EXPECT_EQ(guess_data_format("dev.TSV.bz2"), DataFormat::kTsv);
  EXPECT_EQ(guess_data_format("wiki.test.raw"), DataFormat::kText);
  EXPECT_EQ(guess_data_format("wiki.test.tokens"), DataFormat::kText);
  EXPECT_EQ(guess_data_format("hellaswag_val_full.txt.bz2"), DataFormat::kText);
  EXPECT_EQ(guess_data_format("xquad.en.json"), std::nullopt);
  EXPECT_EQ(guess_data_format("data.gz"), std::nullopt);
  EXPECT_EQ(guess_data_format("README"), std::nullopt);
}

TEST(Jsonl, ObjectsInOrderSkippingBlankLines) {
  const auto docs = parse_dataset("\xEF\xBB\xBF{\"q\": \"a\", \"n\": 1}\r\n\n  \n{\"q\": \"b\"}", DataFormat::kJsonl, "d/f");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].fields, json({{"q", "a"}, {"n", 1}}));
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].fields, json({{"q", "b"}}));
  EXPECT_EQ(docs[1].line, 4);
}

TEST(Jsonl, InvalidJsonNamesTheLine) {
  const std::string error = error_of("{\"q\": 1}\n{\"q\": 2,}\n", DataFormat::kJsonl);
  EXPECT_TRUE(error.rfind("d/f:2: not valid JSON: column 9: syntax error", 0) == 0) << error;
  EXPECT_FALSE(contains(error, "json.exception")) << error;
  EXPECT_TRUE(contains(error, "(each line of a .jsonl file holds one JSON object")) << error;
}

TEST(Jsonl, NonObjectNamesTheLine) {
  EXPECT_EQ(error_of("{}\n\n[1, 2]\n", DataFormat::kJsonl),
            "d/f:3: a JSON array, not an object (each line of a .jsonl file holds one JSON object, e.g. "
            "{\"question\": \"...\"})");
  EXPECT_TRUE(contains(error_of("\"just a string\"", DataFormat::kJsonl), "d/f:1: a JSON string, not an object"));
}

TEST(Table, CsvRowsBecomeObjectsOfStrings) {
  const auto docs = parse_dataset("question,answer\n\"2, 3 or \"\"4\"\"?\nsure\",3\r\nx,\n", DataFormat::kCsv, "d/f");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].fields, json({{"question", "2, 3 or \"4\"?\nsure"}, {"answer", "3"}}));
  EXPECT_EQ(docs[0].line, 2);
  EXPECT_EQ(docs[1].fields, json({{"question", "x"}, {"answer", ""}}));
  EXPECT_EQ(docs[1].line, 4);
}

TEST(Table, TsvUsesTabs) {
  const auto docs = parse_dataset("sentence\tlabel\nit 's fine , really \t1\n", DataFormat::kTsv, "d/f");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].fields, json({{"sentence", "it 's fine , really "}, {"label", "1"}}));
}

TEST(Table, HeaderOnlyOrEmptyGivesNoDocs) {
  EXPECT_TRUE(parse_dataset("a,b\n", DataFormat::kCsv, "d/f").empty());
  EXPECT_TRUE(parse_dataset("", DataFormat::kCsv, "d/f").empty());
}

TEST(Table, WrongFieldCountNamesLineAndCause) {
  EXPECT_EQ(error_of("a,b,c,d,e,f\n1,2,3,4,5,6\n\"x\ny\",2,3,4,5\n", DataFormat::kCsv),
            "d/f:3: row has 5 fields, the header has 6 (likely a missing field, or a line break inside an unquoted "
            "field; put such fields in \"quotes\")");
  EXPECT_EQ(error_of("q,a\n1,2\nsay 1, 2,3\n", DataFormat::kCsv),
            "d/f:3: row has 3 fields, the header has 2 (likely an unquoted comma inside a field; put such fields in "
            "\"quotes\")");
  EXPECT_TRUE(contains(error_of("q\ta\nx\ty\tz\n", DataFormat::kTsv), "likely an unquoted tab"));
}

TEST(Table, HeaderNamesMustBeDistinctAndNonEmpty) {
  EXPECT_EQ(error_of("\na,b,a\n1,2,3\n", DataFormat::kCsv),
            "d/f:2: column 3 of the header repeats the name \"a\" of column 1 (give each column its own name)");
  EXPECT_EQ(error_of("a,,c\n", DataFormat::kCsv),
            "d/f:1: column 2 of the header has no name (the first row names every field)");
}

TEST(Table, UnterminatedQuoteThroughParseDataset) {
  EXPECT_TRUE(contains(error_of("a\n1\n\"2\n3\n", DataFormat::kCsv), "d/f:3: quoted field is never closed"));
}

TEST(Lines, OneDocPerNonEmptyLine) {
  const auto docs = parse_dataset("first\r\n\nsecond  \n\r\nthird", DataFormat::kLines, "d/f");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].fields, json({{"text", "first"}}));
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].fields, json({{"text", "second  "}}));
  EXPECT_EQ(docs[1].line, 3);
  EXPECT_EQ(docs[2].fields, json({{"text", "third"}}));
  EXPECT_EQ(docs[2].line, 5);
}

TEST(Text, WholeFileIsOneDoc) {
  const auto docs = parse_dataset(" a\n\nb \n", DataFormat::kText, "d/f");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].fields, json({{"text", " a\n\nb \n"}}));
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_TRUE(parse_dataset("", DataFormat::kText, "d/f").empty());
}

TEST(Text, InvalidUtf8NamesTheLine) {
  EXPECT_EQ(error_of("ok\ncaf\xE9\n", DataFormat::kText),
            "d/f:2: not valid UTF-8 (byte 6 of the file) (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)");
  EXPECT_TRUE(contains(error_of("a\n\xED\xA0\x80", DataFormat::kLines), "d/f:2: not valid UTF-8"));  // a surrogate
  EXPECT_TRUE(contains(error_of("\xC0\xAF", DataFormat::kCsv), "d/f:1: not valid UTF-8"));          // overlong
  EXPECT_EQ(parse_dataset("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", DataFormat::kText, "d/f").size(), 1u);
}

// Blank preamble, two articles, a section heading that must not split, no final newline issue.
const std::string kWiki =
    " \n"
    " = Alpha Beta = \n"
    " \n"
    " Alpha text . \n"
    " = = History = = \n"
    " More = text = here . \n"
    " \n"
    " = Gamma = \n"
    " \n"
    " Gamma text . \n";

TEST(Wikitext, SplitsAtTopLevelHeadings) {
  const auto docs = parse_dataset(kWiki, DataFormat::kWikitext, "d/f");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].fields["title"], "Alpha Beta");
  EXPECT_EQ(docs[0].fields["page"],
            " = Alpha Beta = \n \n Alpha text . \n = = History = = \n More = text = here . \n ");
  EXPECT_EQ(docs[0].line, 2);
  EXPECT_EQ(docs[1].fields["title"], "Gamma");
  EXPECT_EQ(docs[1].fields["page"], " = Gamma = \n \n Gamma text . \n");  // the last keeps the final newline
  EXPECT_EQ(docs[1].line, 8);
}

TEST(Wikitext, NonBlankPreambleIsKept) {
  const auto docs = parse_dataset("intro\n = A = \nbody", DataFormat::kWikitext, "d/f");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].fields, json({{"page", "intro"}, {"title", ""}}));
  EXPECT_EQ(docs[0].line, 1);
  EXPECT_EQ(docs[1].fields, json({{"page", " = A = \nbody"}, {"title", "A"}}));
  EXPECT_EQ(docs[1].line, 2);
  EXPECT_EQ(parse_dataset(" = A = ", DataFormat::kWikitext, "d/f").size(), 1u);
  EXPECT_TRUE(parse_dataset(" \n \n", DataFormat::kWikitext, "d/f").empty());
  EXPECT_EQ(parse_dataset("= A =\n =A= \n", DataFormat::kWikitext, "d/f")[0].fields["title"], "");  // not headings
}

TEST(HellaswagText, TasksBecomeDocs) {
  const std::string text = "Ctx: a man\n2\ne0\ne1\ne2\ne3\nCtx: b\n0\nf0\nf1\nf2\nf3\n";
  const auto docs = parse_dataset(text, DataFormat::kHellaswagText, "d/f");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].fields, json({{"context", "Ctx: a man"}, {"label", 2}, {"endings", {"e0", "e1", "e2", "e3"}}}));
  EXPECT_EQ(docs[1].line, 7);
  EXPECT_TRUE(contains(error_of("Ctx\n7\na\nb\nc\nd\n", DataFormat::kHellaswagText), "d/f:2: label"));
}

// The shared evaluation data, when this machine has it.
class RealData : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = find_data_dir();
    if (!dir || !std::filesystem::is_directory(*dir / "datasets")) GTEST_SKIP() << "no shared data dir with datasets/";
    datasets_ = *dir / "datasets";
  }
  std::vector<Doc> read(const std::string& relative) {
    const std::filesystem::path path = datasets_ / relative;
    if (!std::filesystem::exists(path)) ADD_FAILURE() << "missing " << path;
    return read_dataset(path, *guess_data_format(path), relative);
  }
  std::filesystem::path datasets_;
};

TEST_F(RealData, MmluAbstractAlgebra) {
  const auto docs = read("mmlu/test/abstract_algebra_test.csv");
  ASSERT_EQ(docs.size(), 100u);
  for (const char* key : {"question", "choice0", "choice1", "choice2", "choice3", "answer"}) {
    EXPECT_TRUE(docs[0].fields.contains(key)) << key;
  }
  EXPECT_EQ(docs[0].fields.size(), 6u);
  EXPECT_EQ(docs[0].line, 2);
  EXPECT_EQ(docs[2].fields["choice2"], "0,1");
}

TEST_F(RealData, EveryMmluCsvParses) {
  for (const auto& [split, rows] : {std::pair{"dev", 285u}, std::pair{"test", 14042u}}) {
    size_t files = 0, total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(datasets_ / "mmlu" / split)) {
      if (entry.path().extension() != ".csv") continue;
      ++files;
      total += read(std::string("mmlu/") + split + "/" + entry.path().filename().string()).size();
    }
    EXPECT_EQ(files, 57u) << split;
    EXPECT_EQ(total, rows) << split;
  }
}

TEST_F(RealData, ArcEasy) { EXPECT_EQ(read("arc/arc_easy.jsonl").size(), 2376u); }

TEST_F(RealData, HellaswagCompressed) {
  const std::string name = "hellaswag/hellaswag_val_full.txt.bz2";
  const auto docs = read_dataset(datasets_ / name, DataFormat::kHellaswagText, name);
  ASSERT_EQ(docs.size(), 10042u);
  EXPECT_EQ(docs[1].line, 7);
  EXPECT_EQ(docs[0].fields["endings"].size(), 4u);
}

TEST_F(RealData, WikitextTestHas62Articles) {
  const std::string name = "wikitext-2/wiki.test.raw";
  const auto docs = read_dataset(datasets_ / name, DataFormat::kWikitext, name);
  ASSERT_EQ(docs.size(), 62u);
  EXPECT_EQ(docs[0].fields["title"], "Robert Boulter");
  EXPECT_EQ(docs[0].line, 2);
  std::string joined;  // the articles are the file after its blank first line
  for (const Doc& doc : docs) {
    if (!joined.empty()) joined += "\n";
    joined += doc.fields["page"].get<std::string>();
  }
  EXPECT_EQ(" \n" + joined, read("wikitext-2/wiki.test.raw")[0].fields["text"].get<std::string>());
}

}  // namespace
}  // namespace qualm
