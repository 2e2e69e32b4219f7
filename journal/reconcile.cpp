#include "journal/reconcile.hpp"

#include <algorithm>
#include <charconv>

#include "common/fs.hpp"

namespace dmc::journal {
namespace {

uint64_t highest_oom_count(const std::vector<Event>& events) {
  uint64_t highest = 0;
  for (const auto& e : events) {
    if (e.type != types::kOom) continue;
    auto text = e.field("count");
    uint64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    highest = std::max(highest, n);
  }
  return highest;
}

bool has_exit(const std::vector<Event>& events, const std::string& process) {
  return std::any_of(events.begin(), events.end(), [&](const Event& e) {
    return e.type == types::kExit && e.field("process") == process;
  });
}

Fields exit_fields(const Exited& exited) {
  Fields fields{string_field("process", exited.process)};
  if (exited.status) fields.push_back(int_field("status", *exited.status));
  return fields;
}

}  // namespace

Result<void> reconcile(const Journal& journal, const Observed& observed) {
  DMC_TRY(locked, journal.lock());
  DMC_TRY(events, locked.read({types::kOom, types::kExit}));
  if (observed.oom_kills && *observed.oom_kills > highest_oom_count(events)) {
    DMC_CHECK(locked.append(types::kOom, {uint_field("count", *observed.oom_kills)}));
  }
  for (const auto& exited : observed.exited) {
    if (has_exit(events, exited.process)) continue;
    DMC_CHECK(locked.append(types::kExit, exit_fields(exited)));
  }
  return {};
}

Result<uint64_t> read_oom_kill_count(const std::string& file) {
  DMC_TRY(text, read_file(file));
  constexpr std::string_view key = "oom_kill ";
  for (size_t at = 0; at < text.size();) {
    auto end = std::min(text.find('\n', at), text.size());
    std::string_view line(text.data() + at, end - at);
    uint64_t n = 0;
    if (line.starts_with(key) &&
        std::from_chars(line.data() + key.size(), line.data() + line.size(), n).ec ==
            std::errc()) {
      return n;
    }
    at = end + 1;
  }
  return make_error(ErrorKind::NotFound, "{}: no oom_kill counter", file);
}

}  // namespace dmc::journal
