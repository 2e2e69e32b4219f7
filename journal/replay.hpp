// Replay: the recorded events of a depot's live and archived journals,
// merged in time order, filtered.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "journal/event.hpp"

namespace dmc::journal {

struct Filter {
  std::set<std::string> handles = {};  // empty: every container
  std::optional<int64_t> since_ns = {};// events at or after
  std::optional<int64_t> until_ns = {};// events at or before

  [[nodiscard]] bool matches(const Event& event) const;
};

// Every recorded event of the depot at depot_root that filter matches,
// oldest first (stable: a journal's own order is kept between equal
// times), each once.
Result<std::vector<Event>> replay(const std::string& depot_root, const Filter& filter);

// The handle has a live journal (or a container dir) or an archived one.
bool known(const std::string& depot_root, const std::string& handle);

}  // namespace dmc::journal
