#include "tasks/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"

namespace qualm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string render(const std::string& source, const json& scope) {
  return Template::parse(source, "task.yaml").render(scope, "data.jsonl:3");
}

json value_of(const std::string& source, const json& scope) {
  return Template::parse(source, "task.yaml").render_value(scope, "data.jsonl:3");
}

// The InputError message of parsing and rendering `source`, or "" with a test failure.
std::string error_of(const std::string& source, const json& scope = json::object()) {
  try {
    render(source, scope);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << source;
  return "";
}

const json kMmluDoc = {{"question", "  Which planet is largest?\n"},
                       {"subject", "high_school_astronomy"},
                       {"choices", {"Mars", "Jupiter", "Venus", "Earth"}},
                       {"answer", 1}};

// Integer arithmetic past 64 bits goes on as floats, as Python's unbounded ints would give the
// value (an int64 overflow was undefined behaviour; found by the template fuzzer).
TEST(Template, IntegerOverflowBecomesAFloat) {
  EXPECT_EQ(render("{{ 3 * 4 }}", json::object()), "12");
  EXPECT_EQ(render("{{ 9223372036854775807 + 1 }}", json::object()), render("{{ 9223372036854775808.0 }}", json::object()));
  EXPECT_EQ(render("{{ 61200020000000000 * 82 }}", json::object()), "5018401640000000000");  // still fits
  EXPECT_EQ(render("{{ 9223372036854775807 * 2 }}", json::object()), render("{{ 18446744073709551614.0 }}", json::object()));
}

TEST(Template, MmluPrompt) {
  const std::string mmlu =
      "{{question.strip()}}\nA. {{choices[0]}}\nB. {{choices[1]}}\nC. {{choices[2]}}\nD. {{choices[3]}}\nAnswer:";
  EXPECT_EQ(render(mmlu, kMmluDoc),
            "Which planet is largest?\nA. Mars\nB. Jupiter\nC. Venus\nD. Earth\nAnswer:");
  EXPECT_EQ(render("The following are questions about {{subject|replace('_', ' ')}}.", kMmluDoc),
            "The following are questions about high school astronomy.");
  EXPECT_EQ(value_of("{{answer}}", kMmluDoc), json(1));
  EXPECT_EQ(value_of("{{choices[answer]}}", kMmluDoc), json("Jupiter"));
  EXPECT_EQ(value_of("{{choices[-1]}}", kMmluDoc), json("Earth"));
}

const json kArcDoc = {{"question", "Which is a gas?"},
                      {"choices", {{"text", {"ice", "water", "steam", "salt"}}, {"label", {"A", "B", "C", "D"}}}},
                      {"answerKey", "C"}};

TEST(Template, ArcValues) {
  const json index = value_of("{{choices.label.index(answerKey)}}", kArcDoc);
  EXPECT_TRUE(index.is_number_integer());
  EXPECT_EQ(index, json(2));
  EXPECT_EQ(value_of("  {{ choices.text }}\n", kArcDoc), json({"ice", "water", "steam", "salt"}));
  EXPECT_EQ(value_of("{{choices['text'][2]}}", kArcDoc), json("steam"));
  EXPECT_EQ(value_of("{{choices.text.0}}", kArcDoc), json("ice"));
  EXPECT_EQ(value_of("Question: {{question}}", kArcDoc), json("Question: Which is a gas?"));
  EXPECT_EQ(value_of("{{[question, answerKey]}}", kArcDoc), json({"Which is a gas?", "C"}));
}

TEST(Template, HellaswagPreprocessAsFilters) {
  // lm-eval: ctx = ctx_a + " " + ctx_b.capitalize(); preprocess(activity_label + ": " + ctx), where
  // preprocess strips, replaces " [title]" with ". ", removes "[...]" spans, then "  " with " ".
  const std::string hellaswag =
      R"({{ (activity_label ~ ': ' ~ ctx_a ~ ' ' ~ ctx_b|capitalize) | trim | replace(' [title]', '. ') )"
      R"(| regex_replace('\\[.*?\\]', '') | replace('  ', ' ') }})";
  const json doc = {{"activity_label", "Home and Garden"},
                    {"ctx_a", "[header] How to grow tomatoes [title] Pick a sunny spot. [step] Tomatoes need light."},
                    {"ctx_b", "plant them in SPRING. "}};
  // concatenated: "Home and Garden: [header] How to grow tomatoes [title] Pick a sunny spot.
  //   [step] Tomatoes need light. Plant them in spring. "
  // trim, then " [title]" -> ". ": "...grow tomatoes.  Pick a sunny spot. [step] Tomatoes..."
  // remove [header], [step] (non-greedy): "Home and Garden:  How ... tomatoes.  Pick ... spot.  Tomatoes..."
  // "  " -> " ":
  EXPECT_EQ(render(hellaswag, doc),
            "Home and Garden: How to grow tomatoes. Pick a sunny spot. Tomatoes need light. Plant them in spring.");
}

TEST(Template, Precedence) {
  const json scope = {{"a", "x"}, {"n", 2}, {"s", "ab"}};
  EXPECT_EQ(render("{{ a ~ s|upper }}", scope), "xAB");           // filter binds tighter than ~
  EXPECT_EQ(render("{{ (a ~ s)|upper }}", scope), "XAB");
  EXPECT_EQ(value_of("{{ n + 3 * n }}", scope), json(8));
  EXPECT_EQ(value_of("{{ (n + 3) * n }}", scope), json(10));
  EXPECT_EQ(value_of("{{ n - 5 }}", scope), json(-3));
  EXPECT_EQ(value_of("{{ -n|string }}", scope), json("-2"));      // Jinja: (-n)|string
  EXPECT_EQ(value_of("{{ n / 4 }}", scope), json(0.5));
  EXPECT_EQ(value_of("{{ n + 0.5 }}", scope), json(2.5));
  EXPECT_EQ(value_of("{{ s + 'c' }}", scope), json("abc"));
  EXPECT_EQ(value_of("{{ [1] + [n] }}", scope), json({1, 2}));
  EXPECT_EQ(render("{{ a ~ n ~ 1.5 ~ true ~ none }}", scope), "x21.5TrueNone");
}

TEST(Template, StringMethods) {
  const json scope = {{"t", "  hello World  "}, {"csv", "a,b,,c"}, {"w", " one  two\tthree\n"}};
  EXPECT_EQ(render("[{{t.strip()}}|{{t.lstrip()}}|{{t.rstrip()}}]", scope), "[hello World|hello World  |  hello World]");
  EXPECT_EQ(render("{{'xxhixx'.strip('x')}}", scope), "hi");
  EXPECT_EQ(render("{{t.strip().lower()}} {{t.strip().upper()}}", scope), "hello world HELLO WORLD");
  EXPECT_EQ(render("{{'hELLO wORLD'.capitalize()}}", scope), "Hello world");
  EXPECT_EQ(render("{{\"they're bill's\".title()}}", scope), "They'Re Bill'S");  // Python's str.title()
  EXPECT_EQ(render("{{t.replace('l', 'L')}}", scope), "  heLLo WorLd  ");
  EXPECT_EQ(value_of("{{csv.split(',')}}", scope), json({"a", "b", "", "c"}));
  EXPECT_EQ(value_of("{{w.split()}}", scope), json({"one", "two", "three"}));
  EXPECT_EQ(value_of("{{t.strip().startswith('hell')}} {{t.endswith('d')}}", scope), json("True False"));
  EXPECT_EQ(value_of("{{csv.index('b')}}", scope), json(2));
  EXPECT_EQ(render("{{', '.join(csv.split(','))}}", scope), "a, b, , c");
  EXPECT_EQ(value_of("{{[1, 2, 1].count(1)}}", scope), json(2));
  EXPECT_EQ(render("{{'a\\tb\\n\\'c\\' \"d\"'}}", scope), "a\tb\n'c' \"d\"");
  EXPECT_EQ(render("{{\"\\[x\\]\"}}", scope), "\\[x\\]");  // unknown escapes keep the backslash
}

TEST(Template, Filters) {
  const json scope = {{"items", {"b", "a", 3}}, {"t", " Mixed case-words "}, {"num", "12"}, {"f", "2.75"},
                      {"nothing", nullptr}, {"text", "x[1] y[22] z"}};
  EXPECT_EQ(render("{{items|join(', ')}}|{{items|join}}", scope), "b, a, 3|ba3");
  EXPECT_EQ(render("{{items|first}}{{items|last}}{{items|length}}{{t|count}}", scope), "b3318");
  EXPECT_EQ(render("[{{t|trim}}][{{t|strip|lower}}][{{t|upper}}]", scope), "[Mixed case-words][mixed case-words][ MIXED CASE-WORDS ]");
  EXPECT_EQ(render("{{t|trim|capitalize}}", scope), "Mixed case-words");
  EXPECT_EQ(render("{{\"they're (mixed) case-words\"|title}}", scope), "They're (Mixed) Case-Words");  // Jinja's title
  EXPECT_EQ(render("{{text|regex_replace('\\\\[(\\\\d+)\\\\]', '<\\\\1>')}}", scope), "x<1> y<22> z");
  EXPECT_EQ(render("{{text|regex_replace('[0-9]+', '$')}}", scope), "x[$] y[$] z");  // $ is literal, as in Python
  EXPECT_EQ(render("{{items|join(d='+')}} {{''|default('empty', boolean=true)}}", scope), "b+a+3 empty");
  EXPECT_EQ(value_of("{{num|int + 1}}", scope), json(13));
  EXPECT_EQ(value_of("{{f|int}}", scope), json(2));
  EXPECT_EQ(value_of("{{f|float}}", scope), json(2.75));
  EXPECT_EQ(value_of("{{'abc'|int(default=-1)}}", scope), json(-1));
  EXPECT_EQ(value_of("{{3|string}}", scope), json("3"));
  EXPECT_EQ(value_of("{{'héj'|list}}", scope), json({"h", "é", "j"}));
  EXPECT_EQ(value_of("{{'héj'|length}}", scope), json(3));
  // Unlike Jinja's, default also replaces None.
  EXPECT_EQ(render("{{missing|default('none given')}}/{{nothing|default('null')}}/{{t|d('x')}}", scope),
                   "none given/null/ Mixed case-words ");
  EXPECT_EQ(render("{{items[7]|default('-')}}", scope), "-");
}

// Found by fuzzing: 'o[[[[...' recursed until the stack overflowed.
// A join over a join multiplies text (fuzz-found: a few KiB of template asked for gigabytes).
TEST(Template, TextPastTheLimitIsRefusedBeforeItIsMade) {
  const json doc = {{"x", std::string(4096, 'a')}, {"sep", std::string(2048, '-')}};
  EXPECT_EQ(render("{{ x | join(sep) | length }}", doc), std::to_string(4096 + 4095 * 2048));
  EXPECT_THAT(error_of("{{ x | join(sep) | join(sep) }}", doc), HasSubstr("more than a template may (1,048,576)"));
  EXPECT_THAT(error_of("{{ sep.join([x | join(sep), x | join(sep)]) }}", doc), HasSubstr("more than a template may (16 MiB)"));
  EXPECT_THAT(error_of("{{ (x | join(sep)) | replace('-', x) }}", doc), HasSubstr("more than a template may (16 MiB)"));
  EXPECT_THAT(error_of("{{ (x | join(sep)) | list }}", doc), HasSubstr("more than a template may (1,048,576)"));
}

TEST(Template, DeepNestingIsRefusedNotRecursedInto) {
  EXPECT_NE(error_of("{{ o" + std::string(100000, '[') + " }}").find("nests deeper than 100 levels"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(100000, '-') + "1 }}").find("nests deeper than 100 levels"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(100000, '(') + " }}").find("nests deeper than 100 levels"), std::string::npos);
}

TEST(Template, UnicodePassesThrough) {
  const json scope = {{"s", "ÉCOLE été\u00a0"}};
  EXPECT_EQ(render("{{s|lower}}", scope), "École été\u00a0");  // ASCII only, never a broken byte
  EXPECT_EQ(render("{{s.strip()|upper}}", scope), "ÉCOLE éTé");   // U+00A0 is whitespace, as in Python
  EXPECT_EQ(render("{{s[1]}}{{s[-2]}}", scope), "Cé");
}

TEST(Template, WhitespaceControlAndComments) {
  const json scope = {{"x", "X"}};
  EXPECT_EQ(render("a  \n {{- x -}} \n  b", scope), "aXb");
  EXPECT_EQ(render("a  {{- x }}  b", scope), "aX  b");
  EXPECT_EQ(render("a  {{ x -}}  b", scope), "a  Xb");
  EXPECT_EQ(render("a {# note #}b {#- gone -#} c", scope), "a bc");
  EXPECT_EQ(render("{{ x }}\n\n", scope), "X\n\n");  // lm-eval keeps trailing newlines
  EXPECT_EQ(render("{{ x }}\r\n\r\n", scope), "X\n\n");
  EXPECT_EQ(render("{ x } }} {{ '}}' }}", scope), "{ x } }} }}");
  EXPECT_EQ(value_of(" {# c #} {{ x }} ", scope), json("X"));
}

TEST(Template, ToText) {
  EXPECT_EQ(to_text(json("plain")), "plain");
  EXPECT_EQ(to_text(json(42)), "42");
  EXPECT_EQ(to_text(json(-7)), "-7");
  EXPECT_EQ(to_text(json(0.5)), "0.5");
  EXPECT_EQ(to_text(json(1.0)), "1.0");
  EXPECT_EQ(to_text(json(0.1)), "0.1");
  EXPECT_EQ(to_text(json(123456.789)), "123456.789");
  EXPECT_EQ(to_text(json(1e16)), "1e+16");
  EXPECT_EQ(to_text(json(1e15)), "1000000000000000.0");
  EXPECT_EQ(to_text(json(0.0001)), "0.0001");
  EXPECT_EQ(to_text(json(0.00001)), "1e-05");
  EXPECT_EQ(to_text(json(-2.5e-7)), "-2.5e-07");
  EXPECT_EQ(to_text(json(true)), "True");
  EXPECT_EQ(to_text(json(false)), "False");
  EXPECT_EQ(to_text(json(nullptr)), "None");
  EXPECT_EQ(to_text(json({"a", "b"})), "['a', 'b']");
  EXPECT_EQ(to_text(json({1, 2.0, true, nullptr})), "[1, 2.0, True, None]");
  EXPECT_EQ(to_text(json::parse(R"({"k": 1, "l": ["x"]})")), "{'k': 1, 'l': ['x']}");
  EXPECT_EQ(to_text(json({"it's", "say \"hi\"", "both ' \"", "a\nb\\"})),
            R"(["it's", 'say "hi"', 'both \' "', 'a\nb\\'])");
  EXPECT_EQ(to_text(json::array()), "[]");
  EXPECT_EQ(to_text(json::object()), "{}");
}

