#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/experiment.h"
#include "config/experiment_test_fixture.h"

namespace qualm {
namespace {

using ::testing::HasSubstr;
using namespace qualm::testing;  // NOLINT: the fixture and its helpers

TEST_F(ExperimentTest, RemoteBackends) {
  const ExperimentLoad load = this->load(
      "experiment: r\n"
      "models: [{name: m, path: models/m.gguf}]\n"
      "backends:\n"
      "  - {name: vllm, type: openai, base_url: 'http://127.0.0.1:8000', model: m, api_key_env: KEY, chat: true,\n"
      "     concurrency: 8, timeout_s: 2.5, retries: 1}\n"
      "  - {name: ol, type: ollama, base_url: 'http://h:11434', model: 'm:q4', threads: 2, chat: true}\n"  // 7
      "  - {name: cpu, type: llama, base_url: 'ftp://x'}\n"                                          // 8
      "tasks: [qa]\n");
  EXPECT_EQ(load.problems.size(), 3u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(7), "threads: is not a key of ollama backends"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "chat: is not a key of ollama backends"), nullptr);
  EXPECT_NE(find_problem(load, where(8), "base_url: is not a key of llama backends"), nullptr);
  ASSERT_EQ(load.experiment.backends.size(), 3u);
  const BackendSpec& v = load.experiment.backends[0];
  EXPECT_EQ(v.base_url, "http://127.0.0.1:8000");
  EXPECT_EQ(v.model, "m");
  EXPECT_EQ(v.api_key_env, "KEY");
  EXPECT_TRUE(v.chat);
  EXPECT_EQ(v.concurrency, 8);
  EXPECT_EQ(v.timeout_s, 2.5);
  EXPECT_EQ(v.retries, 1);
}

TEST_F(ExperimentTest, RemoteBackendFleets) {
  const ExperimentLoad load = this->load(
      "experiment: r\n"
      "models: [{name: m, remote: true}]\n"
      "backends:\n"
      "  - {name: fleet, type: openai, base_urls: ['http://u:pw@a:8080', 'http://b:8080/'], model: m}\n"  // 5
      "  - {name: both, type: openai, base_url: 'http://a:1', base_urls: ['http://b:1'], model: m}\n"  // 6
      "  - {name: empty, type: ollama, base_urls: [], model: m}\n"                                    // 7
      "  - name: bad\n"                                                                             // 8
      "    type: openai\n"
      "    model: m\n"
      "    base_urls:\n"
      "      - http://ok:1\n"
      "      - 'ftp://u:pw@x'\n"  // 13
      "      - http://ok:1\n"     // 14
      "  - {name: scalar, type: openai, base_urls: 'http://a:1', model: m}\n"  // 15
      "  - {name: cpu, base_urls: ['http://a:1']}\n"                          // 16
      "tasks: [qa]\n");
  EXPECT_EQ(load.problems.size(), 6u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(6), "base_url and base_urls are both given"), nullptr);
  EXPECT_NE(find_problem(load, where(7), "base_urls: is empty"), nullptr);
  EXPECT_NE(find_problem(load, where(13), "base_urls[1]: 'ftp://***@x' is not an http:// or https:// URL"), nullptr);
  EXPECT_NE(find_problem(load, where(14), "base_urls[2]: 'http://ok:1' is listed twice"), nullptr);
  EXPECT_NE(find_problem(load, where(15), "base_urls"), nullptr);
  EXPECT_NE(find_problem(load, where(16), "base_urls: is not a key of llama backends"), nullptr);
  const BackendSpec& f = load.experiment.backends.at(0);
  EXPECT_EQ(f.base_urls, (std::vector<std::string>{"http://u:pw@a:8080", "http://b:8080/"}));
  EXPECT_EQ(f.base_url, "http://u:pw@a:8080");
  EXPECT_EQ(f.servers_text(), "http://***@a:8080, http://b:8080/");
  for (const ConfigProblem& p : load.problems) EXPECT_EQ(p.message().find("pw"), std::string::npos) << p.message();
}

TEST_F(ExperimentTest, RemoteModelHasNoFile) {
  const ExperimentLoad load = this->load(
      "experiment: r\n"
      "models:\n"
      "  - {name: served, remote: true}\n"
      "  - {name: bad, remote: true, path: models/m.gguf}\n"  // 5
      "backends: [{name: ol, type: ollama, base_url: 'http://h:11434', model: m}]\n"
      "tasks: [qa]\n");
  EXPECT_EQ(load.problems.size(), 1u) << all_messages(load);
  EXPECT_NE(find_problem(load, where(5), "path: a remote model has no file"), nullptr);
  ASSERT_EQ(load.experiment.models.size(), 2u);
  EXPECT_TRUE(load.experiment.models[0].remote);
  ASSERT_EQ(load.experiment.models[0].variants.size(), 1u);
  EXPECT_EQ(load.experiment.models[0].variants[0].name, "remote");
}

}  // namespace
}  // namespace qualm
