#include <brisk/data/spec.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include <brisk/core/base/error.hpp>
#include <brisk/data/file_io.hpp>

namespace brisk::data {

namespace {

bool is_hdf5_ext(const std::string& ext) { return ext == ".h5" || ext == ".hdf5" || ext == ".hdf"; }

// Files that hold several named arrays, so that one file can carry both x and y.
bool is_container(const std::string& path) {
  auto ext = file_extension(path);
  return is_hdf5_ext(ext) || ext == ".npz";
}

DataSpec fashion_mnist(const std::string& split) {
  const char* env = std::getenv(kFashionMnistDirEnv);
  std::string dir = (env && *env) ? env : kFashionMnistDefaultDir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw InputError(fmt::format("fashion-mnist: directory '{}' not found (install the Debian "
                                 "package dataset-fashion-mnist, or set {} to a directory holding "
                                 "the IDX .gz files)",
                                 dir, kFashionMnistDirEnv));
  std::string prefix = split == "train" ? "train" : "t10k";
  return {{fmt::format("{}/{}-images-idx3-ubyte.gz", dir, prefix), ""},
          {fmt::format("{}/{}-labels-idx1-ubyte.gz", dir, prefix), ""}};
}

// "FILE.h5:XNAME,YNAME" (also for .npz): the names after the last ':'.
bool split_container_names(const std::string& spec, DataSpec& out) {
  auto colon = spec.rfind(':');
  if (colon == std::string::npos || !is_container(spec.substr(0, colon))) return false;
  std::string path = spec.substr(0, colon), names = spec.substr(colon + 1);
  auto comma = names.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 == names.size() ||
      names.find(',', comma + 1) != std::string::npos)
    throw UsageError(fmt::format("dataset spec '{}': after '{}:' give two names, XNAME,YNAME", spec, path));
  out = {{path, names.substr(0, comma)}, {path, names.substr(comma + 1)}};
  return true;
}

}  // namespace

DataSpec parse_spec(const std::string& spec, const LoadOptions& opts) {
  if (spec.empty()) throw UsageError("empty dataset spec (see 'brisk inspect --help')");
  if (spec == "fashion-mnist" || spec == "fashion-mnist:test") return fashion_mnist("test");
  if (spec == "fashion-mnist:train") return fashion_mnist("train");
  if (spec.starts_with("fashion-mnist:"))
    throw UsageError(fmt::format("dataset spec '{}': the split is 'test' or 'train'", spec));

  DataSpec out;
  if (split_container_names(spec, out)) return out;

  auto comma = spec.find(',');
  if (comma != std::string::npos) {
    std::string xs = spec.substr(0, comma), ys = spec.substr(comma + 1);
    if (xs.empty() || ys.empty() || ys.find(',') != std::string::npos)
      throw UsageError(fmt::format("dataset spec '{}': give exactly two files, X,Y", spec));
    // In a pair, an HDF5 file is read by the configured dataset names; an NPZ by its
    // default member (arr_0 or the only one), the SNN Toolbox x_test.npz/y_test.npz way.
    out.x = {xs, is_hdf5_ext(file_extension(xs)) ? opts.x_name : ""};
    out.y = {ys, is_hdf5_ext(file_extension(ys)) ? opts.y_name : ""};
    return out;
  }
  if (is_container(spec)) return {{spec, opts.x_name}, {spec, opts.y_name}};
  throw UsageError(fmt::format("dataset spec '{}': a single file must be .h5/.hdf5 or .npz holding "
                               "both arrays; otherwise give X,Y (e.g. images.gz,labels.gz) or "
                               "fashion-mnist[:train]",
                               spec));
}

}  // namespace brisk::data
