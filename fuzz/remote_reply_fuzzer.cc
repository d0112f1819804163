// What an OpenAI-compatible or Ollama server answers (backend/remote): any body is read into
// a result or refused with RunError, and every message about it (they go into error records
// as JSON) is well-formed UTF-8. The first two bytes pick the prompt offsets echo_logprobs
// reads and the number of texts an /api/embed reply must hold.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "backend/remote/http_client.h"
#include "backend/remote/ollama_backend.h"
#include "backend/remote/openai_backend.h"
#include "core/errors.h"
#include "core/utf8.h"

namespace {

void check_message(const std::string& message) {
  if (qualm::find_invalid_utf8(message)) std::abort();  // would break the record that carries it
  (void)nlohmann::json(message).dump();
}

template <typename F>
void read(F f) {
  try {
    f();
  } catch (const qualm::RunError& e) {
    check_message(e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t from = data[0] % 64, texts = 1 + data[1] % 4;
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  check_message(qualm::remote::reply_excerpt(body));
  const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
  if (reply.is_discarded()) return 0;
  check_message(qualm::remote::json_excerpt(reply));
  read([&] { (void)qualm::remote::read_completion_reply(reply, false); });
  read([&] { (void)qualm::remote::read_completion_reply(reply, true); });
  read([&] { (void)qualm::remote::read_completion_reply(reply, false, 5); });
  read([&] { (void)qualm::remote::echo_logprobs(reply, from, from + 40); });
  read([&] { (void)qualm::remote::read_generate_reply(reply); });
  read([&] { (void)qualm::remote::read_embed_reply(reply, texts); });
  (void)qualm::remote::read_model_facts(reply, reply, "m").dump();
  return 0;
}
