#include "backend/remote/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <thread>

#include "backend/remote/ollama_backend.h"
#include "backend/remote/openai_backend.h"
#include "core/errors.h"

namespace qualm::remote {
namespace {

using nlohmann::json;

TEST(HttpClient, UnreachableServerIsOneErrorWithoutTheKey) {
  HttpOptions o;
  o.base_url = "http://127.0.0.1:9";  // discard: nothing listens
  o.retries = 1;
  o.backoff_s = 0.01;
  o.timeout_s = 2;
  o.headers = {{"Authorization", "Bearer sk-secret-123"}};
  const HttpClient client(o);
  try {
    client.post("/v1/completions", json{{"prompt", "x"}});
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("POST http://127.0.0.1:9/v1/completions failed after 2 tries"), std::string::npos) << what;
    EXPECT_EQ(what.find("sk-secret"), std::string::npos) << what;
  }
}

// A loopback server that answers each connection with the next canned reply, then closes it.
class CannedServer {
 public:
  explicit CannedServer(std::vector<std::string> replies) : replies_(std::move(replies)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 8);
    socklen_t n = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (const std::string& reply : replies_) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        std::string request;
        while (!complete(request)) {  // read it all: closing on unread bytes would reset the connection
          const ssize_t got = recv(c, buf, sizeof buf, 0);
          if (got <= 0) break;
          request.append(buf, static_cast<size_t>(got));
        }
        send(c, reply.data(), reply.size(), 0);
        close(c);
      }
    });
  }
  ~CannedServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static bool complete(const std::string& request) {
    const size_t end = request.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string head = request.substr(0, end);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    const size_t at = head.find("content-length:");
    const size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
    return request.size() >= end + 4 + length;
  }

  std::vector<std::string> replies_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string reply(int status, const std::string& extra_header, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nConnection: close\r\n" +
         extra_header + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double seconds_to_post(const HttpClient& client) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.post("/v1/completions", json{{"prompt", "x"}}), json({{"ok", 1}}));
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(HttpClient, WaitsTheRetryAfterOf429And503UpToTheCap) {
  HttpOptions o;
  o.backoff_s = 0.01;
  o.timeout_s = 10;
  {
    CannedServer server({reply(429, "Retry-After: 1\r\n", R"({"error": "slow down"})"),  //
                         reply(200, "", R"({"ok": 1})")});
    o.base_url = server.url();
    const double took = seconds_to_post(HttpClient(o));
    EXPECT_GE(took, 0.95);
    EXPECT_LT(took, 5.0);
  }
  {  // A 500's Retry-After is not a server's request to wait: the backoff applies.
    CannedServer server({reply(500, "Retry-After: 30\r\n", "{}"), reply(200, "", R"({"ok": 1})")});
    o.base_url = server.url();
    EXPECT_LT(seconds_to_post(HttpClient(o)), 0.5);
  }
  {  // 100 s asked, 0.3 s allowed.
    CannedServer server({reply(503, "Retry-After: 100\r\n", "{}"), reply(200, "", R"({"ok": 1})")});
    o.base_url = server.url();
    o.max_retry_after_s = 0.3;
    const double took = seconds_to_post(HttpClient(o));
    EXPECT_GE(took, 0.29);
    EXPECT_LT(took, 3.0);
  }
}

