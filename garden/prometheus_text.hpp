// Prometheus' text exposition format (version 0.0.4): metric families with
// their HELP and TYPE lines, label values escaped, and a histogram whose
// buckets are rendered cumulative, ending with le="+Inf". Pure values and
// functions: no I/O, no locks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dmc::garden::prometheus {

// The Content-Type of a scrape's answer.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string suffix;  // appended to the family's name: "", "_bucket", "_sum", "_count"
  Labels labels;
  double value = 0;
};

enum class Type { Counter, Gauge, Histogram };

struct Family {
  std::string name;  // a counter's ends in "_total"
  std::string help;
  Type type = Type::Gauge;
  std::vector<Sample> samples;
};

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);
// HELP text with backslash and newline escaped.
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction ("3"), "+Inf", "-Inf", "NaN".
std::string format_value(double value);
// One family: "# HELP", "# TYPE", then one line per sample. A family with no
// samples still gets its HELP and TYPE lines.
std::string render(const Family& family);
std::string render(const std::vector<Family>& families);

// Observations counted into buckets by their upper bounds (le: an
// observation equal to a bound falls in that bucket), with their sum and
// count. Not thread-safe: the caller locks.
class Histogram {
 public:
  // bounds: ascending, finite; "+Inf" is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends the _bucket samples (cumulative, le="+Inf" last and equal to
  // the count), then _sum and _count, each with `labels` first.
  void append_samples(const Labels& labels, std::vector<Sample>& out) const;
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf's
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace dmc::garden::prometheus
