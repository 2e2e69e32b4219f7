#include "cmd/show_command.hpp"

namespace dmc::cli {

std::optional<ShowRequest> parse_show(const char* name, const char* about,
                                      const std::vector<std::string>& args) {
  cxxopts::Options o(name, about);
  o.custom_help("HANDLE [--json]");
  o.add_options()("json", "print JSON")("handle", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return std::nullopt;
  return ShowRequest{parsed["handle"].as<std::string>(), parsed["json"].as<bool>()};
}

}  // namespace dmc::cli
