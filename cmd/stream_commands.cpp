// dmc stream-in / stream-out: tar streams on stdin and stdout.
#include <unistd.h>

#include "cmd/commands.hpp"
#include "cmd/options.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;

cxxopts::Options stream_options(const char* name, const char* about, const char* path_flag,
                                const char* path_help) {
  cxxopts::Options o(name, about);
  o.custom_help(fmt::format("HANDLE --{} PATH [--user U]", path_flag));
  o.add_options()
    (path_flag, path_help, cxxopts::value<std::string>(), "PATH")
    ("u,user", "user name or uid[:gid] in the container (default: root)",
     cxxopts::value<std::string>()->default_value(""), "USER")
    ("handle", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"handle"});
  return o;
}

// The path option's value; an empty one is a usage error, not the home dir.
std::string path_value(const cxxopts::Options& o, const cxxopts::ParseResult& parsed,
                       const char* path_flag) {
  auto path = parsed[path_flag].as<std::string>();
  if (path.empty()) throw usage_error(o, fmt::format("--{} must not be empty", path_flag));
  return path;
}

}  // namespace

int stream_in(const GlobalOptions& globals, const Strings& args) {
  auto o = stream_options(
      "dmc stream-in",
      "Extract the tar stream on stdin into a running container, as a user: the destination "
      "is made like mkdir -p; files belong to the user; entries that lead outside the "
      "destination are refused. Relative paths start at the user's home.",
      "dest", "where to extract, inside the container");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle", "dest"}, parsed)) return kExitOk;
  const auto dest = path_value(o, parsed, "dest");
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    return exit_code(c.stream_in(parsed["handle"].as<std::string>(),
                                 parsed["user"].as<std::string>(), dest, STDIN_FILENO));
  });
}

int stream_out(const GlobalOptions& globals, const Strings& args) {
  auto o = stream_options(
      "dmc stream-out",
      "Write a tar stream of a path in a running container to stdout, as a user. PATH gives "
      "the entry itself; PATH/ gives its contents. A missing source fails before any byte.",
      "src", "what to archive, inside the container");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle", "src"}, parsed)) return kExitOk;
  const auto src = path_value(o, parsed, "src");
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    return exit_code(c.stream_out(parsed["handle"].as<std::string>(),
                                  parsed["user"].as<std::string>(), src, STDOUT_FILENO));
  });
}

}  // namespace dmc::cli
