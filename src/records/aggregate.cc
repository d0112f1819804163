#include "records/aggregate.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string_view>

#include "core/errors.h"
#include "records/metric_aggregation.h"
#include "stats/bootstrap.h"

namespace qualm {
namespace {

struct CellKey {
  std::string model, variant, backend, task_name;
  auto operator<=>(const CellKey&) const = default;
};

struct Cell {
  CellKey key;
  std::map<std::string, std::vector<double>> values;  // by metric name, sorted
  std::vector<size_t> records;                        // its records without an error
};

std::string where(size_t index) { return "record " + std::to_string(index); }

std::string label(const nlohmann::json& record, const char* field, size_t index) {
  const auto it = record.find(field);
  if (it == record.end() || !it->is_string()) {
    throw InputError(where(index), std::string("\"") + field + "\" is missing or not a string",
                     "every samples.jsonl record names its model, variant, backend and task_name");
  }
  return it->get<std::string>();
}

AggregateRow summarise(const CellKey& key, const std::string& metric, const std::vector<double>& values,
                       uint64_t seed) {
  const double n = static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / n;
  double sd = std::numeric_limits<double>::quiet_NaN();
  if (values.size() >= 2) {
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    sd = std::sqrt(squares / (n - 1));
  }
  const std::string stream = key.model + "|" + key.variant + "|" + key.backend + "|" + key.task_name + "|" + metric;
  const stats::Interval ci = stats::bootstrap_mean_ci(values, stats::mix_seed(seed, stream));
  return {key.model, key.variant, key.backend, key.task_name, metric, static_cast<int64_t>(values.size()),
          mean, sd, ci.low, ci.high};
}

void write_text(std::ostream& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << text;
    return;
  }
  out << '"';
  for (char c : text) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void write_number(std::ostream& out, double value) {
  if (std::isnan(value)) return;
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  out << text;
}

}  // namespace

std::vector<AggregateRow> aggregate_records(std::span<const nlohmann::json> records, uint64_t seed) {
  std::vector<Cell> cells;
  std::map<CellKey, size_t> cell_index;
  for (size_t i = 0; i < records.size(); ++i) {
    const nlohmann::json& record = records[i];
    if (!record.is_object()) throw InputError(where(i), "is not a JSON object");
    CellKey key{label(record, "model", i), label(record, "variant", i), label(record, "backend", i),
                label(record, "task_name", i)};
    auto [it, inserted] = cell_index.try_emplace(key, cells.size());
    if (inserted) cells.push_back({std::move(key), {}});
    const auto error = record.find("error");
    if (error != record.end() && !error->is_null()) continue;
    const auto metrics = record.find("metrics");
    if (metrics == record.end() || metrics->is_null()) continue;
    if (!metrics->is_object()) throw InputError(where(i), "\"metrics\" is not an object");
    Cell& cell = cells[it->second];
    cell.records.push_back(i);
    for (const auto& [name, value] : metrics->items()) {
      if (value.is_null()) continue;
      if (!value.is_number() && !value.is_boolean()) {
        throw InputError(where(i), "metric \"" + name + "\" is " + value.type_name() + ", not a number",
                         "metric values are numbers, or null when not computed");
      }
      const double x = value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
      if (std::isnan(x)) continue;
      cell.values[name].push_back(x);
    }
  }

  std::vector<AggregateRow> rows;
  for (const Cell& cell : cells) {
    for (const auto& [metric, values] : cell.values) {
      AggregateRow row = summarise(cell.key, metric, values, seed);
      const MetricAggregation& aggregation = metric_aggregation(metric);
      if (aggregation.kind != AggregationKind::kMean) {
        std::vector<std::vector<double>> states;
        for (size_t i : cell.records) {
          if (auto s = aggregation.state(records[i])) states.push_back(std::move(*s));
        }
        if (!states.empty()) {
          const std::string stream = cell.key.model + "|" + cell.key.variant + "|" + cell.key.backend + "|" +
                                     cell.key.task_name + "|" + metric + "|" + std::string(aggregation_name(aggregation.kind));
          row.mean = aggregate_states(aggregation, states);
          const stats::Interval ci = stats::bootstrap_ci(
              states.size(), [&](std::span<const size_t> idx) { return aggregate_states(aggregation, states, idx); },
              stats::mix_seed(seed, stream));
          row.ci_low = ci.low;
          row.ci_high = ci.high;
          row.aggregation = std::string(aggregation_name(aggregation.kind));
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void write_aggregate_csv(std::ostream& out, std::span<const AggregateRow> rows) {
  out << "model,variant,backend,task_name,metric,n,mean,std,ci_low,ci_high,aggregation\n";
  for (const AggregateRow& row : rows) {
    for (const std::string* text : {&row.model, &row.variant, &row.backend, &row.task_name, &row.metric}) {
      write_text(out, *text);
      out << ',';
    }
    out << row.n;
    for (double value : {row.mean, row.std, row.ci_low, row.ci_high}) {
      out << ',';
      write_number(out, value);
    }
    out << ',' << row.aggregation << '\n';
  }
}

}  // namespace qualm
