// The container routes: ping, capacity, list, create, info, bulk info and
// metrics, destroy, stop, limits, metrics, properties, grace time.
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include <chrono>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "garden/api.hpp"
#include "garden/wire_in.hpp"

namespace dmc::garden {
namespace {

constexpr const char* kGraceTime = "garden.grace-time";  // Guardian's name
constexpr const char* kIdleSince = "dmcd.idle-since";    // when the countdown started

const std::string& handle_of(const std::map<std::string, std::string>& params) {
  return params.at("handle");
}

std::vector<std::string> split_handles(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<int64_t> parse_ns(const depot::Properties& props, const char* key) {
  auto it = props.find(key);
  if (it == props.end()) return int64_t{0};
  try {
    return static_cast<int64_t>(std::stoll(it->second));
  } catch (...) {
    return make_error(ErrorKind::Invalid, "property {} is not a number: {}", key, it->second);
  }
}

}  // namespace

void Api::ping(const X& x, const Params&) { answer(x, empty_json()); }

void Api::capacity(const X& x, const Params&) {
  json_work(x, "", [this]() -> Result<std::string> {
    struct sysinfo si {};
    if (::sysinfo(&si) < 0) return sys_error("sysinfo");
    // The depot's filesystem (its dir is made by the first create).
    struct statvfs vfs {};
    std::string dir = config_.depot;
    while (::statvfs(dir.c_str(), &vfs) < 0) {
      if (errno != ENOENT || dir == "/" || dir.empty()) return sys_error(config_.depot);
      dir = parent_of(dir);
    }
    return capacity_json(uint64_t{si.totalram} * si.mem_unit,
                         uint64_t{vfs.f_blocks} * vfs.f_frsize, config_.max_containers);
  });
}

void Api::list(const X& x, const Params&) {
  depot::Properties filter;
  for (const auto& [k, v] : x->request().query) filter.emplace(k, v);  // the first one counts
  // Guardian's garden.state filter: dmc lists only finished containers.
  filter.erase("garden.state");
  json_work(x, "", [this, filter]() -> Result<std::string> {
    DMC_TRY(handles, containerizer_.handles(filter));
    return handles_json(handles);
  });
}

void Api::create(const X& x, const Params&) {
  with_body(x, [this, x](std::string body) {
    auto spec = parse_container_spec(body);
    if (!spec) return fail(x, spec.error());
    int64_t grace = spec->grace_time_ns ? spec->grace_time_ns : config_.default_grace_ns;
    if (grace > 0) spec->request.properties[kGraceTime] = std::to_string(grace);
    auto request = std::make_shared<containerizer::CreateRequest>(std::move(spec->request));
    async<std::string>(
        [this, request]() -> Result<std::string> {
          auto handle = containerizer_.create(*request);
          if (!handle && handle.error().kind == ErrorKind::AlreadyExists && request->handle) {
            return make_error(ErrorKind::AlreadyExists, "Handle '{}' already in use",
                              *request->handle);
          }
          return handle;
        },
        [this, x, grace](Result<std::string> handle) {
          if (!handle) return fail(x, handle.error());
          grace_.set(*handle, grace);
          answer(x, handle_json(*handle), *handle);
        });
  });
}

Result<std::string> Api::info_text(const std::string& handle) const {
  DMC_TRY(info, containerizer_.info(handle));
  std::vector<std::string> running;
  if (auto processes = containerizer_.processes(handle)) {
    for (const auto& p : *processes) {
      if (p.state == "running") running.push_back(p.id);
    }
  }
  return info_object(info, running);
}

void Api::info(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(text, info_text(handle));
    return text + "\n";
  });
}

void Api::bulk_info(const X& x, const Params&) {
  auto handles = split_handles(x->request().param("handles").value_or(""));
  json_work(x, "", [this, handles]() -> Result<std::string> {
    std::vector<BulkEntry> entries;
    for (const auto& h : handles) {
      auto text = info_text(h);
      entries.push_back({h, text ? *text : "", text ? "" : error_object(text.error(), h, "")});
    }
    return bulk_json("Info", entries);
  });
}

void Api::bulk_metrics(const X& x, const Params&) {
  auto handles = split_handles(x->request().param("handles").value_or(""));
  json_work(x, "", [this, handles]() -> Result<std::string> {
    std::vector<BulkEntry> entries;
    for (const auto& h : handles) {
      auto m = containerizer_.metrics(h);
      entries.push_back({h, m ? metrics_object(*m) : "", m ? "" : error_object(m.error(), h, "")});
    }
    return bulk_json("Metrics", entries);
  });
}

void Api::destroy(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  if (destroying_.contains(handle)) {
    return fail(x, make_error(ErrorKind::Unavailable, "container already being destroyed"));
  }
  destroying_.insert(handle);
  async<std::string>(
      [this, handle]() -> Result<std::string> {
        DMC_CHECK(containerizer_.destroy(handle));
        return empty_json();
      },
      [this, x, handle](Result<std::string> r) {
        destroying_.erase(handle);
        if (r || r.error().kind == ErrorKind::ContainerNotFound) grace_.forget(handle);
        answer(x, std::move(r), handle);
      });
}

