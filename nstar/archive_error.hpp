// A libarchive failure as an Error: "context: libarchive's message", with
// the system's reason appended when libarchive left it out. Without a
// system error it is of kind `otherwise` (what libarchive itself refused).
#pragma once

#include <string_view>

#include "common/result.hpp"

struct archive;

namespace dmc::nstar {

Error archive_failure(std::string_view context, archive* a,
                      ErrorKind otherwise = ErrorKind::Internal);

}  // namespace dmc::nstar
