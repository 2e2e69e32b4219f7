// The Containerizer composes depot, bundler, runtime and rootfs into the
// life of a container: Create, Destroy, Info, Handles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bundler/bundler.hpp"
#include "common/log.hpp"
#include "containerizer/ports.hpp"
#include "depot/depot.hpp"

namespace dmc::containerizer {

struct CreateRequest {
  std::optional<std::string> handle;  // nullopt: a UUID v4 is generated
  std::string image;                  // rootfs dir; empty: the default rootfs
  std::vector<std::string> env;
  std::vector<bundler::BindMount> bind_mounts;
  bundler::Limits limits;
  bool privileged = false;
  depot::Properties properties;
};

struct ContainerInfo {
  std::string handle;
  depot::Status status = depot::Status::Created;
  std::string image;        // the lower layer
  std::string bundle_path;  // the container's depot dir (config.json)
  std::string rootfs_path;  // the container's / (overlay mount)
  int init_pid = 0;
  int64_t created_at_ns = 0;
  std::string runtime;
  bundler::Limits limits;
  bool privileged = false;
  depot::Properties properties;
};

struct ContainerizerConfig {
  std::string default_image;           // the built-in busybox rootfs
  std::string cgroup_parent = "/dmc";  // must match the bundler's
};

class Containerizer {
 public:
  Containerizer(const depot::Depot& depot, const bundler::Bundler& bundler,
                OciRuntime& runtime, RootfsMounter& mounter, ContainerizerConfig config,
                Logger logger);

  // Either the container is running its init when this returns, or nothing
  // of it is left.
  Result<std::string> create(const CreateRequest& request);
  // Kills everything, deletes the runtime container, unmounts, removes the
  // cgroup and the depot dir. Repeating a half-done destroy finishes it.
  Result<void> destroy(const std::string& handle);
  Result<ContainerInfo> info(const std::string& handle) const;
  // Every finished container whose properties include all of filter.
  Result<std::vector<std::string>> handles(const depot::Properties& filter = {}) const;
  // Removes what crashed creates left behind; returns how many.
  Result<size_t> clean_leftovers();

 private:
  Result<bundler::DesiredSpec> desired_spec(const CreateRequest& request,
                                            const std::string& handle) const;
  Result<void> start_container(const std::string& handle, const std::string& image);
  Result<void> tear_down(const std::string& handle);
  Result<void> remove_from_runtime(const std::string& handle, bool init_dead);

  const depot::Depot& depot_;
  const bundler::Bundler& bundler_;
  OciRuntime& runtime_;
  RootfsMounter& mounter_;
  ContainerizerConfig config_;
  Logger logger_;
};

}  // namespace dmc::containerizer
