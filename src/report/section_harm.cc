#include "report/section_harm.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "analysis/quant_harm.h"

namespace qualm::report {

using nlohmann::json;
using namespace analysis;

namespace {

using Figure = std::optional<double>;

std::string num(const Figure& v, int digits, const char* suffix = "") {
  if (!v) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", digits, *v, suffix);
  return buf;
}

std::string signed_pct(const Figure& v) {
  if (!v) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.2f %%", *v);
  return buf;
}

std::string pct(const Figure& v) { return v ? num(100 * *v, 1, " %") : "—"; }

std::string bytes(const std::optional<int64_t>& size) {
  if (!size) return "—";
  const double b = static_cast<double>(*size);
  char buf[64];
  if (b >= 1 << 30)
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1 << 30));
  else if (b >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024);
  return buf;
}

std::string text(const std::optional<std::string>& v) { return v ? *v : "—"; }

// "q8_0 ×32, f16 ×5, f32 ×11": most tensors first.
std::string tensor_types(const std::map<std::string, int64_t>& types) {
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [type, n] : types) sorted.emplace_back(n, type);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string s;
  for (const auto& [n, type] : sorted) s += (s.empty() ? "" : ", ") + type + " ×" + std::to_string(n);
  return s.empty() ? "—" : s;
}

std::string fallbacks(const std::vector<HarmFallback>& list) {
  std::string s;
  for (const HarmFallback& f : list) {
    s += (s.empty() ? "" : ", ") + f.wanted + " → " + f.used + " ×" + std::to_string(f.tensors);
  }
  return s.empty() ? "none" : s;
}

// The category's row of a variant, or null.
const HarmCategory* category_of(const HarmVariant& variant, const std::string& name) {
  for (const HarmCategory& c : variant.categories) {
    if (c.category == name) return &c;
  }
  return nullptr;
}

void add_variants(Doc& doc, const HarmModel& m) {
  Table& t = doc.table(
      {"Variant", "PPL", "ΔPPL %", "Word PPL", "Mean KLD", "Top-1 agreement", "Size", "Compression", "Speed ratio"});
  for (const HarmVariant& v : m.variants) {
    const HarmPpl ppl = v.ppl.value_or(HarmPpl{});
    const HarmKld kld = v.kld.value_or(HarmKld{});
    t.row({v.variant + (v.is_base ? " (base)" : ""), num(ppl.token_perplexity, 4),
           v.is_base ? "—" : signed_pct(v.ppl_delta_pct), num(ppl.word_perplexity, 2), num(kld.kld_mean, 5),
           pct(kld.same_top), bytes(v.size_bytes), num(v.compression_ratio, 2, "×"), num(v.speed_ratio, 2, "×")});
  }
}

void add_tensor_types(Doc& doc, const HarmModel& m) {
  doc.paragraph() << "Actual tensor types: where a row width is not a multiple of the requested type's block, "
                     "llama.cpp falls back to another type, so a variant's name says what was asked, not what the "
                     "file holds.";
  Table& t = doc.table({"Variant", "Requested", "Tensor types in the file", "Fell back (wanted → used)"});
  for (const HarmVariant& v : m.variants) {
    t.row({v.variant, v.quant_type ? *v.quant_type : "as given", tensor_types(v.tensor_types), fallbacks(v.fallbacks)});
  }
}

// A table whose first column is "Category" and then one column per variant, each named as is
// (doc.table would read a trailing ':' as right alignment).
Table& category_table(Doc& doc, const std::vector<const HarmVariant*>& variants) {
  Table& t = doc.table({"Category"});
  for (const HarmVariant* v : variants) t.columns.push_back({v->variant});
  return t;
}

// Columns: the variants with KLD figures (not the base); rows sorted by the last column's KLD,
// highest first (the reference's order of harm).
void add_kld_categories(Doc& doc, const HarmModel& m, const HarmThresholds& limits) {
  std::vector<const HarmVariant*> variants;
  std::vector<std::string> names;
  for (const HarmVariant& v : m.variants) {
    bool any = false;
    for (const HarmCategory& c : v.categories) {
      if (!c.kld_mean) continue;
      any = true;
      if (std::find(names.begin(), names.end(), c.category) == names.end()) names.push_back(c.category);
    }
    if (any) variants.push_back(&v);
  }
  if (names.empty()) return;
  const HarmVariant& last = *variants.back();
  auto kld_of = [&](const std::string& name) {
    const HarmCategory* c = category_of(last, name);
    return c && c->kld_mean ? *c->kld_mean : -1.0;
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return kld_of(a) > kld_of(b); });
  doc.heading(3, "KLD by category");
  doc.paragraph() << "Mean KLD per token (top-1 agreement) against " << m.base_variant << " on " << text(m.kld_task)
                  << "; " << bold("bold")
                  << ": one of the variant's three most harmed categories; ⚠: over the limit of "
                  << num(limits.max_category_kld, 3) << ".";
  Table& t = category_table(doc, variants);
  for (const std::string& name : names) {
    std::vector<Text> cells = {name};
    for (const HarmVariant* v : variants) {
      const HarmCategory* c = category_of(*v, name);
      if (!c || !c->kld_mean) {
        cells.emplace_back("—");
        continue;
      }
      const std::string figure = num(c->kld_mean, 4) + " (" + pct(c->same_top) + ")";
      Text cell = c->most_harmed ? Text(bold(figure)) : Text(figure);
      if (c->flagged) cell << " ⚠";
      cells.push_back(std::move(cell));
    }
    t.row(std::move(cells));
  }
}

