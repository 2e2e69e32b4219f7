// dmc: the command line. Global options, then a command and its options.
#include <algorithm>
#include <iostream>
#include <string_view>

#include "cmd/commands.hpp"
#include "cmd/options.hpp"

namespace {

using dmc::cli::GlobalOptions;

constexpr std::string_view kGlobalsWithValue[] = {"--depot", "--runtime", "--state-root",
                                                   "--log-level"};

// Index of the command word: the first argument that is not a global option
// or a global option's value.
size_t command_index(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("-")) return static_cast<size_t>(i);
    for (auto flag : kGlobalsWithValue) {
      if (arg == flag) ++i;
    }
  }
  return static_cast<size_t>(argc);
}

cxxopts::Options global_options(const GlobalOptions& defaults) {
  cxxopts::Options o("dmc", "dmc: containers on runc or crun, each a directory in a depot.");
  o.custom_help("[GLOBAL OPTIONS] COMMAND [OPTIONS]");
  o.add_options()
    ("depot", "where containers live (env DMC_DEPOT)",
     cxxopts::value<std::string>()->default_value(defaults.depot), "DIR")
    ("runtime", "OCI runtime of new containers: runc, crun or a path (env DMC_RUNTIME; "
                "default crun when installed, else runc). A container is always driven by "
                "the runtime that made it",
     cxxopts::value<std::string>(), "RUNTIME")
    ("state-root", "the runtime's state dir for new containers (env DMC_STATE_ROOT; "
                   "default /run/dmc/<runtime>)",
     cxxopts::value<std::string>(), "DIR")
    ("log-level", "JSON log lines on stderr from this level: debug, info, error, fatal, off "
                  "(env DMC_LOG_LEVEL)",
     cxxopts::value<std::string>()->default_value(defaults.log_level), "LEVEL")
    ("version", "print dmc's version")
    ("h,help", "show this help");
  return o;
}

void print_usage(const cxxopts::Options& options) {
  std::cout << options.help() << "Commands:\n";
  size_t width = 0;
  for (const auto& c : dmc::cli::commands()) {
    width = std::max(width, std::string_view(c.name).size());
  }
  for (const auto& c : dmc::cli::commands()) {
    std::cout << fmt::format("  {:<{}}  {}\n", c.name, width, c.summary);
  }
  std::cout << "\nRun 'dmc COMMAND --help' for a command's options.\n";
}

int run(int argc, char** argv) {
  size_t at = command_index(argc, argv);
  const GlobalOptions defaults = dmc::wiring::settings_from_env();
  auto options = global_options(defaults);
  std::vector<std::string> global_args(argv, argv + at);
  auto parsed = dmc::cli::parse(options, global_args);
  if (parsed.count("version")) {
    std::cout << "dmc " << DMC_VERSION << "\n";
    return dmc::cli::kExitOk;
  }
  if (parsed.count("help") || at == static_cast<size_t>(argc)) {
    print_usage(options);
    return parsed.count("help") ? dmc::cli::kExitOk : dmc::cli::kExitUsage;
  }
  // No default shown for these two: theirs depends on what is installed.
  auto given_or = [&](const char* option, const std::string& fallback) {
    return parsed.count(option) ? parsed[option].as<std::string>() : fallback;
  };
  GlobalOptions globals = defaults;
  globals.depot = parsed["depot"].as<std::string>();
  globals.runtime = given_or("runtime", defaults.runtime);
  globals.state_root = given_or("state-root", defaults.state_root);
  globals.log_level = parsed["log-level"].as<std::string>();
  std::string_view name = argv[at];
  for (const auto& c : dmc::cli::commands()) {
    if (name == c.name) return c.run(globals, std::vector<std::string>(argv + at, argv + argc));
  }
  std::cerr << "dmc: unknown command '" << name << "'; see 'dmc --help'\n";
  return dmc::cli::kExitUsage;
}

int report_usage(const std::string& what) {
  std::cerr << "dmc: " << what << "\n";
  return dmc::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const dmc::cli::UsageError& e) {
    return report_usage(e.what());
  } catch (const cxxopts::exceptions::exception& e) {  // parse() makes most a UsageError
    return report_usage(std::string(e.what()) + " (see 'dmc --help')");
  }
}
