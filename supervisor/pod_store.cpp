#include "supervisor/pod_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "common/json_writer.hpp"
#include "common/name.hpp"
#include "common/uuid.hpp"
#include "supervisor/launch.hpp"

namespace dmc::supervisor {
namespace {

constexpr std::string_view kTempPrefix = ".new-";
constexpr PodPhase kPodPhases[] = {PodPhase::Initializing, PodPhase::Running, PodPhase::Failed};


void int_member(json::Writer& w, std::string_view key, int64_t value) {
  json::key(w, key);
  w.Int64(value);
}

void write_init(json::Writer& w, const InitRecord& r) {
  w.StartObject();
  json::string_member(w, "name", r.name);
  json::string_member(w, "process_id", r.process_id);
  int_member(w, "started_ns", r.started_ns);
  int_member(w, "finished_ns", r.finished_ns);
  if (r.exit_status) int_member(w, "exit_status", *r.exit_status);
  w.EndObject();
}

Result<InitRecord> init_from(const json::Value& v) {
  if (!v.IsObject()) return make_error(ErrorKind::Invalid, "pod status: an init record is not an object");
  InitRecord r;
  DMC_TRY(name, json::get_string(v, "name"));
  r.name = name;
  DMC_TRY(id, json::get_optional_string(v, "process_id"));
  r.process_id = id.value_or("");
  DMC_TRY(started, json::get_optional_int64(v, "started_ns"));
  r.started_ns = started.value_or(0);
  DMC_TRY(finished, json::get_optional_int64(v, "finished_ns"));
  r.finished_ns = finished.value_or(0);
  DMC_TRY(exit_status, json::get_optional_int64(v, "exit_status"));
  if (exit_status) r.exit_status = static_cast<int>(*exit_status);
  return r;
}

Result<PodPhase> parse_pod_phase(std::string_view text) {
  for (auto phase : kPodPhases) {
    if (to_string(phase) == text) return phase;
  }
  return make_error(ErrorKind::Invalid, "pod status: unknown phase '{}'", text);
}

}  // namespace

std::string_view to_string(PodPhase phase) {
  switch (phase) {
    case PodPhase::Initializing: return "initializing";
    case PodPhase::Running: return "running";
    case PodPhase::Failed: return "failed";
  }
  return "initializing";
}

std::string to_json(const PodStatus& s) {
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "phase", to_string(s.phase));
    json::key(w, "inits");
    w.StartArray();
    for (const auto& r : s.inits) write_init(w, r);
    w.EndArray();
    int_member(w, "mains_made", static_cast<int64_t>(s.mains_made));
    json::string_member(w, "error", s.error);
    w.EndObject();
  });
}

Result<PodStatus> pod_status_from_json(std::string_view text) {
  DMC_TRY(doc, json::parse(text, "pod status"));
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "pod status: not a JSON object");
  PodStatus s;
  DMC_TRY(phase_text, json::get_string(doc, "phase"));
  DMC_TRY(phase, parse_pod_phase(phase_text));
  s.phase = phase;
  DMC_TRY(inits, json::get_optional_array(doc, "inits"));
  if (inits) {
    for (const auto& v : inits->GetArray()) {
      DMC_TRY(r, init_from(v));
      s.inits.push_back(std::move(r));
    }
  }
  DMC_TRY(mains, json::get_optional_int64(doc, "mains_made"));
  s.mains_made = static_cast<size_t>(mains.value_or(0));
  DMC_TRY(error, json::get_optional_string(doc, "error"));
  s.error = error.value_or("");
  return s;
}

Result<std::string> pod_handle(const std::string& pod, const std::string& container) {
  std::string handle = fmt::format("{}-{}", pod, container);
  DMC_CHECK(validate_name("pod container handle", handle));
  return handle;
}

PodStore::PodStore(const std::string& depot, std::string pod)
    : pods_dir_(fmt::format("{}/{}", depot, pod_files::kPods)),
      pod_(std::move(pod)),
      dir_(fmt::format("{}/{}", pods_dir_, pod_)) {}

std::string PodStore::path(std::string_view file) const { return fmt::format("{}/{}", dir_, file); }

Result<void> PodStore::create(const PodSpec& spec) const {
  DMC_CHECK(make_dirs(pods_dir_, 0700));
  DMC_TRY(id, uuid_v4());
  std::string temp = fmt::format("{}/{}{}", pods_dir_, kTempPrefix, id);
  DMC_CHECK(make_dirs(temp, 0700));
  auto filled = [&]() -> Result<void> {
    DMC_CHECK(atomic_write_file(fmt::format("{}/{}", temp, pod_files::kSpec), to_json(spec)));
    return atomic_write_file(fmt::format("{}/{}", temp, pod_files::kStatus), to_json(PodStatus{}));
  }();
  if (filled && ::rename(temp.c_str(), dir_.c_str()) == 0) return {};
  int err = errno;
  (void)remove_tree(temp);
  if (!filled) return filled.error();
  if (err == EEXIST || err == ENOTEMPTY) {
    return make_error(ErrorKind::AlreadyExists, "pod '{}' already exists", pod_);
  }
  errno = err;
  return sys_error(fmt::format("create pod {}", pod_));
}

Result<void> PodStore::check() const {
  if (path_exists(path(pod_files::kSpec))) return {};
  return make_error(ErrorKind::NotFound, "pod '{}' not found", pod_);
}

Result<PodSpec> PodStore::spec() const {
  DMC_CHECK(check());
  DMC_TRY(text, read_file(path(pod_files::kSpec)));
  return from_json(text);
}

Result<PodStatus> PodStore::status() const {
  DMC_CHECK(check());
  DMC_TRY(text, read_file(path(pod_files::kStatus)));
  return pod_status_from_json(text);
}

Result<void> PodStore::write_status(const PodStatus& status) const {
  return atomic_write_file(path(pod_files::kStatus), to_json(status));
}

Result<void> PodStore::remove() const {
  DMC_TRY(id, uuid_v4());
  std::string temp = fmt::format("{}/{}{}", pods_dir_, kTempPrefix, id);
  if (::rename(dir_.c_str(), temp.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return sys_error(fmt::format("remove pod {}", pod_));
  }
  return remove_tree(temp);
}

Result<UniqueFd> PodStore::lock(std::string_view file, bool wait) const {
  DMC_CHECK(check());
  return lock_file(path(file), wait);
}

Result<std::vector<std::string>> pod_names(const std::string& depot) {
  std::string dir = fmt::format("{}/{}", depot, pod_files::kPods);
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return sys_error(fmt::format("open {}", dir));
  }
  std::vector<std::string> out;
  while (const dirent* entry = ::readdir(d.get())) {
    std::string name = entry->d_name;
    if (!name.starts_with('.')) out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dmc::supervisor
