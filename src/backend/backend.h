#pragma once
// The batch interface every backend implements (SPEC S2). Each call takes a batch and
// returns results in input order; packing, sorting and prefix sharing are the backend's
// business. A call outside the backend's declared capabilities throws UnsupportedError.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backend/capabilities.h"
#include "core/progress.h"

namespace qualm {

using TokenId = int32_t;

struct GenerationOptions {
  int max_new_tokens = 256;
  double temperature = 0.0;  // 0 = greedy
  double top_p = 1.0;
  int top_k = 0;  // 0 = off
  uint64_t seed = 42;
  std::vector<std::string> stop;  // the text ends before the first of these
  // > 0: each generated token's step records the token chosen and the most likely others, this
  // many in all (GenerateResult::steps); where two configurations' greedy outputs part, a
  // reader sees what each model weighed there.
  int top_logprobs = 0;
};

// One turn of a conversation. A final assistant turn is a prefix the reply continues.
struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
  auto operator<=>(const ChatMessage&) const = default;
};

struct GenerateRequest {
  std::string prompt;
  GenerationOptions options;
  // Distinguishes samplers of one seed: each sequence is seeded from (seed, sample_key).
  uint64_t sample_key = 0;
  // Not empty: the model's chat template around these messages instead of prompt (in-process:
  // the GGUF's tokenizer.chat_template through llama.cpp; a server: its chat endpoint).
  std::vector<ChatMessage> messages = {};
};

// What every result carries besides its values. A request that cannot be served (its text
// holds a character the vocabulary cannot encode, and has no unknown token for) fails alone,
// with the reason; the rest of its batch is served. A failure of the whole batch (a decode
// error, a server that went away) throws instead.
struct RequestOutcome {
  std::string error;       // empty: served
  int unknown_tokens = 0;  // unknown tokens standing for characters the vocabulary cannot encode
  std::string endpoint;    // a server backend: the server that answered (credentials redacted)
  bool ok() const { return error.empty(); }
};

// One candidate for a next token: its id (-1 where a server gives none), its text (in process,
// printable: a piece that is not whole UTF-8, such as a byte token, is written as <0xNN> per
// byte; a control token as its name) and its log-probability under the model's unmodified
// distribution.
struct TokenChoice {
  TokenId id = 0;
  std::string text;
  double logprob = 0;
  auto operator<=>(const TokenChoice&) const = default;
};

struct GenerateResult : RequestOutcome {
  std::string text;
  // GenerationOptions::top_logprobs > 0 and a backend that reports them: per generated token
  // (in process, the end-of-generation token too), the token chosen first, then the most likely
  // others in order, top_logprobs in all.
  std::vector<std::vector<TokenChoice>> steps = {};
  std::vector<TokenId> prompt_ids = {};  // in-process backends: the prompt's tokens as fed
  // Token counts; empty when a server reported none (records then hold null, not 0).
  std::optional<int> prompt_tokens = 0;
  std::optional<int> output_tokens = 0;
  double prompt_ms = 0;
  double generate_ms = 0;
  std::string stop_reason;  // "stop", "length", "eos"
  bool truncated = false;   // the prompt lost tokens from the left to fit the window
};

// Which tokens a loglikelihood request feeds and scores.
enum class TokenSplit {
  // lm-evaluation-harness's _encode_pair (decoder models): the context as tokenized alone,
  // then the continuation's tokens encode(context + continuation)[len(encode(context)):].
  kLmEval,
  // llama.cpp's multiple-choice score (llama-perplexity --hellaswag): encode(context +
  // continuation) whole, scored from the end of the longest token prefix that every request
  // of the same group shares, capped so that each keeps at least its last token.
  kSharedPrefix,
};

struct LoglikelihoodRequest {
  std::string context;
  std::string continuation;
  TokenSplit split = TokenSplit::kLmEval;
  int64_t group = -1;  // kSharedPrefix: requests scored against one shared prefix (a document's choices)
  // Not empty: the context is these messages under the model's chat template (then `context` is
  // ignored), its special tokens parsed as such, as llama-server tokenizes a chat prompt.
  std::vector<ChatMessage> messages = {};
};

struct LoglikelihoodResult : RequestOutcome {
  std::vector<TokenId> sequence;  // the whole evaluated sequence: context, then continuation
  std::vector<TokenId> tokens;    // the scored tokens (the tail of sequence)
  std::vector<double> logprobs;  // one per continuation token; their sum is the score
  bool is_greedy = false;        // every continuation token was the argmax
  bool truncated = false;        // the context was cut from the left to fit the window
};