void Api::destroy_expired(const std::string& handle) {
  if (destroying_.contains(handle)) return;
  destroying_.insert(handle);
  logger_.info("grace-time.expired", {{"handle", handle}});
  async<std::string>(
      [this, handle]() -> Result<std::string> {
        DMC_CHECK(containerizer_.destroy(handle));
        return empty_json();
      },
      [this, handle](Result<std::string> r) {
        destroying_.erase(handle);
        if (!r && r.error().kind != ErrorKind::ContainerNotFound) {
          logger_.error("grace-time.destroy-failed", r.error(), {{"handle", handle}});
        }
      });
}

void Api::stop(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  with_body(x, [this, x, handle](std::string body) {
    auto kill = parse_stop(body);
    if (!kill) return fail(x, kill.error());
    json_work(x, handle, [this, handle, kill = *kill]() -> Result<std::string> {
      DMC_CHECK(containerizer_.stop(handle, {.kill = kill}));
      return empty_json();
    });
  });
}

void Api::metrics(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(m, containerizer_.metrics(handle));
    return metrics_object(m) + "\n";
  });
}

void Api::limits_memory(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(info, containerizer_.info(handle));
    return memory_limits_json(info.limits);
  });
}

void Api::limits_cpu(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(info, containerizer_.info(handle));
    return cpu_limits_json(info.limits);
  });
}

// Disk and bandwidth limits: none, as Guardian answers.
void Api::limits_empty(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_CHECK(containerizer_.properties(handle));  // the container exists
    return empty_json();
  });
}

// Containers have a network namespace of their own and no way out of it:
// allowing traffic that cannot flow would be a lie (section 8).
void Api::net_unsupported(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  bool in = x->request().segments.size() > 3 && x->request().segments[3] == "in";
  with_body(x, [this, x, handle, in](std::string) {
    json_work(x, handle, [this, handle, in]() -> Result<std::string> {
      DMC_CHECK(containerizer_.properties(handle));
      return make_error(ErrorKind::Invalid,
                        "{} is not supported: this server has no container networking",
                        in ? "NetIn" : "NetOut");
    });
  });
}

void Api::set_grace_time(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  with_body(x, [this, x, handle](std::string body) {
    auto grace = parse_grace_time(body);
    if (!grace) return fail(x, grace.error());
    async<std::string>(
        [this, handle, g = *grace]() -> Result<std::string> {
          if (g > 0) DMC_CHECK(containerizer_.set_property(handle, kGraceTime, std::to_string(g)));
          else DMC_CHECK(containerizer_.remove_property(handle, kGraceTime));
          return empty_json();
        },
        [this, x, handle, g = *grace](Result<std::string> r) {
          if (r) grace_.set(handle, g);
          answer(x, std::move(r), handle);
        });
  });
}

void Api::note_countdown(const std::string& handle) {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  async<std::string>(
      [this, handle, now]() -> Result<std::string> {
        DMC_CHECK(containerizer_.set_property(handle, kIdleSince, std::to_string(now)));
        return std::string();
      },
      [this, handle](Result<std::string> r) {
        if (!r && r.error().kind != ErrorKind::ContainerNotFound) {
          logger_.error("grace-time.record-failed", r.error(), {{"handle", handle}});
        }
      });
}

void Api::resume(std::function<void()> ready) {
  struct Countdown {
    std::string handle;
    int64_t grace = 0;
    int64_t left = 0;
  };
  using Countdowns = std::vector<Countdown>;
  auto found = std::make_shared<Countdowns>();
  server_->off_loop(
      [this, found] {
        auto handles = containerizer_.handles();
        if (!handles) return;
        int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        for (const auto& h : *handles) {
          auto props = containerizer_.properties(h);
          if (!props) continue;
          int64_t grace = parse_ns(*props, kGraceTime).value_or(0);
          if (grace <= 0) continue;
          int64_t since = parse_ns(*props, kIdleSince).value_or(0);
          int64_t left = since > 0 ? std::clamp<int64_t>(grace - (now - since), 1, grace) : grace;
          found->push_back({h, grace, left});
        }
      },
      [this, found, ready = std::move(ready)] {
        for (const auto& c : *found) grace_.set(c.handle, c.grace, c.left);
        ready();
      });
}

void Api::properties(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_TRY(props, containerizer_.properties(handle));
    return properties_json(props);
  });
}

void Api::property(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  std::string key = p.at("key");
  json_work(x, handle, [this, handle, key]() -> Result<std::string> {
    DMC_TRY(props, containerizer_.properties(handle));
    auto it = props.find(key);
    if (it == props.end()) {
      return make_error(ErrorKind::NotFound, "property does not exist: {}", key);
    }
    return property_json(it->second);
  });
}

void Api::set_property(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  std::string key = p.at("key");
  with_body(x, [this, x, handle, key](std::string body) {
    auto value = parse_property_value(body);
    if (!value) return fail(x, value.error());
    json_work(x, handle, [this, handle, key, v = *value]() -> Result<std::string> {
      DMC_CHECK(containerizer_.set_property(handle, key, v));
      return empty_json();
    });
  });
}

void Api::remove_property(const X& x, const Params& p) {
  std::string handle = handle_of(p);
  std::string key = p.at("key");
  json_work(x, handle, [this, handle, key]() -> Result<std::string> {
    DMC_CHECK(containerizer_.remove_property(handle, key));
    return empty_json();
  });
}

}  // namespace dmc::garden
