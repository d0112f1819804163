#pragma once
// unique_ptr owners for llama.cpp's C handles. Only src/backend/llama includes llama.h.

#include <llama.h>

#include <initializer_list>
#include <memory>
#include <span>

namespace qualm::llama {

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};

using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// A llama_batch sized once; add() appends one token to any number of sequences.
class Batch {
 public:
  Batch(int capacity, int max_seq_per_token);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void clear() { batch_.n_tokens = 0; }
  void add(llama_token token, llama_pos pos, std::initializer_list<llama_seq_id> seqs, bool logits) {
    add(token, pos, std::span<const llama_seq_id>(seqs.begin(), seqs.size()), logits);
  }
  void add(llama_token token, llama_pos pos, std::span<const llama_seq_id> seqs, bool logits);
  // Tags token i with one more sequence (a prefix shared by one more sequence).
  void add_seq(int i, llama_seq_id seq);
  void request_logits(int i) { batch_.logits[i] = 1; }
  int size() const { return batch_.n_tokens; }
  int capacity() const { return capacity_; }
  int outputs() const;
  const llama_batch& get() const { return batch_; }

 private:
  llama_batch batch_;
  int capacity_;
  int max_seq_;
};

}  // namespace qualm::llama
