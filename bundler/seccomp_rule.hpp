// Seccomp: a container that is not privileged gets dmc's default profile
// (see seccomp_profile.hpp), fitted to the capabilities earlier rules gave
// it; a privileged container gets no filter at all.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

// Goes after every rule that sets capabilities (base, privileged).
class SeccompRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
