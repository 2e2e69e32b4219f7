#include "cmd/options.hpp"

#include <cctype>
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

bool parse_command(cxxopts::Options& options, const std::vector<std::string>& args,
                   std::initializer_list<const char*> required, cxxopts::ParseResult& out) {
  out = parse(options, args);
  if (out.count("help")) {
    std::cout << options.help();
    return false;
  }
  for (const char* name : required) {
    if (!out.count(name)) {
      std::string upper(name);
      for (auto& c : upper) c = c == '-' ? ' ' : static_cast<char>(std::toupper(c));
      throw UsageError(upper + " is required");
    }
  }
  return true;
}

int exit_code(const Result<void>& result, int failure_code) {
  return result ? kExitOk : fail(result.error().message, failure_code);
}

}  // namespace dmc::cli
