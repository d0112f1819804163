#include "records/sample_record.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/errors.h"
#include "records/config_key.h"

namespace qualm {
namespace {

using nlohmann::json;

// Records of every kind in the shape qualm run writes them (values shortened).
const char* const kLines[] = {
    // generate, ok, an embedding metric skipped
    R"({"backend":"cpu","candidate":"We can take a nap","choices":null,"correct":null,"doc_key":"summ_01",)"
    R"("engine":"llama cpu t1","error":null,"gen_time_ms":1727.775553,"metrics":{"bertscore":null,"rouge_l":0.047058823529411764},)"
    R"("metrics_skipped":{"bertscore":"no embedding model"},"model":"stories260k","output_tokens":128,"prompt":"Summarize",)"
    R"("prompt_tokens":384,"raw_output":" We can take a nap","reference":"A town","rep":1,"run_id":"r1","sample_id":0,"seed":42,)"
    R"("source":"./summarization.jsonl:1","stop_reason":"length","task_name":"summarization","task_type":"summarization",)"
    R"("temperature":0.7,"truncated":true,"unknown_tokens":0,"variant":"f32"})",
    // generate, failed: raw_output and stop_reason are null, token counts unknown
    R"({"backend":"srv","candidate":null,"choices":null,"correct":null,"error":"HTTP 500","gen_time_ms":null,"metrics":{},)"
    R"("model":"m","output_tokens":null,"prompt":"p","prompt_tokens":null,"raw_output":null,"reference":"r","rep":0,)"
    R"("run_id":"r1","sample_id":3,"seed":42,"source":"./qa.jsonl:4","stop_reason":null,"task_name":"qa","task_type":"qa",)"
    R"("temperature":0.0,"truncated":false,"unknown_tokens":0,"variant":"f16"})",
    // multiple choice with --log-tokens
    R"({"backend":"cpu","candidate":"b","choices":[{"is_greedy":false,"loglikelihood":-141.09276107294028,"n_tokens":2,)"
    R"("sequence":[1,5,9],"text":"a","token_logprobs":[-1.5,-2.25],"token_mean":-3.91924336313723},{"is_greedy":true,)"
    R"("loglikelihood":-1.0,"n_tokens":1,"text":"b","token_mean":-1.0}],"correct":false,"error":null,"gen_time_ms":null,)"
    R"("gold":0,"metrics":{"acc":0.0,"acc_bytes":0.0,"acc_norm":1.0,"acc_token_mean":0.0},"model":"m","output_tokens":3,)"
    R"("pred":{"acc":1,"acc_bytes":1,"acc_norm":0,"acc_token_mean":1},"prompt":"Question: q","prompt_tokens":68,)"
    R"("reference":"a","rep":0,"run_id":"r1","sample_id":7,"seed":null,"source":"datasets/arc/arc_easy.jsonl:8",)"
    R"("split_differs":true,"task_name":"arc_easy","task_type":"multiple_choice","temperature":null,"truncated":false,)"
    R"("unknown_tokens":2,"variant":"f32"})",
    // multiple choice with multiple_inputs (winogrande): each choice's text is its context
    R"({"backend":"cpu","candidate":"so Maria","choices":[{"is_greedy":false,"loglikelihood":-9.5,"n_tokens":4,)"
    R"("text":"so Sarah","token_mean":-2.5},{"is_greedy":false,"loglikelihood":-8.0,"n_tokens":4,"text":"so Maria",)"
    R"("token_mean":-2.0}],"continuation":"got the cases.","correct":true,"error":null,"gen_time_ms":null,"gold":1,)"
    R"("metrics":{"acc":1.0,"acc_token_mean":1.0},"model":"m","output_tokens":8,"pred":{"acc":1,"acc_bytes":1,)"
    R"("acc_norm":1,"acc_token_mean":1},"prompt":"","prompt_tokens":4,"reference":"so Maria","rep":0,"run_id":"r1",)"
    R"("sample_id":0,"seed":null,"source":"datasets/winogrande/winogrande.jsonl:1","split_differs":false,)"
    R"("task_name":"winogrande","task_type":"multiple_choice","temperature":null,"truncated":false,)"
    R"("unknown_tokens":0,"variant":"f32"})",
    // loglikelihood_rolling with --log-tokens
    R"({"backend":"cpu","candidate":null,"choices":null,"correct":null,"error":null,"gen_time_ms":null,)"
    R"("metrics":{"bits_per_byte":3.8752655933091864,"n_tokens":2.0},"model":"m","n_windows":7,"output_tokens":0,)"
    R"("prompt":" = Robert =","prompt_tokens":2,"reference":null,"rep":0,"run_id":"r1","sample_id":0,"seed":null,)"
    R"("source":"datasets/wikitext-2/wiki.test.raw:2","task_name":"wikitext","task_type":"perplexity","temperature":null,)"
    R"("token_logprobs":[-0.5,-7.125],"tokens":[4,8],"truncated":false,"unknown_tokens":0,"variant":"f32"})",
    // generate, served by one server of a fleet
    R"({"backend":"srv","candidate":"x","choices":null,"correct":null,"endpoint":"http://***@10.0.0.2:8080",)"
    R"("engine":"openai http://***@10.0.0.1:8080, http://***@10.0.0.2:8080 model=m","error":null,"gen_time_ms":12.5,)"
    R"("metrics":{},"model":"m","output_tokens":null,"prompt":"p","prompt_tokens":null,"raw_output":"x","reference":"r",)"
    R"("rep":0,"run_id":"r1","sample_id":4,"seed":42,"stop_reason":"stop","task_name":"qa","task_type":"qa",)"
    R"("temperature":0.0,"truncated":false,"unknown_tokens":0,"variant":"remote"})",
    // generate under a chat template: the settings and the prompt's turns
    R"({"backend":"cpu","candidate":"x","chat":{"apply_chat_template":true,"fewshot_as_multiturn":true,)"
    R"("gen_prefix":"So","mc_mode":"loglikelihood","system_prompt":null},"choices":null,"correct":null,"error":null,"gen_time_ms":1.5,)"
    R"("messages":[{"content":"1+1 =","role":"user"},{"content":"So 2","role":"assistant"},)"
    R"({"content":"3+3 =","role":"user"},{"content":"So","role":"assistant"}],"metrics":{},"model":"m",)"
    R"("output_tokens":1,"prompt":"1+1 = So 2\n\n3+3 = So","prompt_tokens":12,"raw_output":" x","reference":"6","rep":0,)"
    R"("run_id":"r1","sample_id":5,"seed":42,"stop_reason":"stop","task_name":"qa","task_type":"qa",)"
    R"("temperature":0.0,"truncated":false,"unknown_tokens":0,"variant":"f32"})",
    // greedy generate with --log-tokens: each generated token's candidates, the prompt's and the generated tokens
    R"({"backend":"cpu","candidate":" a cat","choices":null,"correct":null,"error":null,"gen_time_ms":3.5,"metrics":{},)"
    R"("model":"m","output_tokens":2,"prompt":"Once","prompt_tokens":2,"raw_output":" a cat","reference":"r","rep":0,)"
    R"("run_id":"r1","sample_id":6,"seed":42,"stop_reason":"eos","task_name":"qa","task_type":"qa","temperature":0.0,)"
    R"("tokens":[1,9,30,41,2],"top_logprobs":[[[30," a",-0.25],[31," the",-1.75]],[[41," cat",-0.5],[42," dog",-1.0]],)"
    R"([[2,"</s>",-0.125],[13,"<0xE2>",-3.0]]],"truncated":false,"unknown_tokens":0,"variant":"f32"})",
};

TEST(SampleRecordTest, RoundTripsEveryKindKeyForKey) {
  for (const char* line : kLines) {
    const json in = json::parse(line);
    const SampleRecord r = SampleRecord::from_json(in, "samples.jsonl:1");
    EXPECT_EQ(r.to_json(), in) << line;
    EXPECT_EQ(r.to_json().dump(), in.dump()) << line;
  }
}

TEST(SampleRecordTest, ReadsTypedFields) {
  const SampleRecord gen = SampleRecord::from_json(json::parse(kLines[0]), "x");
  EXPECT_EQ(gen.key(), (RecordKey{{"stories260k", "f32", "cpu"}, "summarization", 0, 1}));
  EXPECT_TRUE(gen.ok());
  EXPECT_EQ(gen.metric("rouge_l"), 0.047058823529411764);
  EXPECT_EQ(gen.metric("bertscore"), std::nullopt);  // null in the file
  EXPECT_EQ(gen.metric("bleu"), std::nullopt);       // absent
  EXPECT_TRUE(std::isnan(gen.metrics.at("bertscore")));
  ASSERT_TRUE(gen.raw_output.has_value());
  EXPECT_EQ(*gen.raw_output, std::optional<std::string>(" We can take a nap"));

  const SampleRecord failed = SampleRecord::from_json(json::parse(kLines[1]), "x");
  EXPECT_FALSE(failed.ok());
  ASSERT_TRUE(failed.raw_output.has_value());  // present, null
  EXPECT_FALSE(failed.raw_output->has_value());
}

TEST(SampleRecordTest, ChoseGoldReadsTheMetricsPrediction) {
  const SampleRecord mc = SampleRecord::from_json(json::parse(kLines[2]), "x");  // gold 0
  EXPECT_EQ(mc.chose_gold("acc"), false);                                         // picked 1
  EXPECT_EQ(mc.chose_gold("acc_norm"), true);                                     // picked 0
  EXPECT_EQ(mc.chose_gold("acc_bytes"), false);
  const SampleRecord gen = SampleRecord::from_json(json::parse(kLines[0]), "x");
  EXPECT_EQ(gen.chose_gold("acc"), std::nullopt);
}

TEST(SampleRecordTest, AMissingOrMistypedKeyNamesTheLineAndKey) {
  json r = json::parse(kLines[0]);
  r.erase("task_name");
  try {
    SampleRecord::from_json(r, "run/samples.jsonl:12");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run/samples.jsonl:12: the record has no \"task_name\""), std::string::npos) << e.what();
  }
  r = json::parse(kLines[2]);
  r["choices"][1]["n_tokens"] = "one";
  try {
    SampleRecord::from_json(r, "s.jsonl:3");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("s.jsonl:3: \"choices[1].n_tokens\" is string, not an integer"), std::string::npos)
        << e.what();
  }
  r = json::parse(kLines[std::size(kLines) - 1]);
  r["top_logprobs"][2] = json::array();  // a step without even its chosen token
  EXPECT_THROW(SampleRecord::from_json(r, "s.jsonl:4"), InputError);
  r = json::parse(kLines[std::size(kLines) - 1]);
  r["top_logprobs"][1][0] = json::array({41, " cat"});
  try {
    SampleRecord::from_json(r, "s.jsonl:4");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("s.jsonl:4: \"top_logprobs[1][0]\" is array, not [id, text, logprob]"),
              std::string::npos)
        << e.what();
  }
}

