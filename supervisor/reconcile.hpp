// What a supervisor does next for one service, decided from what is asked
// (Control), what it recorded (Status) and what the machine shows
// (Observed). Pure: the supervisor loop performs the action and reports
// back with started() or start_failed(). Level-triggered, so a supervisor
// that restarts from the depot carries on where the last one stopped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/service.hpp"
#include "supervisor/service_state.hpp"

namespace dmc::supervisor {

struct Observed {
  int64_t now_ns = 0;
  // Its init runs and it is neither stopped nor paused: nothing starts otherwise.
  bool container_running = true;
  enum class Process { None, Running, Exited, Lost } process = Process::None;
  std::optional<int> exit_status;  // when Exited
  size_t members = 0;              // processes in the service's group
};

enum class Action {
  None,
  Start,   // run the next generation
  Term,    // SIGTERM to every member of the group
  Kill,    // SIGKILL to every member (the stop grace has passed)
  Remove,  // stopped and asked to go: remove the group and the service
};

// An event to record: {"type":"service","service":<name>,"action":...,fields}.
struct Note {
  std::string action;
  std::vector<std::pair<std::string, std::string>> fields;  // string values
};

struct Step {
  Action action = Action::None;
  std::vector<Note> notes;
  int64_t wake_ns = 0;  // look again then at the latest (0: when something changes)
};

Step decide(const ServiceSpec& spec, const Control& control, Status& status,
            const Observed& observed);
// The Start action succeeded: generation `process_id` runs since now_ns.
Note started(Status& status, const std::string& process_id, int64_t now_ns);
// The Start action failed: counted as a failure under the policy.
void start_failed(const ServiceSpec& spec, Status& status, const std::string& error,
                  int64_t now_ns);
// Kubernetes' backoff: spec.backoff doubling per consecutive failure, at most
// spec.max_backoff.
std::chrono::milliseconds backoff_delay(const ServiceSpec& spec, uint32_t failures);

}  // namespace dmc::supervisor
