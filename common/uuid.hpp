#pragma once

#include <string>

#include "common/result.hpp"

namespace dmc {

// A random (version 4) UUID in its canonical lowercase form.
Result<std::string> uuid_v4();

}  // namespace dmc
