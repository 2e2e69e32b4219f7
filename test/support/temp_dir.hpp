// A real temporary directory, removed (recursively) when the test ends.
#pragma once

#include <string>

namespace dmc::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes content to path (creating or truncating it); fails the test on error.
void write_text(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_text(const std::string& path);

}  // namespace dmc::test
