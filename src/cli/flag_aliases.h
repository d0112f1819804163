#pragma once
// The command line of the field: llama.cpp's short flags (-ngl, -ub, -fa, -ctk, -ctv, -s,
// --temp) and lm-evaluation-harness's names (--output_path, --num_fewshot, --log_samples,
// --model_args, --device, --tasks list) are rewritten to qualm's options before parsing, or
// refused with the qualm option that does the job. Declared once in kFlagAliases; each option's
// help names its aliases.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace qualm::cli {

struct FlagAlias {
  const char* alias;   // as the user types it
  const char* target;  // qualm's long option, "" = accepted and dropped
  const char* origin;  // "llama.cpp" or "lm-eval"
};

const std::vector<FlagAlias>& flag_aliases();

// argv with aliases rewritten (argv[0] kept). `qualm --version` is `qualm version`;
// `--tasks list` anywhere is `qualm tasks`. Throws InputError for an lm-eval option that has
// no one-to-one equivalent (--model_args with keys other than pretrained, --batch_size),
// naming the qualm option to use.
std::vector<std::string> expand_flag_aliases(const std::vector<std::string>& args);

// Appends "(llama.cpp: -ngl)" and the like to the help of each option an alias maps to.
void describe_flag_aliases(CLI::App& app);

}  // namespace qualm::cli
