#include "common/clock.hpp"

#include <time.h>

#include <fmt/format.h>

namespace dmc {

int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string rfc3339(int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  tm utc;
  ::gmtime_r(&secs, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     ns % 1'000'000'000);
}

}  // namespace dmc
