#include "backend/llama/handles.h"

#include <stdexcept>

namespace qualm::llama {

Batch::Batch(int capacity, int max_seq_per_token)
    : batch_(llama_batch_init(capacity, 0, max_seq_per_token)),
      capacity_(capacity),
      max_seq_(max_seq_per_token) {}

Batch::~Batch() { llama_batch_free(batch_); }

void Batch::add(llama_token token, llama_pos pos, std::span<const llama_seq_id> seqs, bool logits) {
  if (batch_.n_tokens >= capacity_ || static_cast<int>(seqs.size()) > max_seq_) {
    throw std::logic_error("llama batch overflow");
  }
  const int i = batch_.n_tokens++;
  batch_.token[i] = token;
  batch_.pos[i] = pos;
  batch_.n_seq_id[i] = static_cast<int32_t>(seqs.size());
  int k = 0;
  for (llama_seq_id s : seqs) batch_.seq_id[i][k++] = s;
  batch_.logits[i] = logits ? 1 : 0;
}

void Batch::add_seq(int i, llama_seq_id seq) {
  if (i < 0 || i >= batch_.n_tokens || batch_.n_seq_id[i] >= max_seq_) throw std::logic_error("llama batch overflow");
  batch_.seq_id[i][batch_.n_seq_id[i]++] = seq;
}

int Batch::outputs() const {
  int n = 0;
  for (int i = 0; i < batch_.n_tokens; ++i) n += batch_.logits[i] != 0;
  return n;
}

}  // namespace qualm::llama
