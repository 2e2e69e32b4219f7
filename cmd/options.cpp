#include "cmd/options.hpp"

#include <iostream>

namespace dmc::cli {

cxxopts::ParseResult parse(cxxopts::Options& options, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  return options.parse(static_cast<int>(argv.size()), argv.data());
}

int fail(const std::string& message) {
  std::cerr << "dmc: " << message << "\n";
  return kExitFailed;
}

}  // namespace dmc::cli