TEST(RetryAfter, SecondsAndHttpDates) {
  std::tm t{};
  t.tm_year = 2015 - 1900, t.tm_mon = 9, t.tm_mday = 21, t.tm_hour = 7, t.tm_min = 27, t.tm_sec = 30;
  const std::time_t now = timegm(&t);  // Wed, 21 Oct 2015 07:27:30 GMT
  EXPECT_EQ(retry_after_seconds("120", now), 120.0);
  EXPECT_EQ(retry_after_seconds(" 0 ", now), 0.0);
  EXPECT_EQ(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now), 30.0);
  EXPECT_EQ(retry_after_seconds("Wednesday, 21-Oct-15 07:28:00 GMT", now), 30.0);
  EXPECT_EQ(retry_after_seconds("Wed Oct 21 07:28:00 2015", now), 30.0);
  EXPECT_EQ(retry_after_seconds("Wed, 21 Oct 2015 07:00:00 GMT", now), 0.0);  // already past
  EXPECT_EQ(retry_after_seconds("Thu, 22 Oct 2015 07:27:30 GMT", now), 86400.0);
  EXPECT_EQ(retry_after_seconds("", now), std::nullopt);
  EXPECT_EQ(retry_after_seconds("-5", now), std::nullopt);
  EXPECT_EQ(retry_after_seconds("1.5", now), std::nullopt);
  EXPECT_EQ(retry_after_seconds("soon", now), std::nullopt);
  EXPECT_EQ(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT trailing", now), std::nullopt);
}

TEST(HttpClient, AFleetMovesOnFromADeadEndpointAndNamesEveryFailure) {
  HttpOptions o;
  o.backoff_s = 0.01;
  o.timeout_s = 5;
  o.retries = 1;
  CannedServer server({reply(200, "", R"({"ok": 1})"), reply(500, "", R"({"error": "boom"})"),
                       reply(500, "", R"({"error": "boom"})")});
  o.base_urls = {"http://user:pw-secret-9@127.0.0.1:9", server.url()};  // discard: nothing listens
  const HttpClient client(o);
  std::string served_by;
  EXPECT_EQ(client.post("/v1/completions", json{{"prompt", "x"}}, &served_by), json({{"ok", 1}}));
  EXPECT_EQ(served_by, server.url());
  json counts = client.endpoints();
  EXPECT_EQ(counts[0]["url"], "http://***@127.0.0.1:9");
  EXPECT_EQ(counts[0]["failed"], 1);
  EXPECT_EQ(counts[1]["served"], 1);
  // Both fail, twice each: one error naming each endpoint's last failure, never the password.
  try {
    client.post("/v1/completions", json{{"prompt", "x"}});
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("failed on every one of the 2 servers after 2 tries each"), std::string::npos) << what;
    EXPECT_NE(what.find("http://127.0.0.1:9/v1/completions: could not connect"), std::string::npos) << what;
    EXPECT_NE(what.find(server.url() + "/v1/completions: HTTP 500: boom"), std::string::npos) << what;
    EXPECT_EQ(what.find("pw-secret"), std::string::npos) << what;
  }
  counts = client.endpoints();
  EXPECT_EQ(counts[0]["failed"], 3);
  EXPECT_EQ(counts[1]["failed"], 2);
}

TEST(HttpClient, BaseUrlNeedsAScheme) {
  HttpOptions options;
  options.base_url = "localhost:8080";
  EXPECT_THROW(HttpClient{options}, InputError);
}

TEST(HttpClient, ForEachRunsEveryIndexAndRethrows) {
  HttpOptions o;
  o.base_url = "http://127.0.0.1:9";
  o.concurrency = 3;
  const HttpClient client(o);
  std::vector<int> seen(10, 0);
  client.for_each(seen.size(), [&](size_t i) { seen[i] += 1; });
  EXPECT_EQ(seen, std::vector<int>(10, 1));
  EXPECT_THROW(client.for_each(5,
                               [](size_t i) {
                                 if (i == 3) throw RunError("no");
                               }),
               RunError);
}

