#include <doctest/doctest.h>

#include "nstar/helper_args.hpp"
#include "nstar/mounts.hpp"
#include "nstar/paths.hpp"

using namespace dmc;
using namespace dmc::nstar;

TEST_CASE("helper_argv is the exact command line of dmc-nstar") {
  HelperArgs args{Direction::Out, {4242, 987654321, "/dmc/web-1"},
                  StreamUser{1000, 1001, {27, 100}, "/home/vcap"}, "dir/"};
  CHECK(helper_argv("/usr/lib/dmc/dmc-nstar", args) ==
        std::vector<std::string>{"/usr/lib/dmc/dmc-nstar", "out", "--pid", "4242", "--start",
                                 "987654321", "--cgroup", "/dmc/web-1", "--uid", "1000",
                                 "--gid", "1001", "--groups", "27,100", "--home", "/home/vcap",
                                 "--path", "dir/"});
  args.direction = Direction::In;
  args.user.groups.clear();
  auto argv = helper_argv("h", args);
  CHECK(argv[1] == "in");
  CHECK(argv[13] == "");
}

TEST_CASE("parse_helper_args reads back what helper_argv wrote") {
  HelperArgs args{Direction::In, {7, 42, "/dmc/a"}, StreamUser{65534, 65534, {1, 2, 3}, "/nonexistent"},
                  "/a b"};
  auto argv = helper_argv("h", args);
  auto parsed = parse_helper_args({argv.begin() + 1, argv.end()});
  REQUIRE(parsed);
  CHECK(parsed->direction == Direction::In);
  CHECK(parsed->init.pid == 7);
  CHECK(parsed->init.start_time == 42);
  CHECK(parsed->init.cgroup == "/dmc/a");
  CHECK(parsed->user.uid == 65534);
  CHECK(parsed->user.gid == 65534);
  CHECK(parsed->user.groups == std::vector<uint32_t>{1, 2, 3});
  CHECK(parsed->user.home == "/nonexistent");
  CHECK(parsed->path == "/a b");

  args.user.groups.clear();
  argv = helper_argv("h", args);
  parsed = parse_helper_args({argv.begin() + 1, argv.end()});
  REQUIRE(parsed);
  CHECK(parsed->user.groups.empty());
}

TEST_CASE("parse_helper_args refuses malformed command lines") {
  auto base = helper_argv("h", HelperArgs{Direction::In, {7, 0, ""}, StreamUser{}, "/x"});
  std::vector<std::string> good(base.begin() + 1, base.end());
  REQUIRE(parse_helper_args(good));

  auto with = [&](size_t index, std::string value) {
    auto args = good;
    args[index] = std::move(value);
    return parse_helper_args(args);
  };
  CHECK(with(0, "sideways").error().message == "expected 'in' or 'out', got 'sideways'");
  CHECK(with(2, "12x").error().message == "--pid: not a number: '12x'");
  CHECK(with(2, "0").error().message == "--pid: not a process id: 0");
  CHECK(with(4, "x").error().message == "--start: not a number: 'x'");
  CHECK(with(8, "-1").error().message == "--uid: not a number: '-1'");
  CHECK(with(12, "1,,2").error().message == "--groups: not a number: ''");
  CHECK(with(15, "--pid").error().message == "--pid given twice");
  CHECK(with(1, "--user").error().message == "unknown argument '--user'");
  CHECK(parse_helper_args({"in", "--pid", "3"}).error().message == "missing --start");
  CHECK(parse_helper_args({"in", "--pid"}).error().message == "--pid needs a value");
  CHECK(parse_helper_args({}).error().kind == ErrorKind::Invalid);
}

TEST_CASE("an error's kind survives the helper's exit status") {
  for (auto kind : {ErrorKind::Invalid, ErrorKind::NotFound, ErrorKind::AlreadyExists,
                    ErrorKind::Unavailable, ErrorKind::Internal,
                    ErrorKind::ContainerNotRunning}) {
    CHECK(exit_status_for(kind) != 0);
    CHECK(kind_for_exit_status(exit_status_for(kind)) == kind);
  }
  CHECK(kind_for_exit_status(127) == ErrorKind::Internal);
}

TEST_CASE("relative paths are taken from the user's home") {
  CHECK(absolute_in("/root", "/etc/x") == "/etc/x");
  CHECK(absolute_in("/root", "dir/x") == "/root/dir/x");
  CHECK(absolute_in("/root", ".") == "/root/.");
  CHECK(absolute_in("/root", "") == "/root");
  CHECK(absolute_in("/", "x/") == "/x/");
  CHECK(absolute_in("", "x") == "/x");
  CHECK(absolute_in("home/u/", "x") == "/home/u/x");
}

TEST_CASE("split_source: the entry itself, or with a trailing slash its contents") {
  auto check = [](const std::string& path, const std::string& parent, const std::string& name) {
    auto source = split_source(path);
    CHECK(source.parent == parent);
    CHECK(source.name == name);
  };
  check("/data/dir", "/data", "dir");
  check("/data/dir/", "/data/dir/", ".");
  check("/dir", "/", "dir");
  check("/", "/", ".");
  check("/root/.", "/root/.", ".");
  check("/a/b/..", "/a/b/..", ".");
}

TEST_CASE("kernel_mount_points finds proc and sysfs mounts, unescaped") {
  const char* mountinfo =
      "600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l\n"
      "601 600 0:51 / /proc rw,nosuid - proc proc rw\n"
      "602 600 0:52 / /dev rw,nosuid - tmpfs tmpfs rw\n"
      "603 600 0:53 / /sys ro,nosuid - sysfs sysfs ro\n"
      "604 603 0:54 / /sys/fs/cgroup ro - cgroup cgroup ro\n"
      "605 601 0:52 /null /proc/kcore ro - tmpfs tmpfs rw\n"
      "606 600 0:55 / /my\\040proc rw shared:5 master:3 - proc proc rw\n"
      "garbage line\n"
      "607 600 0:56 / /x rw - \n";
  CHECK(kernel_mount_points(mountinfo) ==
        std::vector<std::string>{"/proc", "/sys", "/my proc"});
}