// How a long text is cut into windows. kHalfChunk is llama.cpp's perplexity method:
// disjoint chunks of context_size tokens, BOS in place of each chunk's first token,
// only the second half of each chunk scored. kRolling is lm-evaluation-harness's
// loglikelihood_rolling (see backend/rolling_windows.h): BOS, then the text's tokens,
// every token scored exactly once; context_size <= 0 means the backend's whole window.
struct WindowOptions {
  enum class Scheme { kHalfChunk, kRolling };
  Scheme scheme = Scheme::kHalfChunk;
  int context_size = 512;
  int max_chunks = -1;  // -1 = every whole chunk
  // > 0: a chunk's scored rows come in slices of at most this many, each decoded in a piece of
  // at most this many tokens, so that a stream holds slice_rows x n_vocab logits, not a chunk's
  // (kHalfChunk, batch-invariant scoring; the scores are the same bit for bit).
  int slice_rows = 0;
};

struct RollingRequest {
  std::string text;
  WindowOptions window;
  std::string name;  // names the text in messages: a file path, a task and sample id
};

struct RollingResult : RequestOutcome {
  std::vector<TokenId> targets;  // each scored token
  std::vector<double> logprobs;  // log p(target | preceding tokens of its window)
  int n_chunks = 0;
  int text_tokens = 0;  // tokens in the whole text, scored or not
};

struct DistributionRequest {
  std::string text;
  WindowOptions window;
  // When not empty, used instead of tokenizing text: a stream's tokens() of the same scheme
  // (kRolling: the start-of-text token, then the text's tokens).
  std::vector<TokenId> tokens;
  std::string name;             // names the text in messages
};

// One window's next-token distributions, or a slice of its rows (in order: row, then the next
// slice's row = row + targets.size()), valid until the stream's next call to next().
struct DistributionChunk {
  size_t request = 0;  // index into the batch
  int chunk = 0;       // index of the window within its request
  int n_vocab = 0;
  std::span<const TokenId> targets;  // the actual next token at each scored position
  std::span<const float> logits;     // targets.size() rows of n_vocab raw logits
  int row = 0;        // the first of these rows among the window's scored rows
  bool last = true;   // the window's last slice
};

// Streams chunks in input order, each whole or in slices of rows (WindowOptions::slice_rows),
// so that memory never holds more than one window's distributions, or one slice's, whatever
// the length of the text.
class DistributionStream {
 public:
  virtual ~DistributionStream() = default;
  virtual bool next(DistributionChunk& chunk) = 0;
  // Chunks per request, known once the texts are tokenized (0 for a request that failed).
  virtual const std::vector<int>& chunk_counts() const = 0;
  virtual const std::vector<std::vector<TokenId>>& tokens() const = 0;
  // Per request: why it failed (it has no chunks), and its unknown tokens.
  virtual const std::vector<RequestOutcome>& outcomes() const = 0;
};

enum class Pooling { kMean, kNone };

struct EmbedRequest {
  std::string text;
  Pooling pooling = Pooling::kMean;
};

struct EmbedResult {
  int dim = 0;
  std::vector<float> values;  // one row (kMean) or one row per token (kNone), as the model gives them
  std::vector<TokenId> tokens;
  std::vector<bool> special;  // per token: a control token (CLS, SEP, BOS...), weight 0 in BERTScore
  bool truncated = false;     // the text was cut on the right to the model's training context
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual Capabilities capabilities() const = 0;
  // For manifests and records: what serves the requests (a GGUF's description and add_bos; a
  // server, its model and what the server says of it). May ask a server; never the API key.
  virtual nlohmann::json describe() const = 0;
  // Whether the backend tokenizes these texts as the model's source tokenizer does (a
  // tokenizer.json beside a GGUF): {path, texts, differing, example}; null where it cannot tell.
  virtual nlohmann::json check_tokenizer(std::span<const std::string> /*texts*/) const { return nullptr; }
  // A server backend: per endpoint, what its requests came to so far ([{url, served, refused,
  // failed}], URLs redacted); null in-process.
  virtual nlohmann::json endpoints() const { return nullptr; }

  virtual std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests) = 0;
  virtual std::vector<LoglikelihoodResult> loglikelihood(
      std::span<const LoglikelihoodRequest> requests) = 0;
  virtual std::vector<RollingResult> loglikelihood_rolling(
      std::span<const RollingRequest> requests) = 0;
  virtual std::unique_ptr<DistributionStream> distributions(
      std::span<const DistributionRequest> requests) = 0;
  virtual std::vector<EmbedResult> embed(std::span<const EmbedRequest> requests) = 0;

  // Called as a batch call makes progress (units of the backend's choosing, e.g. chunks).
  void set_progress(ProgressFn progress) { progress_ = std::move(progress); }

 protected:
  void report_progress(int64_t done, int64_t total) const {
    if (progress_) progress_(done, total);
  }

 private:
  ProgressFn progress_;
};

}  // namespace qualm
