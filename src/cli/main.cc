#include <CLI/CLI.hpp>

#include <clocale>
#include <iostream>

#include "backend/llama/runtime.h"
#include "cli/commands.h"
#include "cli/flag_aliases.h"
#include "core/did_you_mean.h"
#include "core/errors.h"

namespace {

// Unknown options are errors with a suggestion from the subcommand's own options.
void reject_extras(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    const std::vector<std::string> extras = sub->remaining();
    if (extras.empty()) continue;
    std::vector<std::string> names;
    for (const CLI::Option* opt : sub->get_options()) {
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    }
    const std::string& word = extras.front();
    const auto suggestion = qualm::closest_match(word, names);
    throw qualm::InputError("qualm " + sub->get_name(), "unknown argument '" + word + "'",
                            suggestion ? "did you mean " + *suggestion + "?"
                                       : "see qualm " + sub->get_name() + " --help");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_NUMERIC, "C");
  CLI::App app{"qualm: does output quality survive a change of backend, precision, quantization or sampling?"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "show llama.cpp's log");
  qualm::cli::Action run;
  qualm::cli::add_run_command(app, run);
  qualm::cli::add_eval_command(app, run);
  qualm::cli::add_generate_command(app, run);
  qualm::cli::add_perplexity_command(app, run);
  qualm::cli::add_kld_command(app, run);
  qualm::cli::add_quantize_command(app, run);
  qualm::cli::add_score_command(app, run);
  qualm::cli::add_compare_command(app, run);
  qualm::cli::add_report_command(app, run);
  qualm::cli::add_merge_command(app, run);
  qualm::cli::add_tasks_command(app, run);
  qualm::cli::add_version_command(app, run);
  for (CLI::App* sub : app.get_subcommands({})) sub->allow_extras();
  qualm::cli::describe_flag_aliases(app);

  try {
    const std::vector<std::string> args = qualm::cli::expand_flag_aliases(std::vector<std::string>(argv, argv + argc));
    std::vector<char*> expanded;
    for (const std::string& a : args) expanded.push_back(const_cast<char*>(a.c_str()));
    app.parse(static_cast<int>(expanded.size()), expanded.data());
    reject_extras(app);
    qualm::llama::set_verbose(verbose);
    return run ? run() : 0;
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "qualm: error: " << e.what() << " (see qualm --help)\n";
    return static_cast<int>(qualm::ExitCode::kBadInput);
  } catch (const qualm::InputError& e) {
    std::cerr << "qualm: error: " << e.what() << "\n";
    return static_cast<int>(qualm::ExitCode::kBadInput);
  } catch (const qualm::RunError& e) {
    std::cerr << "qualm: error: " << e.what() << "\n";
    return static_cast<int>(qualm::ExitCode::kRunFailed);
  } catch (const std::exception& e) {
    std::cerr << "qualm: " << qualm::user_message(e) << "\n";
    if (verbose) std::cerr << "qualm: the library's message: " << e.what() << "\n";
    return static_cast<int>(qualm::ExitCode::kRunFailed);
  }
}
