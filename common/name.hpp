// Names that become directory names (container handles, process ids): they
// must never be able to name anything but one entry of their parent.
#pragma once

#include <string_view>

#include "common/result.hpp"

namespace dmc {

inline constexpr size_t kMaxNameLength = 128;

// [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 characters; the error names
// `what`: "invalid handle '../x': use letters, digits, ...".
Result<void> validate_name(std::string_view what, std::string_view name);

}  // namespace dmc
