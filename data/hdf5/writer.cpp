#include <brisk/data/hdf5/writer.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <brisk/core/base/error.hpp>

namespace brisk::h5 {

namespace {

Handle string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Handle vector_space(std::size_t n) {
  const hsize_t dims = n;
  return Handle(H5Screate_simple(1, &dims, nullptr), H5Sclose);
}

}  // namespace

Writer::Writer(const std::string& file, const std::string& label) : label_(label) {
  file_ = Handle(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  check(file_.valid(), "cannot create the file (does its directory exist and is it writable?)");
}

void Writer::close() {
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) >= 0, "cannot flush the file");
  file_.reset();
}

void Writer::check(bool ok, const std::string& what) const {
  if (!ok) throw InputError(fmt::format("{}: {}", label_, what));
}

void Writer::group(const std::string& path) {
  Handle g(H5Gcreate2(file_.get(), path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  check(g.valid(), "cannot create group " + path);
}

void Writer::string_attr(const std::string& obj, const char* name, const std::string& value) {
  Handle type = string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const char* p = value.c_str();
  write_attr(obj, name, type.get(), space.get(), &p);
}

void Writer::strings_attr(const std::string& obj, const char* name, const std::vector<std::string>& v) {
  Handle type = string_type();
  Handle space = vector_space(v.size());
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  write_attr(obj, name, type.get(), space.get(), ptrs.data());
}

void Writer::ints_attr(const std::string& obj, const char* name, const std::vector<int>& v, bool scalar) {
  Handle space = scalar ? Handle(H5Screate(H5S_SCALAR), H5Sclose) : vector_space(v.size());
  write_attr(obj, name, H5T_STD_I32LE, space.get(), v.data(), H5T_NATIVE_INT);
}

void Writer::float_attr(const std::string& obj, const char* name, float v) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(obj, name, H5T_IEEE_F32LE, space.get(), &v, H5T_NATIVE_FLOAT);
}

void Writer::floats(const std::string& path, const std::vector<float>& v, std::vector<int> shape) {
  if (shape.empty()) shape = {static_cast<int>(v.size())};
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle d(H5Dcreate2(file_.get(), path.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                      H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  check(d.valid(), "cannot create dataset " + path);
  check(v.empty() || H5Dwrite(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0,
        "cannot write dataset " + path);
}

void Writer::compressed(const std::string& path, hid_t file_type, hid_t mem_type, const void* data,
                        std::size_t n, std::vector<int> shape) {
  if (shape.empty()) shape = {static_cast<int>(n)};
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (n > 0) {
    // Chunks of whole rows, about 64 Ki elements (at least one row).
    std::vector<hsize_t> chunk(dims);
    hsize_t row = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) row *= dims[i];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], (hsize_t{1} << 16) / std::max<hsize_t>(row, 1)));
    check(H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data()) >= 0 &&
              H5Pset_shuffle(props.get()) >= 0 && H5Pset_deflate(props.get(), 4) >= 0,
          "cannot set up compression for " + path);
  }
  Handle d(H5Dcreate2(file_.get(), path.c_str(), file_type, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
           H5Dclose);
  check(d.valid(), "cannot create dataset " + path);
  check(n == 0 || H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
        "cannot write dataset " + path);
}

void Writer::int32s_compressed(const std::string& path, const std::vector<std::int32_t>& v, std::vector<int> shape) {
  compressed(path, H5T_STD_I32LE, H5T_NATIVE_INT32, v.data(), v.size(), std::move(shape));
}

void Writer::floats_compressed(const std::string& path, const std::vector<float>& v, std::vector<int> shape) {
  compressed(path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v.data(), v.size(), std::move(shape));
}

void Writer::int64s(const std::string& path, const std::vector<std::int64_t>& v) {
  Handle space = vector_space(v.size());
  Handle d(H5Dcreate2(file_.get(), path.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                      H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  check(d.valid(), "cannot create dataset " + path);
  check(v.empty() || H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0,
        "cannot write dataset " + path);
}

void Writer::write_attr(const std::string& obj, const char* name, hid_t file_type, hid_t space,
                        const void* data, hid_t mem_type) {
  Handle a(H5Acreate_by_name(file_.get(), obj.c_str(), name, file_type, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  check(a.valid(), fmt::format("cannot create attribute {} on {}", name, obj));
  if (H5Sget_simple_extent_npoints(space) == 0) return;  // empty array: nothing to write
  check(H5Awrite(a.get(), mem_type < 0 ? file_type : mem_type, data) >= 0,
        fmt::format("cannot write attribute {} on {}", name, obj));
}

}  // namespace brisk::h5
