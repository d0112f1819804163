#include "tasks/template.h"

#include <utility>

#include "core/errors.h"
#include "tasks/template_eval.h"
#include "tasks/template_parser.h"
#include "tasks/template_values.h"

namespace qualm {

using json = nlohmann::json;

namespace {

using template_detail::Env;
using template_detail::evaluate;
using template_detail::replace;
using template_detail::strip;
using template_detail::type_name;

void check_scope(const json& scope, const std::string& where) {
  if (!scope.is_object()) throw InputError(where, "template scope is " + type_name(scope) + ", not an object");
}

}  // namespace

Template Template::parse(const std::string& source, const std::string& where) {
  Template t;
  t.source_ = source;
  // As lm-evaluation-harness's Jinja environment (keep_trailing_newline=True): newlines
  // become "\n" and trailing ones are kept, so a description can end in "\n\n".
  t.normalized_ = replace(replace(source, "\r\n", "\n"), "\r", "\n");
  for (template_detail::ParsedPart& p : template_detail::parse_template(t.normalized_, where)) {
    t.parts_.push_back({std::move(p.text), std::move(p.expr), std::move(p.tag)});
  }
  return t;
}

std::string Template::render(const json& scope, const std::string& where) const {
  check_scope(scope, where);
  std::string out;
  for (const Part& p : parts_) out += p.expr ? to_text(evaluate(*p.expr, Env{scope, where, normalized_, p.tag})) : p.text;
  return out;
}

json Template::render_value(const json& scope, const std::string& where) const {
  const Part* single = nullptr;
  for (const Part& p : parts_) {
    const bool blank = !p.expr && strip(p.text, nullptr, true, true).empty();
    if ((p.expr && single) || (!p.expr && !blank)) return render(scope, where);
    if (p.expr) single = &p;
  }
  if (!single) return render(scope, where);
  check_scope(scope, where);
  return evaluate(*single->expr, Env{scope, where, normalized_, single->tag});
}

}  // namespace qualm
