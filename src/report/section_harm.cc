#include "report/section_harm.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace qualm::report {

using nlohmann::json;

namespace {

std::string num(const json& v, int digits, const char* suffix = "") {
  if (!v.is_number()) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", digits, v.get<double>(), suffix);
  return buf;
}

std::string signed_pct(const json& v) {
  if (!v.is_number()) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.2f %%", v.get<double>());
  return buf;
}

std::string pct(const json& v) { return v.is_number() ? num(json(100 * v.get<double>()), 1, " %") : "—"; }

std::string bytes(const json& v) {
  if (!v.is_number()) return "—";
  const double b = v.get<double>();
  char buf[64];
  if (b >= 1 << 30) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1 << 30));
  else if (b >= 1 << 20) std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024);
  return buf;
}

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : "—"; }

// "q8_0 ×32, f16 ×5, f32 ×11": most tensors first.
std::string tensor_types(const json& types) {
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [type, n] : types.items()) sorted.emplace_back(n.get<int>(), type);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string s;
  for (const auto& [n, type] : sorted) s += (s.empty() ? "" : ", ") + type + " ×" + std::to_string(n);
  return s.empty() ? "—" : s;
}

std::string fallbacks(const json& list) {
  std::string s;
  for (const json& f : list) {
    s += (s.empty() ? "" : ", ") + f.value("wanted", "") + " → " + f.value("used", "") + " ×" +
         std::to_string(f.value("tensors", 0));
  }
  return s.empty() ? "none" : s;
}

// The category's row of a variant, or null.
const json* category_of(const json& variant, const std::string& name) {
  for (const json& c : variant["categories"]) {
    if (c.value("category", "") == name) return &c;
  }
  return nullptr;
}

void add_variants(Doc& doc, const json& m) {
  Table& t = doc.table(
      {"Variant", "PPL", "ΔPPL %", "Word PPL", "Mean KLD", "Top-1 agreement", "Size", "Compression", "Speed ratio"});
  for (const json& v : m["variants"]) {
    const json ppl = v["ppl"].is_object() ? v["ppl"] : json::object();
    const json kld = v["kld"].is_object() ? v["kld"] : json::object();
    t.row({text(v["variant"]) + (v.value("is_base", false) ? " (base)" : ""),
           num(ppl.value("token_perplexity", json()), 4),
           v.value("is_base", false) ? "—" : signed_pct(v["ppl_delta_pct"]),
           num(ppl.value("word_perplexity", json()), 2), num(kld.value("kld_mean", json()), 5),
           pct(kld.value("same_top", json())), bytes(v["size_bytes"]), num(v["compression_ratio"], 2, "×"),
           num(v["speed_ratio"], 2, "×")});
  }
}

void add_tensor_types(Doc& doc, const json& m) {
  doc.paragraph() << "Actual tensor types: where a row width is not a multiple of the requested type's block, "
                     "llama.cpp falls back to another type, so a variant's name says what was asked, not what the "
                     "file holds.";
  Table& t = doc.table({"Variant", "Requested", "Tensor types in the file", "Fell back (wanted → used)"});
  for (const json& v : m["variants"]) {
    t.row({text(v["variant"]), v["quant_type"].is_string() ? text(v["quant_type"]) : "as given",
           tensor_types(v["tensor_types"]), fallbacks(v["fallbacks"])});
  }
}

// A table whose first column is "Category" and then one column per variant, each named as is
// (doc.table would read a trailing ':' as right alignment).
Table& category_table(Doc& doc, const json& variants) {
  Table& t = doc.table({"Category"});
  for (const json& v : variants) t.columns.push_back({text(v["variant"])});
  return t;
}

// Columns: the variants with KLD figures (not the base); rows sorted by the last column's KLD,
// highest first (the reference's order of harm).
void add_kld_categories(Doc& doc, const json& m) {
  json variants = json::array();
  std::vector<std::string> names;
  for (const json& v : m["variants"]) {
    bool any = false;
    for (const json& c : v["categories"]) {
      const std::string name = c.value("category", "");
      if (!c["kld_mean"].is_number()) continue;
      any = true;
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    if (any) variants.push_back(v);
  }
  if (names.empty()) return;
  const json& last = variants.back();
  auto kld_of = [&](const std::string& name) {
    const json* c = category_of(last, name);
    return c && (*c)["kld_mean"].is_number() ? (*c)["kld_mean"].get<double>() : -1.0;
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return kld_of(a) > kld_of(b); });
  doc.heading(3, "KLD by category");
  doc.paragraph() << "Mean KLD per token (top-1 agreement) against " << text(m["base_variant"]) << " on "
                  << text(m["kld_task"]) << "; " << bold("bold")
                  << ": one of the variant's three most harmed categories; ⚠: over the limit of "
                  << num(m.value("max_category_kld", json()), 3) << ".";
  Table& t = category_table(doc, variants);
  for (const std::string& name : names) {
    std::vector<Text> cells = {name};
    for (const json& v : variants) {
      const json* c = category_of(v, name);
      if (!c || !(*c)["kld_mean"].is_number()) {
        cells.emplace_back("—");
        continue;
      }
      const std::string figure = num((*c)["kld_mean"], 4) + " (" + pct((*c)["same_top"]) + ")";
      Text cell = c->value("most_harmed", false) ? Text(bold(figure)) : Text(figure);
      if (c->value("flagged", false)) cell << " ⚠";
      cells.push_back(std::move(cell));
    }
    t.row(std::move(cells));
  }
}

