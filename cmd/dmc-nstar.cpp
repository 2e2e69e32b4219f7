// dmc-nstar: StreamIn / StreamOut inside a container's mount namespace, as
// a given user. Run by nstar::Nstar; see nstar/helper_args.hpp for its
// command line.
#include <string>
#include <vector>

#include "nstar/helper.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = dmc::nstar::parse_helper_args(args);
  if (!parsed) return dmc::nstar::report_failure(parsed.error());
  auto done = dmc::nstar::run_helper(*parsed);
  if (!done) return dmc::nstar::report_failure(done.error());
  return 0;
}
