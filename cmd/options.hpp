// cxxopts, configured for dmc: repeated options never split their values on
// commas (an --env value may well hold one).
#pragma once

#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>

#include "common/result.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dmc::cli {

// Exit codes of dmc's own commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command could not be done
inline constexpr int kExitUsage = 2;   // the command line was wrong
// run and attach exit with the process's status; their own failures use
// the codes podman and docker users know:
inline constexpr int kExitDmcError = 125;     // dmc could not run or attach
inline constexpr int kExitCannotInvoke = 126;  // the program cannot be executed
inline constexpr int kExitNotFound = 127;      // the program does not exist

// The exit code of run or attach for a failure of dmc's, by the error's
// kind (never its message): 127, 126, else 125.
int process_error_code(const Error& error);

// A wrong command line; main prints "dmc: <what()>" and exits kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<what> (see '<program> --help')": a usage error that points to the help.
UsageError usage_error(const cxxopts::Options& options, std::string_view what);

// Parses args (args[0] is the command name) and returns the result. An
// unknown option, a missing value and the like throw a UsageError:
// "unknown option '--x' (see 'dmc run --help')".
cxxopts::ParseResult parse(cxxopts::Options& options, const std::vector<std::string>& args);

// The value of an option that takes a string, or nullopt when not given.
std::optional<std::string> optional_value(const cxxopts::ParseResult& parsed, const char* name);

// Prints "dmc: <message>" on stderr and returns code.
int fail(const std::string& message, int code = kExitFailed);

// An option's value that does not parse (`--memory abc`): a usage error,
// reported before anything is touched.
int fail_usage(const Error& error);

// Parses a command's args into out. Returns false when --help was asked
// for (and printed). Every option named in `required` (positional ones
// included) must be given, or it is a usage error.
bool parse_command(cxxopts::Options& options, const std::vector<std::string>& args,
                   std::initializer_list<const char*> required, cxxopts::ParseResult& out);

// The exit code of a command that printed nothing on success.
int exit_code(const Result<void>& result, int failure_code = kExitFailed);

}  // namespace dmc::cli
