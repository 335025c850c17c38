#include <brisk/data/dataset.hpp>
#include <brisk/data/decode.hpp>

#include <fmt/format.h>

#include <optional>
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
data::Array read_array(const data::ArraySource& src, std::uint64_t max_bytes) {
  auto ext = data::file_extension(src.path);
  if (ext == ".npz") return data::read_npz(src.path, src.member, max_bytes);
  if (ext == ".h5" || ext == ".hdf5" || ext == ".hdf") return data::read_hdf5_array(src.path, src.member);
  return data::decode_file_bytes(data::read_file(src.path, max_bytes), src.path, max_bytes);
}

}  // namespace

namespace data {

Array decode_file_bytes(std::vector<std::byte> bytes, const std::string& path, std::uint64_t max_bytes) {
  const ArraySource src{path, ""};
  const auto ext = file_extension(path);
  if (ext == ".npy") return data::parse_npy(std::move(bytes), src.path, max_bytes);
  if (data::is_gzip(bytes)) {
    // Decompress only as much as the image's own header declares (within the limit): a
    // small file that inflates to gigabytes is refused once it passes that size.
    auto head = data::gunzip_prefix(bytes, src.path, data::npy_header_bound());
    if (head.empty()) throw InputError(fmt::format("{}: empty after decompression", src.path));
    std::optional<std::uint64_t> declared =
        has_npy_magic(head) ? data::npy_image_size(head, src.path, max_bytes)
                            : data::idx_image_size(head, src.path, max_bytes);
    bytes = data::gunzip(bytes, src.path, declared ? *declared : head.size());
  } else if (ext == ".gz") {
    throw InputError(fmt::format("{}: named .gz but not gzip-compressed", src.path));
  }
  if (bytes.empty()) throw InputError(fmt::format("{}: empty after decompression", src.path));
  if (has_npy_magic(bytes)) return data::parse_npy(std::move(bytes), src.path, max_bytes);
  return data::parse_idx(std::move(bytes), src.path, max_bytes);
}

}  // namespace data

Dataset load_dataset(const std::string& spec, const LoadOptions& opts) {
  data::DataSpec parsed = data::parse_spec(spec, opts);
  data::Array x = read_array(parsed.x, opts.max_input_bytes);
  data::Array y = read_array(parsed.y, opts.max_input_bytes);
  Dataset d = data::assemble(x, y, opts);
  d.source = spec;
  return d;
}

}  // namespace brisk
