// Paths as the caller gives them, resolved inside the container (after
// enter_container, "/" is the container's root).
#pragma once

#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::nstar {

// path if absolute, else home/path; an empty path is home itself. A
// trailing slash is kept.
std::string absolute_in(const std::string& home, const std::string& path);

// What StreamOut archives: `name` inside the directory `parent`. "dir"
// gives {"/…/parent", "dir"} (the entry itself); "dir/", "dir/." and
// "dir/.." give {"dir…", "."} (the directory's contents).
struct Source {
  std::string parent;
  std::string name;
};
Source split_source(const std::string& absolute_path);

// mkdir -p path (new directories 0777 less the umask, owned by whoever we
// are), then opens it. Symlinks on the way are followed (inside the
// container), magic links are not. Errors: "mkdir /a/b: Permission denied".
Result<UniqueFd> make_and_open_dir(const std::string& absolute_path);

// Opens an existing directory the same way. Errors: "open /a/b: ...".
Result<UniqueFd> open_dir(const std::string& absolute_path);

}  // namespace dmc::nstar
