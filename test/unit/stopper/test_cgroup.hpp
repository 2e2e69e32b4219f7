// A cgroup of the test's own, /dmc-stopper-test/<random>, made in the freezer,
// pids and unified hierarchies; every process a test starts through it joins
// all three before it runs anything else. On destruction it kills the
// processes in it (and only those), removes it, and removes the
// /dmc-stopper-test parents when they are empty: a failing test leaves
// nothing behind. pids.max bounds a fork loop the stopper fails to stop.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/child.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

// The directories this test made, removed (nested ones first) on destruction,
// and their parents, removed if empty.
class MadeDirs {
 public:
  MadeDirs() = default;
  MadeDirs(const MadeDirs&) = delete;
  MadeDirs& operator=(const MadeDirs&) = delete;
  ~MadeDirs();
  void make(const std::string& dir);

 private:
  std::vector<std::string> dirs_;
  std::vector<std::string> parents_;
};

class TestCgroup {
 public:
  TestCgroup();
  ~TestCgroup();
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }  // /dmc-stopper-test/<r>
  [[nodiscard]] std::string freezer_dir() const;
  [[nodiscard]] std::string unified_dir() const;

  // Starts /bin/sh running `setup` then `body` inside the cgroup, as our
  // child; returns its pid once `setup` has run.
  int start(const std::string& setup, const std::string& body);
  // A sleeping process that plays the container's init.
  int start_init() { return start("", "exec sleep 1000"); }
  // The exit of a child started by start(); nullopt if it has not exited
  // within 10 s.
  std::optional<ChildExit> exit_of(int pid);
  // A cgroup nested in this one (freezer hierarchy only), removed with it.
  std::string make_nested(const std::string& name);
  // The pids in the freezer cgroup and the cgroups nested in it.
  [[nodiscard]] std::vector<int> members() const;
  [[nodiscard]] std::string freezer_state() const;

 private:
  void kill_all() const;

  std::string path_;
  MadeDirs dirs_;
  TempDir temp_;
  std::map<int, Child> children_;
  int started_ = 0;
};

}  // namespace dmc::test