TEST(Template, SourceIsKept) {
  EXPECT_EQ(Template::parse("{{ x }}\n", "t").source(), "{{ x }}\n");
}

TEST(TemplateErrors, MissingField) {
  const std::string e = error_of("Q: {{ questoin.strip() }}", kMmluDoc);
  EXPECT_THAT(e, HasSubstr("data.jsonl:3: field 'questoin' is missing in {{ questoin.strip() }}"));
  EXPECT_THAT(e, HasSubstr("did you mean 'question'?"));
  EXPECT_THAT(e, HasSubstr("available fields: answer, choices, question, subject"));
  EXPECT_THAT(error_of("{{ choices.lable }}", kArcDoc),
              HasSubstr("data.jsonl:3: 'choices' has no field 'lable' in {{ choices.lable }} (did you mean 'label'?"));
}

TEST(TemplateErrors, IndexOutOfRange) {
  EXPECT_THAT(error_of("{{choices[4]}}", kMmluDoc),
              HasSubstr("data.jsonl:3: index 4 is out of range for 'choices' (4 items) in {{choices[4]}}"));
  EXPECT_THAT(error_of("{{choices[-5]}}", kMmluDoc), HasSubstr("index -5 is out of range"));
  EXPECT_THAT(error_of("{{choices.label.index('E')}}", kArcDoc),
              HasSubstr("data.jsonl:3: value 'E' is not in 'choices.label' (['A', 'B', 'C', 'D'])"));
  EXPECT_THAT(error_of("{{choices['x']}}", kMmluDoc), HasSubstr("its index must be an integer, not 'x'"));
}

