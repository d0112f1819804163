#include "records/aggregate.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string_view>

#include "records/metric_aggregation.h"
#include "stats/bootstrap.h"

namespace qualm {
namespace {

// (configuration, task_name): one cell of rows.
using CellKey = std::pair<ConfigKey, std::string>;

struct Cell {
  CellKey key;
  std::map<std::string, std::vector<double>> values;  // by metric name, sorted
  std::vector<size_t> records;                        // its records without an error
};

std::string stream_of(const CellKey& key, const std::string& metric) {
  return key.first.model + "|" + key.first.variant + "|" + key.first.backend + "|" + key.second + "|" + metric;
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
  const stats::Interval ci = stats::bootstrap_mean_ci(values, stats::mix_seed(seed, stream_of(key, metric)));
  return {key.first, key.second, metric, static_cast<int64_t>(values.size()), mean, sd, ci.low, ci.high};
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

std::vector<AggregateRow> aggregate_records(std::span<const SampleRecord> records, uint64_t seed) {
  std::vector<Cell> cells;
  std::map<CellKey, size_t> cell_index;
  for (size_t i = 0; i < records.size(); ++i) {
    const SampleRecord& record = records[i];
    CellKey key{record.config, record.task_name};
    auto [it, inserted] = cell_index.try_emplace(key, cells.size());
    if (inserted) cells.push_back({std::move(key), {}, {}});
    if (!record.ok()) continue;
    Cell& cell = cells[it->second];
    cell.records.push_back(i);
    for (const auto& [name, value] : record.metrics) {
      if (!std::isnan(value)) cell.values[name].push_back(value);
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
          const std::string stream = stream_of(cell.key, metric) + "|" + std::string(aggregation_name(aggregation.kind));
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
    for (const std::string* text : {&row.config.model, &row.config.variant, &row.config.backend, &row.task_name, &row.metric}) {
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
