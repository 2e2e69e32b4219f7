#include "garden/prometheus_text.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace dmc::garden::prometheus {
namespace {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::Counter: return "counter";
    case Type::Gauge: return "gauge";
    case Type::Histogram: return "histogram";
  }
  return "untyped";
}

// `{a="1",b="2"}`, or nothing for no labels.
std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", name, escape_label_value(value));
  }
  return out + "}";
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers up to 2^53 are exact in a double: print them as integers.
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

std::string render(const Family& family) {
  std::string out = fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name,
                                escape_help(family.help), family.name, type_name(family.type));
  for (const auto& sample : family.samples) {
    out += fmt::format("{}{}{} {}\n", family.name, sample.suffix, render_labels(sample.labels),
                       format_value(sample.value));
  }
  return out;
}

std::string render(const std::vector<Family>& families) {
  std::string out;
  for (const auto& family : families) out += render(family);
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  // The first bucket whose bound is >= value; past the last bound: +Inf's.
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[static_cast<size_t>(at)];
  sum_ += value;
  ++count_;
}

void Histogram::append_samples(const Labels& labels, std::vector<Sample>& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    Labels with_le = labels;
    with_le.emplace_back("le", i < bounds_.size() ? format_value(bounds_[i]) : "+Inf");
    out.push_back({"_bucket", std::move(with_le), static_cast<double>(cumulative)});
  }
  out.push_back({"_sum", labels, sum_});
  out.push_back({"_count", labels, static_cast<double>(count_)});
}

}  // namespace dmc::garden::prometheus
