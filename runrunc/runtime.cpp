#include "runrunc/runtime.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "runrunc/hybrid.hpp"
#include "runrunc/internal.hpp"
#include "runrunc/temp_file.hpp"

namespace dmc::runrunc {

struct RuntimeCall {
  std::string_view verb;  // as the runtime names it: "create", "delete", ...
  std::string_view id;
  std::function<std::vector<std::string>(const std::string& log_file)> argv = nullptr;
  // Verbs that hand no stdio to a container capture stdout and stderr.
  // create and exec give the fds below instead (-1: /dev/null) and never
  // read them: the container keeps them open (style rule 13).
  bool capture = true;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  bool hide_hybrid_controllers = false;
};

namespace {

constexpr std::string_view kHybridReason =
    "crun 1.8 refuses hosts whose cgroup v2 mount (/sys/fs/cgroup/unified) lists controllers "
    "while v1 is mounted at /sys/fs/cgroup; running crun create/run in a private mount namespace "
    "with /sys/fs/cgroup/unified/cgroup.controllers covered by an empty file";

std::string context(const RuntimeConfig& config, std::string_view verb) {
  return fmt::format("{} {}", flavor_name(config.flavor), verb);
}

ChildSpec child_spec(const RuntimeCall& call, const std::string& log_file) {
  ChildSpec spec{.argv = call.argv(log_file)};
  spec.stdin_fd = call.stdin_fd;
  spec.stdout_fd = call.stdout_fd;
  spec.stderr_fd = call.stderr_fd;
  if (call.hide_hybrid_controllers) spec.pre_exec = hide_hybrid_controllers;
  return spec;
}

Result<ChildOutput> launch(ChildSpec spec, bool capture) {
  if (capture) return run_child(std::move(spec));
  DMC_TRY(child, spawn_child(spec));
  DMC_TRY(exit, child.wait());
  return ChildOutput{.exit = exit, .out = {}, .err = {}};
}

void forward_log(const Logger& logger, const RuntimeCall& call, std::string_view log) {
  if (!logger.enabled(LogLevel::Debug)) return;
  std::string message = fmt::format("runrunc.{}", call.verb);
  for (std::string_view line : log_lines(log)) {
    logger.debug(message, {{"id", call.id}, {"line", line}});
  }
}

std::string exit_text(const ChildExit& exit) {
  if (exit.signaled) return fmt::format("killed by signal {}", exit.code - 128);
  return fmt::format("exit status {}", exit.code);
}

// "runc create: exit status 1: <last error of the log, else of stderr>".
Error failure(const RuntimeConfig& config, const RuntimeCall& call, const ChildOutput& output,
              std::string_view log) {
  std::string message = last_error_message(log);
  if (message.empty()) message = last_error_message(output.err);
  std::string text = fmt::format("{}: {}", context(config, call.verb), exit_text(output.exit));
  if (!message.empty()) text += ": " + message;
  ErrorKind kind = call.verb == "exec" ? classify_exec_error(message, call.id)
                                        : classify_error(message, call.id);
  return Error{kind, std::move(text), 0};
}

// The binary could not be started at all: the runtime is unavailable.
Error start_failure(const RuntimeConfig& config, const RuntimeCall& call, Error cause) {
  cause.kind = ErrorKind::Unavailable;
  return cause.wrap(context(config, call.verb));
}

Result<void> done(const Result<std::string>& result) {
  if (!result) return result.error();
  return {};
}

}  // namespace

Runtime::Runtime(RuntimeConfig config, Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)) {}

Result<std::string> Runtime::run(const RuntimeCall& call) const {
  auto log = TempFile::make(config_.log_dir, call.verb);
  if (!log) return log.error().wrap(context(config_, call.verb));
  if (call.hide_hybrid_controllers) {
    logger_.info("runrunc.hybrid-cgroup-workaround", {{"id", call.id}, {"reason", kHybridReason}});
  }
  ChildSpec spec = child_spec(call, log->path());
  auto program_copy = program();  // open until the call is done
  if (program_copy) spec.program_fd = program_copy->get();
  auto output = launch(std::move(spec), call.capture);
  std::string log_text = read_file(log->path()).value_or("");
  forward_log(logger_, call, log_text);
  if (!output) return start_failure(config_, call, output.error());
  if (output->exit.code != 0) return failure(config_, call, *output, log_text);
  return std::move(output->out);
}

