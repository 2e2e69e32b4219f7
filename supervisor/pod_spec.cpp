#include "supervisor/pod_spec.hpp"

#include <set>

#include <rapidjson/error/en.h>

#include "common/name.hpp"
#include "supervisor/probe_parse.hpp"
#include "supervisor/spec_reader.hpp"

namespace dmc::supervisor {
namespace {
using spec::invalid;
using spec::Value;

Result<std::string> user_of(const Value& process, std::string_view where) {
  DMC_TRY(user, spec::get_object(process, where, "user"));
  if (!user) return std::string();
  const std::string at = spec::child(where, "user");
  DMC_TRY(uid, spec::get_int(*user, at, "uid"));
  DMC_TRY(gid, spec::get_int(*user, at, "gid"));
  if (!uid || *uid < 0) return invalid(at, "uid must be a number >= 0");
  if (gid && *gid < 0) return invalid(at, "gid must be a number >= 0");
  return gid ? fmt::format("{}:{}", *uid, *gid) : std::to_string(*uid);
}

// The OCI spec's process: args, env, cwd, user{uid,gid}, terminal.
Result<process_tracker::ProcessSpec> process_of(const Value& oci, std::string_view where) {
  DMC_TRY(process, spec::get_object(oci, where, "process"));
  if (!process) return invalid(where, "process is missing");
  const std::string at = spec::child(where, "process");
  DMC_TRY(args_array, spec::get_array(*process, at, "args"));
  if (!args_array || args_array->Empty()) return invalid(at, "args must name a program");
  DMC_TRY(args, spec::strings(*args_array, spec::child(at, "args")));
  process_tracker::ProcessSpec out;
  out.path = args.front();
  out.args.assign(args.begin() + 1, args.end());
  DMC_TRY(env, spec::get_array(*process, at, "env"));
  if (env) {
    DMC_TRY(vars, spec::strings(*env, spec::child(at, "env")));
    out.env = std::move(vars);
  }
  DMC_TRY(cwd, spec::get_string(*process, at, "cwd"));
  DMC_TRY(user, user_of(*process, at));
  DMC_TRY(terminal, spec::get_bool(*process, at, "terminal"));
  out.dir = cwd.value_or("");
  out.user = std::move(user);
  out.tty = terminal.value_or(false);
  return out;
}

Result<std::string> rootfs_of(const Value& oci, std::string_view where) {
  DMC_TRY(root, spec::get_object(oci, where, "root"));
  if (!root) return std::string();
  DMC_TRY(path, spec::get_string(*root, spec::child(where, "root"), "path"));
  return path.value_or("");
}

Result<std::optional<Probe>> probe_of(const Value& entry, std::string_view where,
                                      std::string_view key, ProbeKind kind) {
  const Value* value = spec::find(entry, key);
  if (!value) return std::optional<Probe>();
  DMC_TRY(probe, parse_probe(*value, spec::child(where, key), kind));
  return std::optional<Probe>(std::move(probe));
}

Result<void> probes_of(const Value& entry, std::string_view where, PodContainer& out) {
  DMC_TRY(liveness, probe_of(entry, where, "livenessProbe", ProbeKind::Liveness));
  DMC_TRY(readiness, probe_of(entry, where, "readinessProbe", ProbeKind::Readiness));
  DMC_TRY(startup, probe_of(entry, where, "startupProbe", ProbeKind::Startup));
  out.liveness = std::move(liveness);
  out.readiness = std::move(readiness);
  out.startup = std::move(startup);
  return {};
}

// default_name: what a nameless entry is called; empty: a name is required.
Result<PodContainer> container_of(const Value& entry, std::string_view where,
                                  const std::string& default_name, bool init) {
  if (!entry.IsObject()) return invalid(where, "must be an object");
  DMC_TRY(name, spec::get_string(entry, where, "name"));
  PodContainer out;
  out.name = name && !name->empty() ? *name : default_name;
  if (out.name.empty()) return invalid(where, "name is missing");
  if (auto valid = validate_name("container name", out.name); !valid) {
    return invalid(where, valid.error().message);
  }
  // pod-controller embeds the OCI spec in the entry; "spec" holds it apart.
  DMC_TRY(nested, spec::get_object(entry, where, "spec"));
  const Value& oci = nested ? *nested : entry;
  const std::string oci_where = nested ? spec::child(where, "spec") : std::string(where);
  DMC_TRY(process, process_of(oci, oci_where));
  DMC_TRY(rootfs, rootfs_of(oci, oci_where));
  out.process = std::move(process);
  out.rootfs = std::move(rootfs);
  DMC_CHECK(probes_of(entry, where, out));
  if (init && (out.liveness || out.readiness || out.startup)) {
    return invalid(where, "an init container takes no probes");
  }
  return out;
}

Result<std::vector<PodContainer>> containers_of(const Value& pod, std::string_view key,
                                                bool init) {
  DMC_TRY(array, spec::get_array(pod, "", key));
  std::vector<PodContainer> out;
  if (!array) return out;
  for (size_t i = 0; i < array->Size(); ++i) {
    const std::string where = spec::item(key, i);
    const std::string fallback = init ? fmt::format("init-{}", i) : "";
    DMC_TRY(c, container_of((*array)[static_cast<rapidjson::SizeType>(i)], where, fallback,
                            init));
    out.push_back(std::move(c));
  }
  return out;
}

// Kubernetes' names for the policies.
Result<RestartPolicy> restart_policy_of(const Value& pod) {
  DMC_TRY(text, spec::get_string(pod, "", "restartPolicy"));
  if (!text || *text == "Always") return RestartPolicy::Always;
  if (*text == "OnFailure") return RestartPolicy::OnFailure;
  if (*text == "Never") return RestartPolicy::Never;
  return invalid("restartPolicy", fmt::format("'{}' is not Always, OnFailure or Never", *text));
}

// Every pod container becomes a dmc container <pod>-<name>.
Result<void> check_unique(const PodSpec& pod) {
  std::set<std::string> seen;
  auto check = [&](const std::vector<PodContainer>& list, std::string_view key) -> Result<void> {
    for (size_t i = 0; i < list.size(); ++i) {
      if (!seen.insert(list[i].name).second) {
        return invalid(spec::item(key, i), fmt::format("name '{}' is used twice", list[i].name));
      }
    }
    return {};
  };
  DMC_CHECK(check(pod.init_containers, "initContainers"));
  return check(pod.containers, "containers");
}

}  // namespace

Result<PodSpec> parse_pod_spec(std::string_view text) {
  json::Document doc;
  doc.Parse<rapidjson::kParseTrailingCommasFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return make_error(ErrorKind::Invalid, "pod spec: invalid json at offset {}: {}",
                      doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return invalid("pod spec", "must be a json object");
  PodSpec pod;
  DMC_TRY(init, containers_of(doc, "initContainers", true));
  DMC_TRY(main, containers_of(doc, "containers", false));
  if (main.empty()) return invalid("containers", "a pod needs at least one container");
  pod.init_containers = std::move(init);
  pod.containers = std::move(main);
  DMC_TRY(policy, restart_policy_of(doc));
  pod.restart = policy;
  DMC_CHECK(check_unique(pod));
  return pod;
}

Result<PodSpec> from_json(std::string_view text) { return parse_pod_spec(text); }

}  // namespace dmc::supervisor