void add_generation_categories(Doc& doc, const json& m) {
  const json& variants = m["variants"];
  std::vector<std::string> names;
  for (const json& v : variants) {
    for (const json& c : v["categories"]) {
      const std::string name = c.value("category", "");
      if (c["n"].is_number() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  if (names.empty()) return;
  doc.heading(3, "Generation by category");
  doc.paragraph() << "Completed (no error, non-empty) / non-degenerate (completed, repetition ≥ "
                  << num(m.value("non_degenerate_repetition", json()), 2) << ") / mean wall time per prompt on "
                  << text(m["generation_task"])
                  << " (prompts decode together, so times are per batch; on a shared machine they follow its load).";
  Table& t = category_table(doc, variants);
  auto row = [&](const std::string& label, const json& (*pick)(const json&, const std::string&)) {
    std::vector<Text> cells = {label};
    for (const json& v : variants) {
      const json& c = pick(v, label);
      cells.emplace_back(c.is_object() ? pct(c["completed_rate"]) + " / " + pct(c["non_degenerate_rate"]) + " / " +
                                             num(c["mean_time_s"], 2, " s")
                                       : "—");
    }
    t.row(std::move(cells));
  };
  static const json kNull;
  for (const std::string& name : names) {
    row(name, [](const json& v, const std::string& n) -> const json& {
      const json* c = category_of(v, n);
      return c ? *c : kNull;
    });
  }
  row("all", [](const json& v, const std::string&) -> const json& { return v["generation"]; });
}

Text threshold_item(const json& t) {
  const std::string name = t.value("name", "");
  const json& value = t["value"];
  std::string shown = name == "ppl_delta_pct" ? signed_pct(value) : name == "same_top" ? pct(value) : num(value, 5);
  std::string limit = name == "ppl_delta_pct"  ? "|ΔPPL| ≤ " + num(t["limit"], 2, " %")
                      : name == "same_top"     ? "≥ " + pct(t["limit"])
                                               : "≤ " + num(t["limit"], 4);
  Text item;
  item << bold(t.value("status", "")) << " " << name << " " << t.value("model", "") << "/" << t.value("variant", "")
       << ": " << shown << " (limit " << limit;
  if (t["by"].is_number()) item << ", by " << num(t["by"], name == "same_top" ? 4 : name == "ppl_delta_pct" ? 2 : 5);
  item << ") — " << t.value("detail", "");
  return item;
}

}  // namespace

void add_quantization_harm_section(Doc& doc, const json& summary) {
  doc.heading(2, "Quantization harm");
  if (!summary.contains("quantization_harm") || !summary["quantization_harm"].is_object()) {
    doc.paragraph("not computed for this run");
    return;
  }
  const json& s = summary["quantization_harm"];
  if (s.value("models", json::array()).empty()) {
    doc.paragraph(s.value("note", "no records"));
    return;
  }
  if (s["thresholds"].empty()) {
    doc.paragraph() << "Not applicable: every model has one variant in this run, and the study measures each variant "
                       "against its model's first (add variants, e.g. "
                    << code("variants: [f32, {quantize: Q8_0}]") << ").";
    return;
  }
  for (json m : s["models"]) {
    m["max_category_kld"] = s["limits"]["max_category_kld"];
    m["non_degenerate_repetition"] = s["limits"]["non_degenerate_repetition"];
    doc.heading(3) << text(m["model"]) << " on " << text(m["backend"]) << ": variants against "
                   << text(m["base_variant"]);
    doc.paragraph() << "PPL: token perplexity on " << text(m["ppl_task"])
                    << "; KLD and top-1 agreement: " << text(m["kld_task"]) << "; speed: " << text(m["speed_basis"])
                    << ".";
    add_variants(doc, m);
    add_tensor_types(doc, m);
    add_kld_categories(doc, m);
    add_generation_categories(doc, m);
  }
  doc.heading(3, "Thresholds");
  List& thresholds = doc.list();
  for (const json& t : s["thresholds"]) thresholds.item(threshold_item(t));
  doc.paragraph() << "The same limits as gates that fail the run with exit 3 (" << code("gates:")
                  << " in the experiment, or " << code("--gate") << "):";
  std::string gates;
  for (const json& g : s["gates"]) gates += (gates.empty() ? "" : "\n") + g.get<std::string>();
  if (!gates.empty()) doc.code_block(gates);
  if (!s.value("note", "").empty()) doc.paragraph(s.value("note", ""));
}

}  // namespace qualm::report
