#include "cmd/options.hpp"

#include <iostream>

namespace dmc::cli {

cxxopts::ParseResult parse(cxxopts::Options& options, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  return options.parse(static_cast<int>(argv.size()), argv.data());
}

int fail(const std::string& message, int code) {
  std::cerr << "dmc: " << message << "\n";
  return code;
}

bool wants_help(const cxxopts::Options& options, const cxxopts::ParseResult& parsed) {
  if (!parsed.count("help")) return false;
  std::cout << options.help();
  return true;
}

}  // namespace dmc::cli
