#include "cmd/options.hpp"

#include <cctype>
#include <iostream>

namespace dmc::cli {
namespace {

// cxxopts quotes names with U+2018 and U+2019; dmc's messages use "'".
std::string plain_quotes(std::string_view text) {
  constexpr std::string_view kLeft = "\u2018", kRight = "\u2019";  // 3 bytes each in UTF-8
  std::string out;
  while (!text.empty()) {
    bool curly = text.starts_with(kLeft) || text.starts_with(kRight);
    out += curly ? '\'' : text.front();
    text.remove_prefix(curly ? kLeft.size() : 1);
  }
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

using Argv = std::vector<const char*>;

// The first option cxxopts did not know, as given ("--x" of "--x=1"), or
// empty: told apart from positional arguments only when cxxopts is let to
// keep unknown options (in unmatched()).
std::string unknown_option(cxxopts::Options& options, const Argv& argv) {
  options.allow_unrecognised_options();
  try {
    auto result = options.parse(static_cast<int>(argv.size()), argv.data());
    for (const auto& arg : result.unmatched()) {
      if (arg.size() > 1 && arg.starts_with('-')) return arg.substr(0, arg.find('='));
    }
  } catch (const cxxopts::exceptions::exception&) {
  }
  return {};
}

// The first argument that starts with '-' but is no option at all ("--x",
// "-.", "---"): cxxopts refuses the first of them that is no option's value.
std::string malformed_option(const Argv& argv) {
  for (size_t i = 1; i < argv.size() && std::string_view(argv[i]) != "--"; ++i) {
    bool matched = false;
    (void)cxxopts::values::parser_tool::ParseArgument(argv[i], matched);
    if (!matched && argv[i][0] == '-' && argv[i][1] != '\0') return argv[i];
  }
  return {};
}

}  // namespace

UsageError usage_error(const cxxopts::Options& options, std::string_view what) {
  return UsageError(fmt::format("{} (see '{} --help')", what, options.program()));
}

cxxopts::ParseResult parse(cxxopts::Options& options, const std::vector<std::string>& args) {
  Argv argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  std::string unknown;
  try {
    return options.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const cxxopts::exceptions::no_such_option& e) {
    unknown = unknown_option(options, argv);
    if (unknown.empty()) throw usage_error(options, plain_quotes(e.what()));
  } catch (const cxxopts::exceptions::invalid_option_syntax& e) {
    unknown = malformed_option(argv);
    if (unknown.empty()) throw usage_error(options, plain_quotes(e.what()));
  } catch (const cxxopts::exceptions::exception& e) {
    throw usage_error(options, plain_quotes(e.what()));
  }
  throw usage_error(options, fmt::format("unknown option '{}'", unknown));
}

int process_error_code(const Error& error) {
  switch (error.kind) {
    case ErrorKind::ExecutableNotFound: return kExitNotFound;
    case ErrorKind::NotExecutable: return kExitCannotInvoke;
    default: return kExitDmcError;
  }
}

std::optional<std::string> optional_value(const cxxopts::ParseResult& parsed, const char* name) {
  if (!parsed.count(name)) return std::nullopt;
  return parsed[name].as<std::string>();
}

int fail(const std::string& message, int code) {
  std::cerr << "dmc: " << message << "\n";
  return code;
}

int fail_usage(const Error& error) { return fail(error.message, kExitUsage); }

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
      throw usage_error(options, upper + " is required");
    }
  }
  return true;
}

int exit_code(const Result<void>& result, int failure_code) {
  return result ? kExitOk : fail(result.error().message, failure_code);
}

}  // namespace dmc::cli