TEST(SampleRecordTest, AMetricThatIsNotANumberIsRefused) {
  json r = json::parse(kLines[0]);
  r["metrics"]["rouge_l"] = "high";
  try {
    SampleRecord::from_json(r, "s.jsonl:9");
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("s.jsonl:9: \"metrics.rouge_l\" is string, not a number"), std::string::npos)
        << e.what();
  }
}

TEST(SampleRecordTest, OlderBooleanMetricsReadAsOneAndZero) {
  json r = json::parse(kLines[2]);
  r["metrics"] = {{"acc", true}, {"acc_norm", false}};
  const SampleRecord rec = SampleRecord::from_json(r, "x");
  EXPECT_EQ(rec.metric("acc"), 1.0);
  EXPECT_EQ(rec.metric("acc_norm"), 0.0);
}

TEST(SampleRecordTest, KldStateRoundTrips) {
  json r = json::parse(kLines[4]);
  r["task_type"] = "kld";
  r["base_model"] = "m/f32";
  r["kld_state"] = KldAccumulator{}.to_json();
  r.erase("tokens");
  r.erase("token_logprobs");
  const SampleRecord rec = SampleRecord::from_json(r, "x");
  ASSERT_TRUE(rec.kld_state.has_value());
  EXPECT_EQ(rec.to_json(), r);
  r["kld_state"] = {{"nll", 1}};
  EXPECT_THROW(SampleRecord::from_json(r, "x"), InputError);
}

// Reports name configurations from summary.json rows they must not trust: any shape gives a key.
TEST(ConfigKeyTest, OfAnyRowNeverThrows) {
  using nlohmann::json;
  EXPECT_EQ(config_of(json{{"model", "m"}, {"variant", "Q8_0"}, {"backend", "cpu"}, {"n", 3}}).str(), "m/Q8_0/cpu");
  EXPECT_EQ(config_of(json{{"model", 5}, {"variant", nullptr}}).str(), "//");
  EXPECT_EQ(config_of(json::array({1, 2})).str(), "//");
  EXPECT_EQ(config_of(json()).str(), "//");
  EXPECT_EQ(config_of(json("m/f32/cpu")).str(), "//");
}

}  // namespace
}  // namespace qualm
