// The copy-on-write rootfs: an overlay mount with the image as the read-only
// lower layer and the container's own upper and work dirs in the depot.
#pragma once

#include "containerizer/ports.hpp"

namespace dmc::containerizer {

class OverlayMounter : public RootfsMounter {
 public:
  Result<void> mount(const std::string& image, const std::string& upper,
                     const std::string& work, const std::string& target) override;
  Result<void> unmount(const std::string& target) override;
};

// Whether path is a mount point (its device differs from its parent's, or
// it is listed as one); used to check what destroy leaves behind.
bool is_mount_point(const std::string& path);

}  // namespace dmc::containerizer
