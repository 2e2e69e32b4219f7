// dmc-shim: one per process in a container; see process_tracker/shim.hpp.
// It detaches from its caller at once (fork, the parent exits, setsid), so
// that it is nobody's child but its subreaper's and outlives whoever ran it.
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
  pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid > 0) ::_exit(0);
  ::setsid();
  return dmc::process_tracker::run_shim(*options);
}
