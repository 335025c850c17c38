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

namespace {

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  namespace fs = std::filesystem;
  std::error_code ec1, ec2;
  if (fs::exists(a, ec1) && fs::exists(b, ec2)) {
    std::error_code ec;
    const bool eq = fs::equivalent(a, b, ec);
    if (!ec) return eq;
  }
  std::error_code ec;
  const auto na = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const auto nb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return na.lexically_normal() == nb.lexically_normal();
}

}  // namespace

void check_output(const std::string& path, const std::vector<std::string>& inputs, bool force,
                  const std::string& flag) {
  namespace fs = std::filesystem;
  if (path.empty()) throw UsageError(fmt::format("{}: the output path is empty", flag));
  const fs::path out(path);
  for (const auto& in : inputs)
    if (!in.empty() && same_file(out, in))
      throw UsageError(fmt::format("{} {}: the output is one of the inputs ({}); write it elsewhere",
                                   flag, path, in));
  std::error_code ec;
  const auto status = fs::status(out, ec);
  if (fs::is_directory(status))
    throw UsageError(fmt::format("{} {}: is a directory, not a file", flag, path));
  if (fs::exists(status) && !force)
    throw UsageError(fmt::format("{} {}: the file exists; pass --force to replace it", flag, path));
  fs::path dir = out.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec))
    throw InputError(fmt::format("{}: cannot write the file (directory {} does not exist)", path,
                                 dir.string()));
  // Can a file be created there? The probe is the writer's own kind of temporary.
  const fs::path probe = fmt::format("{}.check{}", path, static_cast<long>(::getpid()));
  {
    std::ofstream f(probe, std::ios::binary | std::ios::trunc);
    if (!f) throw InputError(fmt::format("{}: cannot write the file (cannot create a file in {})", path,
                                         dir.string()));
  }
  fs::remove(probe, ec);
}

}  // namespace brisk::experiments
