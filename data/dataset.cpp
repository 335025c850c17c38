#include <brisk/data/dataset.hpp>

#include <fmt/format.h>

#include <string_view>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/data/array.hpp>
#include <brisk/data/assemble.hpp>
#include <brisk/data/file_io.hpp>
#include <brisk/data/hdf5_array.hpp>
#include <brisk/data/idx.hpp>
#include <brisk/data/npy.hpp>
#include <brisk/data/spec.hpp>

namespace brisk {

std::size_t Dataset::sample_size() const { return shape_size(shape); }

namespace {

bool has_npy_magic(const std::vector<std::byte>& b) {
  return b.size() >= 6 && std::string_view(reinterpret_cast<const char*>(b.data()), 6) == "\x93NUMPY";
}

// Reads one array, choosing the reader by extension; files without a known extension
// (IDX files are often named "...-ubyte") are recognised by content: gzip, then NPY
// magic, else IDX (whose own magic check rejects anything else).
data::Array read_array(const data::ArraySource& src) {
  auto ext = data::file_extension(src.path);
  if (ext == ".npz") return data::read_npz(src.path, src.member);
  if (ext == ".h5" || ext == ".hdf5" || ext == ".hdf") return data::read_hdf5_array(src.path, src.member);
  auto bytes = data::read_file(src.path);
  if (ext == ".npy") return data::parse_npy(std::move(bytes), src.path);
  if (data::is_gzip(bytes)) bytes = data::gunzip(bytes, src.path);
  else if (ext == ".gz") throw InputError(fmt::format("{}: named .gz but not gzip-compressed", src.path));
  if (bytes.empty()) throw InputError(fmt::format("{}: empty after decompression", src.path));
  if (has_npy_magic(bytes)) return data::parse_npy(std::move(bytes), src.path);
  return data::parse_idx(std::move(bytes), src.path);
}

}  // namespace

Dataset load_dataset(const std::string& spec, const LoadOptions& opts) {
  data::DataSpec parsed = data::parse_spec(spec, opts);
  data::Array x = read_array(parsed.x);
  data::Array y = read_array(parsed.y);
  Dataset d = data::assemble(x, y, opts);
  d.source = spec;
  return d;
}

}  // namespace brisk
