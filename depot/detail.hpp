// Pieces shared by the depot's own files; not part of its interface.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "depot/depot.hpp"

namespace dmc::depot::detail {

// A handle, or the name of a temporary (".tmp-..." without '/'): what
// remove() accepts.
Result<void> validate_name(std::string_view name);

// ContainerNotFound "unknown handle: <handle>", Garden's text.
Error unknown_handle(std::string_view handle);

// Opens a directory (never a symlink to one) to lock it.
Result<UniqueFd> open_dir(const std::string& path);

// flock(fd, operation), retried on EINTR. False when operation has LOCK_NB
// and someone else holds the lock.
Result<bool> flock_fd(int fd, int operation, const std::string& what);

// The names in a directory without "." and "..", sorted.
Result<std::vector<std::string>> list_dir(const std::string& path);

// True when path is a directory itself, not a symlink to one.
bool is_dir(const std::string& path);

std::string properties_to_json(const Properties& props);
std::string state_to_json(const ContainerState& state);

}  // namespace dmc::depot::detail