// A /v1/completions reply with echo, shaped as vLLM documents it: the prompt's tokens first
// (the first without a log-prob), then the generated token.
TEST(EchoLogprobs, ReadsTheContinuationsTokens) {
  const json reply = json::parse(R"({"choices": [{"text": "The cat sat.", "logprobs": {
      "tokens": ["The", " cat", " sat", "."],
      "token_logprobs": [null, -2.5, -0.5, -1.0],
      "top_logprobs": [null, {" cat": -2.5, " dog": -1.0}, {" sat": -0.5}, {".": -1.0}],
      "text_offset": [0, 3, 7, 11]}}]})");
  const LoglikelihoodResult r = echo_logprobs(reply, 3, 11);  // " cat sat" of "The cat sat" + "."
  EXPECT_EQ(r.logprobs, (std::vector<double>{-2.5, -0.5}));
  EXPECT_FALSE(r.is_greedy);  // " dog" was likelier than " cat"
  EXPECT_EQ(r.sequence.size(), 3u);  // no usage: "The" echoed before the continuation, then its two tokens
  const LoglikelihoodResult g = echo_logprobs(reply, 7, 11);
  EXPECT_TRUE(g.is_greedy);
  json with_usage = reply;
  with_usage["usage"] = {{"prompt_tokens", 6}, {"completion_tokens", 1}};  // e.g. BOS and a split word
  const LoglikelihoodResult u = echo_logprobs(with_usage, 3, 11);
  EXPECT_EQ(u.sequence.size() - u.tokens.size(), 4u);  // the usage's prompt less the two continuation tokens
  EXPECT_EQ(u.sequence, (std::vector<TokenId>(6, -1)));
  EXPECT_THROW(echo_logprobs(json::parse(R"({"choices": [{"text": "x"}]})"), 0, 1), RunError);
}

// Log-probs of generated tokens in both shapes servers reply with: the chosen token first, then
// the most likely others (the chosen one left out, higher first), at most n in all; none for a
// reply without them or of another shape.
TEST(RemoteReplies, GeneratedTokensLogprobsInBothShapes) {
  // llama-server's /v1/completions (and OpenAI's chat shape): ids where the server gives them.
  const json content = json::parse(R"({"choices": [{"text": ", there", "logprobs": {"content": [
      {"id": 432, "token": ",", "logprob": -0.03, "top_logprobs": [{"id": 383, "token": " there", "logprob": -3.5},
        {"id": 432, "token": ",", "logprob": -0.03}, {"id": 322, "token": " in", "logprob": -8.1}]},
      {"token": " there", "logprob": -0.07, "top_logprobs": [{"token": " there", "logprob": -0.07}]}]}}]})");
  const GenerateResult a = read_completion_reply(content, false, 2);
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_EQ(a.steps[0], (std::vector<TokenChoice>{{432, ",", -0.03}, {383, " there", -3.5}}));
  EXPECT_EQ(a.steps[1], (std::vector<TokenChoice>{{-1, " there", -0.07}}));
  // OpenAI's legacy completions (vLLM): {token: logprob} per step, no ids.
  const json legacy = json::parse(R"({"choices": [{"text": "ab", "logprobs": {"tokens": ["a", "b"],
      "token_logprobs": [-0.5, -1.5], "top_logprobs": [{"c": -2.0, "a": -0.5, "d": -1.0}, {"b": -1.5}]}}]})");
  const GenerateResult b = read_completion_reply(legacy, false, 5);
  ASSERT_EQ(b.steps.size(), 2u);
  EXPECT_EQ(b.steps[0], (std::vector<TokenChoice>{{-1, "a", -0.5}, {-1, "d", -1.0}, {-1, "c", -2.0}}));
  EXPECT_EQ(b.steps[1], (std::vector<TokenChoice>{{-1, "b", -1.5}}));
  EXPECT_TRUE(read_completion_reply(legacy, false, 0).steps.empty());  // not asked for
  EXPECT_TRUE(read_completion_reply(json::parse(R"({"choices": [{"text": "x"}]})"), false, 5).steps.empty());
  const json torn = json::parse(R"({"choices": [{"text": "x", "logprobs": {"tokens": ["x"], "token_logprobs": []}}]})");
  EXPECT_TRUE(read_completion_reply(torn, false, 5).steps.empty());
}

