#include "nstar/nstar.hpp"

#include <string_view>

#include "common/child.hpp"
#include "nstar/helper_args.hpp"

namespace dmc::nstar {
namespace {

// The helper's one-line message: the last non-empty line of its stderr.
std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  size_t newline = text.rfind('\n');
  return std::string(newline == std::string_view::npos ? text : text.substr(newline + 1));
}

Error helper_failure(std::string_view context, const ChildOutput& out) {
  std::string message = last_line(out.err);
  if (out.exit.signaled) {
    message = fmt::format("dmc-nstar killed by signal {}", out.exit.code - 128);
  } else if (message.empty()) {
    message = fmt::format("dmc-nstar exited with status {}", out.exit.code);
  }
  auto kind = out.exit.signaled ? ErrorKind::Internal : kind_for_exit_status(out.exit.code);
  return Error{kind, fmt::format("{}: {}", context, message), 0};
}

// Runs the helper on the given stdio; its failure becomes "context: message".
Result<void> run_helper_process(const std::string& helper_path, const HelperArgs& args,
                                int stdin_fd, int stdout_fd, std::string_view context) {
  auto out = run_child({.argv = helper_argv(helper_path, args),
                        .env = std::vector<std::string>{},
                        .stdin_fd = stdin_fd,
                        .stdout_fd = stdout_fd});
  if (!out) return out.error().wrap(context);
  if (out->exit.code != 0) return helper_failure(context, *out);
  return {};
}

}  // namespace

Nstar::Nstar(std::string helper_path) : helper_path_(std::move(helper_path)) {}

Result<void> Nstar::stream_in(const proc::Claim& init, const StreamUser& user,
                              const std::string& destination, int tar_fd) const {
  if (destination.empty()) {
    return make_error(ErrorKind::Invalid, "error streaming in: no destination given");
  }
  HelperArgs args{Direction::In, init, user, destination};
  return run_helper_process(helper_path_, args, tar_fd, -1, "error streaming in");
}

Result<void> Nstar::stream_out(const proc::Claim& init, const StreamUser& user,
                               const std::string& source, int out_fd) const {
  HelperArgs args{Direction::Out, init, user, source};
  return run_helper_process(helper_path_, args, -1, out_fd, "error streaming out");
}

}  // namespace dmc::nstar