// completed / non-degenerate / mean time; each "—" where unknown.
std::string rates(const std::optional<HarmGeneration>& g) {
  const HarmGeneration r = g.value_or(HarmGeneration{});
  return (g ? pct(r.completed_rate) : "—") + " / " + pct(r.non_degenerate_rate) + " / " + num(r.mean_time_s, 2, " s");
}

void add_generation_categories(Doc& doc, const HarmModel& m, const HarmThresholds& limits) {
  std::vector<std::string> names;
  std::vector<const HarmVariant*> variants;
  for (const HarmVariant& v : m.variants) {
    variants.push_back(&v);
    for (const HarmCategory& c : v.categories) {
      if (c.generation && std::find(names.begin(), names.end(), c.category) == names.end()) names.push_back(c.category);
    }
  }
  if (names.empty()) return;
  doc.heading(3, "Generation by category");
  doc.paragraph() << "Completed (no error, non-empty) / non-degenerate (completed, repetition ≥ "
                  << num(limits.non_degenerate_repetition, 2) << ") / mean wall time per prompt on "
                  << text(m.generation_task)
                  << " (prompts decode together, so times are per batch; on a shared machine they follow its load).";
  Table& t = category_table(doc, variants);
  for (const std::string& name : names) {
    std::vector<Text> cells = {name};
    for (const HarmVariant* v : variants) {
      const HarmCategory* c = category_of(*v, name);
      cells.emplace_back(c ? rates(c->generation) : "—");
    }
    t.row(std::move(cells));
  }
  std::vector<Text> all = {std::string("all")};
  for (const HarmVariant* v : variants) all.emplace_back(v->generation ? rates(v->generation) : "—");
  t.row(std::move(all));
}

Text threshold_item(const HarmThreshold& t) {
  const std::string& name = t.name;
  std::string shown = name == "ppl_delta_pct" ? signed_pct(t.value)
                      : name == "same_top"    ? pct(t.value)
                                              : num(t.value, 5);
  std::string limit = name == "ppl_delta_pct" ? "|ΔPPL| ≤ " + num(t.limit, 2, " %")
                      : name == "same_top"    ? "≥ " + pct(t.limit)
                                              : "≤ " + num(t.limit, 4);
  Text item;
  item << bold(t.status) << " " << name << " " << t.config.model << "/" << t.config.variant << ": " << shown
       << " (limit " << limit;
  if (t.by) item << ", by " << num(t.by, name == "same_top" ? 4 : name == "ppl_delta_pct" ? 2 : 5);
  item << ") — " << t.detail;
  return item;
}

}  // namespace

void add_quantization_harm_section(Doc& doc, const QuantizationHarm& s) {
  doc.heading(2, "Quantization harm");
  if (s.models.empty()) {
    doc.paragraph(harm_note(s));
    return;
  }
  if (s.thresholds.empty()) {
    doc.paragraph() << "Not applicable: every model has one variant in this run, and the study measures each variant "
                       "against its model's first (add variants, e.g. "
                    << code("variants: [f32, {quantize: Q8_0}]") << ").";
    return;
  }
  for (const HarmModel& m : s.models) {
    doc.heading(3) << m.model << " on " << m.backend << ": variants against " << m.base_variant;
    doc.paragraph() << "PPL: token perplexity on " << text(m.ppl_task)
                    << "; KLD and top-1 agreement: " << text(m.kld_task) << "; speed: " << m.speed_basis << ".";
    add_variants(doc, m);
    add_tensor_types(doc, m);
    add_kld_categories(doc, m, s.limits);
    add_generation_categories(doc, m, s.limits);
  }
  doc.heading(3, "Thresholds");
  List& thresholds = doc.list();
  for (const HarmThreshold& t : s.thresholds) thresholds.item(threshold_item(t));
  doc.paragraph() << "The same limits as gates that fail the run with exit 3 (" << code("gates:")
                  << " in the experiment, or " << code("--gate") << "):";
  std::string gates;
  for (const std::string& g : harm_gates(s.limits)) gates += (gates.empty() ? "" : "\n") + g;
  doc.code_block(gates);
  doc.paragraph(harm_note(s));
}

}  // namespace qualm::report
