#include <doctest/doctest.h>

#include "bundler/rootfs_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;

TEST_CASE("rootfs rule points root.path at the container's rootfs, writable") {
  DesiredSpec spec;
  spec.rootfs_path = "/var/lib/dmc/web/rootfs";
  Bundle in;
  in.root.readonly = true;
  auto bundle = RootfsRule{}.apply(in, spec);
  REQUIRE(bundle);
  CHECK(bundle->root.path == "/var/lib/dmc/web/rootfs");
  CHECK_FALSE(bundle->root.readonly);
}

TEST_CASE("rootfs rule refuses empty, relative and host-root paths") {
  DesiredSpec spec;
  for (const char* path : {"", "rootfs", "./rootfs", "/", "//"}) {
    spec.rootfs_path = path;
    auto bundle = RootfsRule{}.apply(Bundle{}, spec);
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().kind == ErrorKind::Invalid);
    CHECK(bundle.error().message.starts_with(std::string("rootfs path '") + path + "': must"));
  }
}
