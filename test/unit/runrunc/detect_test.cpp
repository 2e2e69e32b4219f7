#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "common/fs.hpp"
#include "runrunc/hybrid.hpp"
#include "runrunc/runtime.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::runrunc;

namespace {

const std::string kFake = std::string(DMC_TEST_FIXTURES) + "/runrunc/fake-runtime";

}  // namespace

TEST_CASE("detect_runtime: a name not in PATH is NotFound") {
  auto config = detect_runtime("no-such-runtime-dmc", "");
  REQUIRE_FALSE(config);
  CHECK(config.error().kind == ErrorKind::NotFound);
  CHECK(config.error().message == "runtime 'no-such-runtime-dmc' not found in PATH");
}

TEST_CASE("detect_runtime: a missing path is NotFound") {
  auto config = detect_runtime("/nonexistent/runc", "");
  REQUIRE_FALSE(config);
  CHECK(config.error().kind == ErrorKind::NotFound);
  CHECK(config.error().message == "runtime '/nonexistent/runc': No such file or directory");
}

TEST_CASE("detect_runtime: an empty name is invalid") {
  auto config = detect_runtime("", "");
  REQUIRE_FALSE(config);
  CHECK(config.error().kind == ErrorKind::Invalid);
}

// PATH is `path` for the scope, then what it was.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& path) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    ::setenv("PATH", path.c_str(), 1);
  }
  ~ScopedPath() {
    if (old_) ::setenv("PATH", old_->c_str(), 1);
    else ::unsetenv("PATH");
  }

 private:
  std::optional<std::string> old_;
};

TEST_CASE("the default runtime is crun when it is in PATH, else runc") {
  test::TempDir temp;
  for (const std::string dir : {"both", "runc-only"}) REQUIRE(make_dirs(temp / dir));
  for (const std::string file : {"both/crun", "both/runc", "runc-only/runc"}) {
    test::write_text(temp / file, "#!/bin/sh\n", 0755);
  }
  {
    ScopedPath path(temp / "both");
    auto config = detect_default_runtime("");
    REQUIRE_MESSAGE(config, config.error().message);
    CHECK(config->binary == temp / "both/crun");
    CHECK(config->flavor == Flavor::Crun);
    CHECK(config->state_root == "/run/dmc/crun");
  }
  {
    ScopedPath path(temp / "runc-only");
    auto config = detect_default_runtime("");
    REQUIRE_MESSAGE(config, config.error().message);
    CHECK(config->binary == temp / "runc-only/runc");
    CHECK(config->flavor == Flavor::Runc);
    CHECK(config->state_root == "/run/dmc/runc");
  }
  ScopedPath path(temp / "neither");
  auto none = detect_default_runtime("");
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "runtime 'runc' not found in PATH");
}

TEST_CASE("detect_runtime: flavor from --version and default state root and log dir") {
  auto config = detect_runtime(kFake, "");
  REQUIRE(config);
  CHECK(config->binary == kFake);
  CHECK(config->flavor == Flavor::Runc);
  CHECK(config->state_root == "/run/dmc/fake-runtime");
  CHECK(config->log_dir == "/run/dmc/fake-runtime-logs");
  CHECK_FALSE(config->hide_hybrid_controllers);
}

TEST_CASE("detect_runtime: a crun by another name with a given state root") {
  test::TempDir dir;
  test::write_text(dir / "my-oci", "#!/bin/sh\necho 'crun version 1.8.1'\necho 'commit: x'\n", 0755);
  auto config = detect_runtime(dir / "my-oci", dir / "state/");
  REQUIRE(config);
  CHECK(config->flavor == Flavor::Crun);
  CHECK(config->state_root == dir / "state");
  CHECK(config->log_dir == dir / "state-logs");
  CHECK(config->hide_hybrid_controllers == hybrid_controllers_visible());
}

TEST_CASE("detect_runtime: a binary that is neither runc nor crun is invalid") {
  test::TempDir dir;
  test::write_text(dir / "oci", "#!/bin/sh\necho 'youki version 0.1'\n", 0755);
  auto config = detect_runtime(dir / "oci", "");
  REQUIRE_FALSE(config);
  CHECK(config.error().kind == ErrorKind::Invalid);
  CHECK(config.error().message ==
        "runtime '" + dir / "oci" + "': neither runc nor crun: --version says 'youki version 0.1'");
}

TEST_CASE("detect_runtime finds the installed runc and crun in PATH") {
  for (const char* name : {"runc", "crun"}) {
    CAPTURE(name);
    auto config = detect_runtime(name, "");
    if (!config) {
      MESSAGE(name, " is not installed: ", config.error().message);
      continue;
    }
    CHECK(config->binary.starts_with("/"));
    CHECK(config->binary.ends_with(std::string("/") + name));
    CHECK(config->flavor == (std::string(name) == "crun" ? Flavor::Crun : Flavor::Runc));
    CHECK(config->state_root == std::string("/run/dmc/") + name);
    bool crun = std::string(name) == "crun";
    CHECK(config->hide_hybrid_controllers == (crun && hybrid_controllers_visible()));
  }
}
