// The runtime's command lines, built as pure functions. runc 1.1.5 and crun
// 1.8.1 accept every form below as is (checked with each verb's --help and by
// running them), so no builder branches on the flavor.
#include <string>
#include <vector>

#include "runrunc/runtime.hpp"

namespace dmc::runrunc::argv {
namespace {

std::vector<std::string> with(std::vector<std::string> head,
                              std::initializer_list<std::string> tail) {
  head.insert(head.end(), tail);
  return head;
}

}  // namespace

std::vector<std::string> global(const RuntimeConfig& config, const std::string& log_file) {
  return {config.binary, "--root", config.state_root, "--log", log_file, "--log-format", "json"};
}

std::vector<std::string> create(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, const CreateOptions& options) {
  return with(global(config, log_file),
              {"create", "--bundle", options.bundle, "--pid-file", options.pid_file, id});
}

std::vector<std::string> run_detached(const RuntimeConfig& config, const std::string& log_file,
                                      const std::string& id, const CreateOptions& options) {
  return with(global(config, log_file), {"run", "--detach", "--bundle", options.bundle,
                                         "--pid-file", options.pid_file, id});
}

std::vector<std::string> start(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id) {
  return with(global(config, log_file), {"start", id});
}

std::vector<std::string> exec(const RuntimeConfig& config, const std::string& log_file,
                              const std::string& id, const ExecOptions& options) {
  auto out = with(global(config, log_file),
                  {"exec", "--process", options.process_json, "--pid-file", options.pid_file});
  if (options.detach) out.push_back("--detach");
  if (options.console_socket) {
    out = with(std::move(out), {"--console-socket", *options.console_socket});
  }
  // One token: crun's argp and runc's flag parser both take "--cgroup=SUB".
  if (!options.cgroup.empty()) out.push_back("--cgroup=" + options.cgroup);
  out.push_back(id);
  return out;
}

std::vector<std::string> kill(const RuntimeConfig& config, const std::string& log_file,
                              const std::string& id, int signal, bool all) {
  auto out = with(global(config, log_file), {"kill"});
  if (all) out.push_back("--all");
  return with(std::move(out), {id, std::to_string(signal)});
}

std::vector<std::string> remove(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, bool force) {
  auto out = with(global(config, log_file), {"delete"});
  if (force) out.push_back("--force");
  out.push_back(id);
  return out;
}

std::vector<std::string> state(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id) {
  return with(global(config, log_file), {"state", id});
}

std::vector<std::string> pause(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id) {
  return with(global(config, log_file), {"pause", id});
}

std::vector<std::string> resume(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id) {
  return with(global(config, log_file), {"resume", id});
}

std::vector<std::string> update(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, const std::string& resources_file) {
  return with(global(config, log_file), {"update", "--resources", resources_file, id});
}

}  // namespace dmc::runrunc::argv