TEST(TemplateErrors, UnknownFilterOrMethod) {
  const std::string e = error_of("{{ subject | lowr }}");
  EXPECT_THAT(e, HasSubstr("task.yaml: unknown filter 'lowr' at column 14 of the template"));
  EXPECT_THAT(e, HasSubstr("did you mean 'lower'?"));
  EXPECT_THAT(error_of("A\n{{ question.strp() }}"),
              HasSubstr("task.yaml: unknown method 'strp' at line 2, column 13 of the template (did you mean 'strip'?"));
  EXPECT_THAT(error_of("{{ x|replace('a') }}"), HasSubstr("filter 'replace' needs the argument 'new'"));
  EXPECT_THAT(error_of("{{ x|join(sep=',') }}"), HasSubstr("filter 'join' has no argument 'sep'"));
  EXPECT_THAT(error_of("{{ x.split(',', 1) }}"), HasSubstr("split() takes 0 or 1 argument(s), not 2 at column 6"));
}

TEST(TemplateErrors, SyntaxErrors) {
  EXPECT_THAT(error_of("Answer: {{ answer"), HasSubstr("task.yaml: unclosed '{{' at column 9 of the template"));
  EXPECT_THAT(error_of("Answer: {{ "), HasSubstr("task.yaml: unclosed '{{' at column 9"));
  EXPECT_THAT(error_of("{{ 'abc }}"), HasSubstr("task.yaml: unterminated string literal at column 4"));
  EXPECT_THAT(error_of("{{ a b }}"), HasSubstr("task.yaml: expected '}}' but found 'b' at column 6"));
  EXPECT_THAT(error_of("{{ }}"), HasSubstr("expected a value but found '}}' at column 4"));
  EXPECT_THAT(error_of("x {# open"), HasSubstr("task.yaml: unclosed comment '{#' at column 3"));
  EXPECT_THAT(error_of("{{ x[1:] }}"), HasSubstr("slices are not supported at column 7"));
  EXPECT_THAT(error_of("{{ x|regex_replace('[', '') }}"), HasSubstr("bad regular expression"));
  EXPECT_THAT(error_of("{{ 'caf\\u00e9' }}"), HasSubstr("\\u escapes are not supported at column 8"));
}

TEST(TemplateErrors, Statements) {
  const std::string e = error_of("{% if x %}yes{% endif %}");
  EXPECT_THAT(e, HasSubstr("task.yaml: '{%' statements are not supported; use filters at column 1"));
}

TEST(TemplateErrors, TypeErrors) {
  const json scope = {{"n", 1}, {"s", "a"}, {"o", json::object()}};
  EXPECT_THAT(error_of("{{ s + n }}", scope),
              HasSubstr("data.jsonl:3: cannot apply '+' to a string and an integer in {{ s + n }} (use ~"));
  EXPECT_THAT(error_of("{{ n.strip() }}", scope), HasSubstr("'n' is an integer, which has no method strip()"));
  EXPECT_THAT(error_of("{{ s|int }}", scope), HasSubstr("cannot convert 's' ('a') to an integer"));
  EXPECT_THAT(error_of("{{ s.split('') }}", scope), HasSubstr("split() separator is empty"));
  EXPECT_THAT(error_of("{{ s }}", json::array()), HasSubstr("data.jsonl:3: template scope is a list, not an object"));
}

}  // namespace
}  // namespace qualm
