// Prometheus' text format as dmcd renders it: label and HELP escaping,
// sample values, HELP/TYPE lines, and histogram bucket math.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "garden/prometheus_text.hpp"

namespace dmc::garden::prometheus {
namespace {

TEST_CASE("label values escape backslash, double quote and newline, and nothing else") {
  CHECK(escape_label_value("plain-handle_1.2") == "plain-handle_1.2");
  CHECK(escape_label_value("a\\b") == "a\\\\b");
  CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  CHECK(escape_label_value("two\nlines") == "two\\nlines");
  CHECK(escape_label_value("tab\there 'single' é") == "tab\there 'single' é");
}

TEST_CASE("HELP text escapes backslash and newline but not double quote") {
  CHECK(escape_help("a \"b\" c\\d\ne") == "a \"b\" c\\\\d\\ne");
}

TEST_CASE("sample values: integers without a fraction, infinities and NaN by name") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(3) == "3");
  CHECK(format_value(268435456) == "268435456");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(0.001) == "0.001");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("a family renders HELP, TYPE, then one line per sample with escaped labels") {
  Family family{"dmc_container_pids", "Processes in\nthe cgroup.", Type::Gauge,
                {{"", {{"handle", "a\"b"}}, 4}, {"", {{"handle", "c"}, {"x", "y"}}, 0}}};
  CHECK(render(family) ==
        "# HELP dmc_container_pids Processes in\\nthe cgroup.\n"
        "# TYPE dmc_container_pids gauge\n"
        "dmc_container_pids{handle=\"a\\\"b\"} 4\n"
        "dmc_container_pids{handle=\"c\",x=\"y\"} 0\n");
}

TEST_CASE("a counter's TYPE is counter, and a sample without labels has no braces") {
  Family family{"dmcd_events_recorded_total", "Events.", Type::Counter, {{"", {}, 7}}};
  CHECK(render(family) ==
        "# HELP dmcd_events_recorded_total Events.\n"
        "# TYPE dmcd_events_recorded_total counter\n"
        "dmcd_events_recorded_total 7\n");
}

TEST_CASE("a family without samples keeps its HELP and TYPE lines") {
  CHECK(render(Family{"m", "h", Type::Counter, {}}) == "# HELP m h\n# TYPE m counter\n");
}

TEST_CASE("histogram buckets are cumulative, a value on a bound falls in it, +Inf is the count") {
  Histogram histogram({0.01, 0.1, 1});
  for (double v : {0.005, 0.01, 0.05, 0.5, 1.0, 3.0, 30.0}) histogram.observe(v);
  std::vector<Sample> samples;
  histogram.append_samples({{"route", "create"}}, samples);
  Family family{"d", "h", Type::Histogram, samples};
  CHECK(render(family) ==
        "# HELP d h\n# TYPE d histogram\n"
        "d_bucket{route=\"create\",le=\"0.01\"} 2\n"
        "d_bucket{route=\"create\",le=\"0.1\"} 3\n"
        "d_bucket{route=\"create\",le=\"1\"} 5\n"
        "d_bucket{route=\"create\",le=\"+Inf\"} 7\n"
        "d_sum{route=\"create\"} 34.565\n"
        "d_count{route=\"create\"} 7\n");
  CHECK(histogram.count() == 7);
}

TEST_CASE("an empty histogram has every bucket at 0, then a sum and count of 0") {
  Histogram histogram({1, 2});
  std::vector<Sample> samples;
  histogram.append_samples({}, samples);
  REQUIRE(samples.size() == 5);
  for (const auto& s : samples) CHECK(s.value == 0);
  CHECK(samples[2].labels == Labels{{"le", "+Inf"}});
  CHECK(samples[3].suffix == "_sum");
  CHECK(samples[4].suffix == "_count");
}

}  // namespace
}  // namespace dmc::garden::prometheus
