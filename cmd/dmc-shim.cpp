// dmc-shim: one per process in a container; see process_tracker/shim.hpp.
// The process tracker starts it detached (common/child.hpp spawn_detached):
// in a session of its own, nobody's child but its subreaper's, so that it
// outlives whoever ran it.
#include <unistd.h>

#include <string>
#include <vector>

#include "process_tracker/shim.hpp"

int main(int argc, char** argv) {
  auto options = dmc::process_tracker::parse_shim_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::string line = "dmc-shim: " + options.error().message + "\n";
    (void)!::write(2, line.data(), line.size());
    return 2;
  }
  return dmc::process_tracker::run_shim(*options);
}
