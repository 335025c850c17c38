#include <brisk/apps/experiments/files.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <brisk/core/base/error.hpp>

namespace brisk::experiments {

void write_file_atomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  // Unique per process, so two writers of one path never share a temporary.
  const std::string tmp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw InputError(fmt::format("{}: cannot write the file", path));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw InputError(fmt::format("{}: cannot write the file ({})", path, ec.message()));
  }
}

}  // namespace brisk::experiments