// Ollama (0.12.11 and later) puts the entries at the reply's top level, on /api/generate and
// /api/chat alike, with bytes and without ids; the chosen token is among its top_logprobs.
TEST(RemoteReplies, OllamaGeneratedTokensLogprobs) {
  const json reply = json::parse(R"({"response": "Hi", "done": true, "done_reason": "length", "logprobs": [
      {"token": "H", "logprob": -0.25, "bytes": [72], "top_logprobs": [{"token": "H", "logprob": -0.25, "bytes": [72]},
        {"token": "W", "logprob": -1.75, "bytes": [87]}, {"token": "Y", "logprob": -3.0, "bytes": [89]}]},
      {"token": "i", "logprob": -0.5, "top_logprobs": [{"token": "e", "logprob": -1.0}, {"token": "i", "logprob": -0.5}]}]})");
  const GenerateResult r = read_generate_reply(reply, false, 2);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0], (std::vector<TokenChoice>{{-1, "H", -0.25}, {-1, "W", -1.75}}));
  EXPECT_EQ(r.steps[1], (std::vector<TokenChoice>{{-1, "i", -0.5}, {-1, "e", -1.0}}));
  json chat = reply;
  chat.erase("response");
  chat["message"] = {{"role", "assistant"}, {"content", "Hi"}};
  EXPECT_EQ(read_generate_reply(chat, true, 2).steps, r.steps);
  EXPECT_TRUE(read_generate_reply(reply, false, 0).steps.empty());  // not asked for
  json older = reply;  // a server before 0.12.11 ignores the request's keys
  older.erase("logprobs");
  EXPECT_TRUE(read_generate_reply(older, false, 2).steps.empty());
  json torn = reply;
  torn["logprobs"][1].erase("logprob");
  EXPECT_TRUE(read_generate_reply(torn, false, 2).steps.empty());
}

// Found by the remote_reply fuzzer's seeds: replies of the wrong shape are RunErrors (error
// records), never a JSON library exception; the messages quoting them are valid UTF-8.
TEST(RemoteReplies, MalformedRepliesAreRunErrors) {
  for (const char* text : {R"([1, 2])", R"({"choices": [3]})", R"({"choices": [{"message": "hi"}]})",
                           R"({"choices": [{"text": 5}]})"}) {
    EXPECT_THROW(read_completion_reply(json::parse(text), true), RunError) << text;
    EXPECT_THROW(read_completion_reply(json::parse(text), false), RunError) << text;
  }
  EXPECT_EQ(read_completion_reply(json::parse(R"({"choices": [{"text": "ok"}], "usage": 7})"), false).text, "ok");
  const char* bad_offsets = R"({"choices": [{"logprobs": {"tokens": ["a"], "token_logprobs": [-1], "text_offset": ["x"]}}]})";
  EXPECT_THROW(echo_logprobs(json::parse(bad_offsets), 0, 1), RunError);
  const char* negative = R"({"choices": [{"logprobs": {"tokens": ["a"], "token_logprobs": [-1], "text_offset": [-3]}}]})";
  EXPECT_THROW(echo_logprobs(json::parse(negative), 0, 1), RunError);
  const char* tokens_not_text = R"({"choices": [{"logprobs": {"tokens": [1], "token_logprobs": [-1], "text_offset": [0],
                                    "top_logprobs": [{"a": -1}]}}]})";
  EXPECT_FALSE(echo_logprobs(json::parse(tokens_not_text), 0, 1).is_greedy);
}

TEST(RemoteReplies, ExcerptsKeepWholeCharactersAndReplaceBadBytes) {
  std::string body(199, 'x');
  body += "\xC3\xA9 tail";  // an é across the 200-byte cut
  EXPECT_EQ(reply_excerpt(std::string_view(body)), std::string(199, 'x'));
  EXPECT_EQ(reply_excerpt(std::string_view("a\xFF\nb")), "a\xEF\xBF\xBD b");
  std::string quoted(198, 'y');
  EXPECT_EQ(json_excerpt(json(quoted + "\xC3\xA9")), "\"" + quoted);  // the é would end at byte 201
}

}  // namespace
}  // namespace qualm::remote
