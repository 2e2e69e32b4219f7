// Users as the container sees them: its own /etc/passwd and /etc/group, read
// through open_in_root so that a link in the container cannot point at the
// host's files. The spec forms are those of runc and Docker: "", "name",
// "uid", "name:group", "uid:gid" (either side a name or a number).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "process_tracker/process_builder.hpp"

namespace dmc::process_tracker {
namespace {

constexpr uint32_t kMaxId = 4294967294u;     // 2^32-1 is "no id" to the kernel
constexpr size_t kMaxFileSize = 16u << 20;   // a passwd file larger than this is hostile

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t end; (end = text.find(sep, start)) != std::string_view::npos; start = end + 1) {
    parts.push_back(text.substr(start, end - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::optional<uint32_t> parse_id(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > kMaxId) return std::nullopt;
  return static_cast<uint32_t>(value);
}

bool looks_numeric(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

// A FIFO or a device in the container's /etc would block or never end: refused.
Result<std::string> read_regular(const UniqueFd& fd, const char* path, const std::string& rootfs) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_error(fmt::format("stat {} in {}", path, rootfs));
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorKind::Invalid, "{} in {}: not a regular file", path, rootfs);
  }
  std::string content;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(fmt::format("read {} in {}", path, rootfs));
    if (n == 0) return content;
    if (content.size() + static_cast<size_t>(n) > kMaxFileSize) {
      return make_error(ErrorKind::Invalid, "{} in {}: larger than {} bytes", path, rootfs,
                        kMaxFileSize);
    }
    content.append(buffer, static_cast<size_t>(n));
  }
}

// The file's content, or nullopt when the container has no such file.
Result<std::optional<std::string>> read_in_root(const std::string& rootfs, const char* path) {
  auto opened = open_in_root(rootfs, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (!opened && (opened.error().err == ENOENT || opened.error().err == ENOTDIR)) {
    return std::optional<std::string>();
  }
  if (!opened) return opened.error();
  DMC_TRY(content, read_regular(*opened, path, rootfs));
  return std::optional<std::string>(std::move(content));
}

// Lines that are blank, comments or malformed are skipped, as libc does.
std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> entries;
  for (auto line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < 4 || fields[0].empty()) continue;
    auto uid = parse_id(fields[2]);
    auto gid = parse_id(fields[3]);
    if (!uid || !gid) continue;
    std::string home = fields.size() > 5 ? std::string(fields[5]) : "";
    entries.push_back({std::string(fields[0]), *uid, *gid, std::move(home)});
  }
  return entries;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> entries;
  for (auto line : split(text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() < 3 || fields[0].empty()) continue;
    auto gid = parse_id(fields[2]);
    if (!gid) continue;
    GroupEntry entry{std::string(fields[0]), *gid, {}};
    if (fields.size() > 3 && !fields[3].empty()) {
      for (auto member : split(fields[3], ',')) entry.members.emplace_back(member);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

struct Databases {
  std::vector<PasswdEntry> passwd;
  std::vector<GroupEntry> group;
};

Result<Databases> read_databases(const std::string& rootfs) {
  DMC_TRY(passwd, read_in_root(rootfs, "/etc/passwd"));
  DMC_TRY(group, read_in_root(rootfs, "/etc/group"));
  return Databases{parse_passwd(passwd.value_or("")), parse_group(group.value_or(""))};
}

const PasswdEntry* find_user(const Databases& db, std::string_view name,
                             std::optional<uint32_t> uid) {
  for (const auto& entry : db.passwd) {
    if (uid ? entry.uid == *uid : entry.name == name) return &entry;
  }
  return nullptr;
}

Error invalid_user(std::string_view spec) {
  return make_error(ErrorKind::Invalid, "invalid user '{}'", spec);
}

// The user half of the spec: a known entry, a bare uid, or root by default.
Result<ResolvedUser> lookup_user(const Databases& db, std::string_view spec,
                                 std::string_view user) {
  if (looks_numeric(user)) {
    auto uid = parse_id(user);
    if (!uid) return invalid_user(spec);
    if (const auto* entry = find_user(db, "", *uid)) {
      return ResolvedUser{entry->name, entry->uid, entry->gid, {}, entry->home};
    }
    // Unknown to passwd: the gid follows the uid rather than giving group root away.
    return ResolvedUser{"", *uid, *uid, {}, *uid == 0 ? "/" : ""};
  }
  if (const auto* entry = find_user(db, user, std::nullopt)) {
    return ResolvedUser{entry->name, entry->uid, entry->gid, {}, entry->home};
  }
  if (user == "root") return ResolvedUser{"root", 0, 0, {}, "/"};
  return make_error(ErrorKind::NotFound, "unknown user '{}'", user);
}

Result<uint32_t> lookup_group(const Databases& db, std::string_view spec, std::string_view group) {
  if (looks_numeric(group)) {
    auto gid = parse_id(group);
    if (!gid) return invalid_user(spec);
    return *gid;
  }
  for (const auto& entry : db.group) {
    if (entry.name == group) return entry.gid;
  }
  return make_error(ErrorKind::NotFound, "unknown group '{}'", group);
}

// Gids of the groups that list the user as a member, each once, in file order.
std::vector<uint32_t> member_gids(const Databases& db, const std::string& name) {
  std::vector<uint32_t> gids;
  if (name.empty()) return gids;
  for (const auto& entry : db.group) {
    bool member = std::find(entry.members.begin(), entry.members.end(), name) !=
                  entry.members.end();
    if (member && std::find(gids.begin(), gids.end(), entry.gid) == gids.end()) {
      gids.push_back(entry.gid);
    }
  }
  return gids;
}

}  // namespace

Result<ResolvedUser> resolve_user(const std::string& rootfs, std::string_view spec) {
  auto colon = spec.find(':');
  std::string_view user = spec.substr(0, colon);
  std::optional<std::string_view> group;
  if (colon != std::string_view::npos) group = spec.substr(colon + 1);
  bool malformed = group && (user.empty() || group->empty() || group->find(':') != group->npos);
  if (malformed) return invalid_user(spec);

  DMC_TRY(db, read_databases(rootfs));
  DMC_TRY(resolved, lookup_user(db, spec, user.empty() ? "0" : user));
  if (user.empty() && resolved.name.empty()) resolved.name = "root";
  if (group) {
    // An explicit group replaces the primary group and brings no others (as runc does).
    DMC_TRY(gid, lookup_group(db, spec, *group));
    resolved.gid = gid;
    return resolved;
  }
  resolved.additional_gids = member_gids(db, resolved.name);
  return resolved;
}

}  // namespace dmc::process_tracker
