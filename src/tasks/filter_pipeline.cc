#include "tasks/filter_pipeline.h"

#include <algorithm>
#include <map>

#include "core/errors.h"
#include "metrics/unicode_text.h"

namespace qualm {
namespace {

using Function = PipelineStep::Function;

// lm-eval's RegexFilter on one response: findall, the group_select-th match (negative from the
// end), a match with several groups gives its first non-empty one, then str.strip().
std::string regex_extract(const PipelineStep& step, const PythonRegex& regex, const std::string& response,
                          const std::string& doc) {
  const std::vector<PythonMatch> matches = regex.findall(response);
  if (matches.empty()) return step.fallback;
  const long n = static_cast<long>(matches.size());
  const long at = step.group_select < 0 ? n + step.group_select : step.group_select;
  if (at < 0 || at >= n) {
    throw InputError(step.where,
                     step.key + ".group_select: " + std::to_string(step.group_select) + " selects no match in the output of " +
                         doc + ", which has " + std::to_string(n) + (n == 1 ? " match" : " matches"),
                     "use 0 for the first match or -1 for the last");
  }
  const PythonMatch& m = matches[static_cast<size_t>(at)];
  std::string value = m.whole;
  if (m.groups.size() == 1) {
    value = m.groups[0];
  } else if (m.groups.size() > 1) {  // Python gives a tuple; lm-eval takes its first non-empty group
    const auto it = std::find_if(m.groups.begin(), m.groups.end(), [](const std::string& g) { return !g.empty(); });
    value = it == m.groups.end() ? "" : *it;  // lm-eval raises IndexError when every group is empty
  }
  return std::string(metrics::strip_whitespace(value));
}

std::string lower_or_upper(std::string s, bool upper) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Python's str.lstrip().
std::string lstrip(const std::string& s) {
  const std::string_view kept = metrics::strip_whitespace(s);
  return kept.empty() ? "" : s.substr(static_cast<size_t>(kept.data() - s.data()));
}

// lm-eval's strip_think: the text after the first end token, left-stripped; a response that
// opens <think> and never closes it is all thinking.
std::string strip_think(const std::string& response, const std::string& end) {
  const size_t at = response.find(end);
  if (at == std::string::npos) return lstrip(response).starts_with("<think>") ? "" : response;
  return lstrip(response.substr(at + end.size()));
}

}  // namespace

std::vector<std::string> apply_step(const PipelineStep& step, const PythonRegex* regex, std::vector<std::string> responses,
                                    const std::string& doc, const std::string& prompt) {
  switch (step.function) {
    case Function::kRegex:
      for (std::string& r : responses) r = regex_extract(step, *regex, r, doc);
      return responses;
    case Function::kTakeFirst:
      responses.resize(std::min<size_t>(responses.size(), 1));
      return responses;
    case Function::kTakeFirstK:
      responses.resize(std::min<size_t>(responses.size(), static_cast<size_t>(step.k)));
      return responses;
    case Function::kMajorityVote: {  // Counter(...).most_common(1): the first seen wins a tie
      if (responses.empty()) return responses;
      std::map<std::string, int> counts;
      for (const std::string& r : responses) ++counts[r];
      const std::string* best = &responses[0];
      for (const std::string& r : responses) {
        if (counts[r] > counts[*best]) best = &r;
      }
      return {*best};
    }
    case Function::kLowercase:
    case Function::kUppercase:
      for (std::string& r : responses) r = lower_or_upper(r, step.function == Function::kUppercase);
      return responses;
    case Function::kRemoveWhitespace:
      for (std::string& r : responses) {
        if (r.starts_with(' ')) r.erase(0, 1);
      }
      return responses;
    case Function::kStripThink:
      for (std::string& r : responses) r = strip_think(r, step.think_end_token);
      return responses;
    case Function::kPrependPrompt:
      for (std::string& r : responses) r = prompt + r;
      return responses;
  }
  return responses;
}

PipelineRunner::PipelineRunner(const FilterPipeline& pipeline) : pipeline_(pipeline) {
  for (const PipelineStep& s : pipeline_.steps) {
    if (s.function != Function::kRegex) {
      regexes_.emplace_back();
      continue;
    }
    PythonRegex::Compiled c = PythonRegex::compile(s.regex_pattern);
    if (!c.regex) throw InputError(s.where, s.key + ".regex_pattern: pattern '" + s.regex_pattern + "' cannot run: " + c.problem, c.fix);
    regexes_.push_back(std::move(c.regex));
  }
}

std::vector<std::string> PipelineRunner::run(std::vector<std::string> responses, const std::string& doc,
                                             const std::string& prompt) const {
  for (size_t i = 0; i < pipeline_.steps.size(); ++i) {
    responses = apply_step(pipeline_.steps[i], regexes_[i] ? &*regexes_[i] : nullptr, std::move(responses), doc, prompt);
  }
  return responses;
}

}  // namespace qualm
