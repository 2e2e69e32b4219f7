// A uniquely named file that is removed when it goes out of scope: the
// per-call --log file and the resources file of `update`.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dmc::runrunc {

class TempFile {
 public:
  // Makes dir (0700) if missing, then dir/<prefix>-XXXXXX holding content.
  static Result<TempFile> make(const std::string& dir, std::string_view prefix,
                               std::string_view content = {});

  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace dmc::runrunc
