#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "depot/depot.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::depot::Depot;
using dmc::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kUse = "use letters, digits, '_', '.' and '-', starting with a letter or digit";

// Every path under dir with its size, sorted: what a test may not change.
std::vector<std::string> snapshot(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    auto size = entry.is_regular_file() ? entry.file_size() : 0;
    out.push_back(entry.path().string() + " " + std::to_string(size));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("validate_handle accepts letters, digits, '_', '.' and '-' up to 128") {
  for (const std::string& handle : {std::string("a"), std::string("web-1"),
                                    std::string("A.b_c-9"), std::string(128, 'x')}) {
    CAPTURE(handle);
    CHECK(depot::validate_handle(handle));
  }
}

TEST_CASE("validate_handle refuses with one lowercase line saying why") {
  struct Case {
    std::string handle;
    std::string message;
  };
  const std::vector<Case> cases{
      {"", "invalid handle '': must not be empty"},
      {"../x", "invalid handle '../x': " + kUse},
      {"a/b", "invalid handle 'a/b': " + kUse},
      {".", "invalid handle '.': " + kUse},
      {"..", "invalid handle '..': " + kUse},
      {".hidden", "invalid handle '.hidden': " + kUse},
      {".tmp-x", "invalid handle '.tmp-x': " + kUse},
      {"-x", "invalid handle '-x': " + kUse},
      {"a b", "invalid handle 'a b': " + kUse},
      {"\xc3\xa9", "invalid handle '\xc3\xa9': " + kUse},
      {"a\nb", "invalid handle 'a\\x0ab': " + kUse},
      {std::string(129, 'y'), "invalid handle 'yyyyyyyyyyyyyyyy...': longer than 128 characters"},
      // 140 bytes of two-byte characters: cut before 16 bytes, never inside one
      {repeat("\xc3\xa9", 70),
       "invalid handle '" + repeat("\xc3\xa9", 8) + "...': longer than 128 characters"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.handle);
    auto result = depot::validate_handle(c.handle);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::Invalid);
    CHECK(result.error().message == c.message);
  }
}

TEST_CASE("every method refuses an invalid handle and touches nothing") {
  TempDir parent;
  Depot depot(parent / "depot");
  REQUIRE(depot.init());
  { REQUIRE(depot.create("keep", {"{}", "{}", {{"k", "v"}}})); }
  REQUIRE(depot.write_state("keep", {}));
  // Targets an unchecked name would reach: ../x, a/b, ., ..
  REQUIRE(make_dirs(parent / "x"));
  test::write_text(parent / "x/precious", "data");
  REQUIRE(make_dirs(parent / "depot/a/b"));
  test::write_text(parent / "depot/a/b/precious", "data");
  const auto before = snapshot(parent.path());

  for (const std::string handle :
       {"", "../x", "a/b", ".", "..", ".hidden", ".tmp-x", "-x", "a b", "\xc3\xa9"}) {
    CAPTURE(handle);
    auto is_invalid = [](const auto& result) {
      return !result && result.error().kind == ErrorKind::Invalid;
    };
    CHECK(is_invalid(depot.create(handle, {"{}", "{}", {}})));
    CHECK(is_invalid(depot.lock(handle)));
    CHECK(is_invalid(depot.try_lock(handle)));
    CHECK(is_invalid(depot.read_state(handle)));
    CHECK(is_invalid(depot.write_state(handle, {})));
    CHECK(is_invalid(depot.read_properties(handle)));
    CHECK(is_invalid(depot.write_properties(handle, {{"a", "b"}})));
    CHECK_FALSE(depot.exists(handle));
    if (handle != ".tmp-x") CHECK(is_invalid(depot.remove(handle)));
  }
  CHECK(snapshot(parent.path()) == before);
}

TEST_CASE("remove accepts the name of a temporary but no path") {
  TempDir parent;
  Depot depot(parent / "depot");
  REQUIRE(depot.init());
  REQUIRE(make_dirs(parent / "depot/.tmp-web-abc123/rootfs"));
  REQUIRE(make_dirs(parent / "y"));
  CHECK_FALSE(depot.remove(".tmp-x/../../y"));
  CHECK(path_exists(parent / "y"));
  CHECK(depot.remove(".tmp-web-abc123"));
  CHECK_FALSE(path_exists(parent / "depot/.tmp-web-abc123"));
}