std::shared_ptr<const UniqueFd> Runtime::program() const {
  return config_.sealed ? config_.sealed->current() : nullptr;
}

Result<void> Runtime::create(const std::string& id, const CreateOptions& options) const {
  return done(run({
      .verb = "create",
      .id = id,
      .argv = [&](const std::string& log) { return argv::create(config_, log, id, options); },
      .capture = false,
      .hide_hybrid_controllers = config_.hide_hybrid_controllers,
  }));
}

Result<void> Runtime::run_detached(const std::string& id, const CreateOptions& options) const {
  return done(run({
      .verb = "run",
      .id = id,
      .argv = [&](const std::string& log) { return argv::run_detached(config_, log, id, options); },
      .capture = false,
      .hide_hybrid_controllers = config_.hide_hybrid_controllers,
  }));
}

Result<void> Runtime::start(const std::string& id) const {
  return done(run({
      .verb = "start",
      .id = id,
      .argv = [&](const std::string& log) { return argv::start(config_, log, id); },
  }));
}

Result<void> Runtime::exec(const std::string& id, const ExecOptions& options) const {
  return done(run({
      .verb = "exec",
      .id = id,
      .argv = [&](const std::string& log) { return argv::exec(config_, log, id, options); },
      .capture = false,
      .stdin_fd = options.stdin_fd,
      .stdout_fd = options.stdout_fd,
      .stderr_fd = options.stderr_fd,
  }));
}

Result<void> Runtime::kill(const std::string& id, int signal, bool all) const {
  return done(run({
      .verb = "kill",
      .id = id,
      .argv = [&](const std::string& log) { return argv::kill(config_, log, id, signal, all); },
  }));
}

Result<void> Runtime::remove(const std::string& id, bool force) const {
  return done(run({
      .verb = "delete",
      .id = id,
      .argv = [&](const std::string& log) { return argv::remove(config_, log, id, force); },
  }));
}

Result<State> Runtime::state(const std::string& id) const {
  DMC_TRY(out, run({
      .verb = "state",
      .id = id,
      .argv = [&](const std::string& log) { return argv::state(config_, log, id); },
  }));
  auto state = parse_state(out);
  if (!state) return state.error().wrap(context(config_, "state"));
  return state;
}

Result<void> Runtime::pause(const std::string& id) const {
  return done(run({
      .verb = "pause",
      .id = id,
      .argv = [&](const std::string& log) { return argv::pause(config_, log, id); },
  }));
}

Result<void> Runtime::resume(const std::string& id) const {
  return done(run({
      .verb = "resume",
      .id = id,
      .argv = [&](const std::string& log) { return argv::resume(config_, log, id); },
  }));
}

Result<void> Runtime::update(const std::string& id, const std::string& resources_json) const {
  auto file = TempFile::make(config_.log_dir, "resources", resources_json);
  if (!file) return file.error().wrap(context(config_, "update"));
  return done(run({
      .verb = "update",
      .id = id,
      .argv = [&](const std::string& log) {
        return argv::update(config_, log, id, file->path());
      },
  }));
}

std::vector<std::string> Runtime::exec_argv(const std::string& id, const ExecOptions& options,
                                           const std::string& log_file) const {
  return argv::exec(config_, log_file, id, options);
}

Error Runtime::exec_failure(ChildExit exit, std::string_view log) const {
  RuntimeCall call{.verb = "exec", .id = ""};
  return failure(config_, call, ChildOutput{.exit = exit, .out = {}, .err = {}}, log);
}

}  // namespace dmc::runrunc
