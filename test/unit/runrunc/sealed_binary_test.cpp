// SealedBinary: the copy is the file's bytes, sealed exactly as runc and
// crun check, runs, and follows the file when it is replaced.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/child.hpp"
#include "runrunc/sealed_binary.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::runrunc;
namespace fs = std::filesystem;

namespace {

std::string content_of(int fd) {
  std::string out;
  char buf[4096];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    REQUIRE(n >= 0);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

// A program in dir: a copy of a real binary, so that a copy of it can run.
std::string program(const test::TempDir& dir, const std::string& name, const char* from) {
  std::string path = dir / name;
  fs::copy_file(from, path, fs::copy_options::overwrite_existing);
  return path;
}

}  // namespace

TEST_CASE("a sealed copy holds the bytes of the file under exactly the seals runc and crun check") {
  test::TempDir dir;
  std::string path = program(dir, "tool", "/bin/true");
  auto sealed = SealedBinary::make(path);
  REQUIRE_MESSAGE(sealed, sealed.error().message);
  auto copy = (*sealed)->current();
  REQUIRE(copy);
  CHECK(content_of(copy->get()) == test::read_text(path));
  CHECK(::fcntl(copy->get(), F_GET_SEALS) ==
        (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
  CHECK(::pwrite(copy->get(), "x", 1, 0) < 0);
  CHECK(::fcntl(copy->get(), F_GETFD) == FD_CLOEXEC);
  CHECK(fs::read_symlink(fmt::format("/proc/self/fd/{}", copy->get())) ==
        "/memfd:tool (deleted)");
}

TEST_CASE("a sealed copy runs as the program, argv[0] its name only") {
  test::TempDir dir;
  auto sealed = SealedBinary::make(program(dir, "sh", "/bin/sh"));
  REQUIRE(sealed);
  auto copy = (*sealed)->current();
  REQUIRE(copy);
  auto out = run_child({.argv = {"named-so", "-c", "echo $0; exit 3"}, .program_fd = copy->get()});
  REQUIRE_MESSAGE(out, out.error().message);
  CHECK(out->out == "named-so\n");
  CHECK(out->exit.code == 3);
}

TEST_CASE("the copy stays while the file is the same, and follows it when it is replaced") {
  test::TempDir dir;
  std::string path = program(dir, "tool", "/bin/true");
  auto sealed = SealedBinary::make(path);
  REQUIRE(sealed);
  auto first = (*sealed)->current();
  CHECK((*sealed)->current() == first);

  // An upgrade: a new file renamed over the old one, as dpkg does.
  std::string next = program(dir, "tool.new", "/bin/false");
  REQUIRE(::rename(next.c_str(), path.c_str()) == 0);
  auto second = (*sealed)->current();
  REQUIRE(second);
  CHECK(second != first);
  CHECK(content_of(second->get()) == test::read_text("/bin/false"));
  CHECK(content_of(first->get()) == test::read_text("/bin/true"));  // held: still whole
  auto out = run_child({.argv = {"tool"}, .program_fd = second->get()});
  REQUIRE(out);
  CHECK(out->exit.code == 1);

  // Gone: the caller runs the path, whose call then says what is wrong.
  REQUIRE(::unlink(path.c_str()) == 0);
  CHECK((*sealed)->current() == nullptr);
}

TEST_CASE("a binary that cannot be read is a one-line error naming it") {
  auto missing = SealedBinary::make("/nonexistent/runtime");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message ==
        "sealed copy of /nonexistent/runtime: open: No such file or directory");
  auto directory = SealedBinary::make("/");
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message == "sealed copy of /: not a regular file");
}

TEST_CASE("a lazy copy is made at its first use, and none of a file that cannot be read") {
  test::TempDir dir;
  SealedBinary lazy(program(dir, "tool", "/bin/true"));
  auto copy = lazy.current();
  REQUIRE(copy);
  CHECK(content_of(copy->get()) == test::read_text("/bin/true"));
  CHECK(::fcntl(copy->get(), F_GET_SEALS) ==
        (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
  CHECK(lazy.current() == copy);
  SealedBinary missing("/nonexistent/runtime");
  CHECK(missing.current() == nullptr);
}
