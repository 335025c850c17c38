// The HDF5 module's typed reads: values come back as stored (an int64 stays int64) and every
// conversion is explicit and checked.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/file.hpp>
#include <brisk/data/hdf5/writer.hpp>

namespace {

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

bool throws_naming(auto&& f, const std::string& text) {
  try {
    f();
  } catch (const brisk::InputError& e) {
    return std::string(e.what()).find(text) != std::string::npos;
  }
  return false;
}

}  // namespace

TEST_CASE("hdf5io: an int64 dataset reads as int64 and converts only when exact") {
  const std::string path = temp_file("brisk_test_hdf5io.h5");
  const std::int64_t big = (std::int64_t{1} << 53) + 1;  // not a float, not a double
  {
    brisk::h5::Writer w(path, path);
    w.group("g");
    w.int64s("g/ids", {big, -3, 7});
    w.floats("g/w", {0.5f, 1.0f, 2.0f, 3.0f}, {2, 2});
    w.strings_attr("g", "names", {"a", "", "longer name"});
    w.int_attr("g", "count", 3);
    w.float_attr("g", "half", 1.5f);
    w.close();
  }
  const auto f = brisk::h5::File::open(path);
  const auto ids = f.read("g/ids");
  CHECK(ids.type == brisk::h5::Type::i64);
  CHECK(ids.shape == std::vector<std::size_t>{3});
  REQUIRE(ids.holds<std::int64_t>());
  CHECK(ids.values<std::int64_t>() == std::vector<std::int64_t>{big, -3, 7});
  CHECK(brisk::h5::to_int64s(ids, f.where("g/ids")) == std::vector<std::int64_t>{big, -3, 7});
  // Exactness is the caller's choice, and a refusal names the file and the object.
  CHECK(throws_naming([&] { (void)brisk::h5::to_floats(ids, f.where("g/ids"), brisk::h5::Exact::yes); },
                      path + ": g/ids: element 0 (int64 9007199254740993)"));
  CHECK(throws_naming([&] { (void)brisk::h5::to_doubles(ids, f.where("g/ids"), brisk::h5::Exact::yes); },
                      "not exactly representable as float64"));
  CHECK(brisk::h5::to_floats(ids, "", brisk::h5::Exact::no).size() == 3);

  const auto w = f.read_floats("g/w");
  CHECK(w.shape == std::vector<int>{2, 2});
  CHECK(w.data == std::vector<float>{0.5f, 1.0f, 2.0f, 3.0f});
  CHECK(throws_naming([&] { (void)brisk::h5::to_int64s(f.read("g/w"), f.where("g/w")); },
                      "element 0 (float32 0.5) is not exactly representable as int64"));
  CHECK(f.strings_attr("g", "names") == std::vector<std::string>{"a", "", "longer name"});
  CHECK(f.integers_attr("g", "count") == std::vector<std::int64_t>{3});
  CHECK(f.attr("g", "count").type == brisk::h5::Type::i32);
  CHECK(throws_naming([&] { (void)f.integers_attr("g", "half"); }, "g: attribute 'half'"));
  CHECK(throws_naming([&] { (void)f.string_attr("g", "count"); }, "attribute 'count' is not a string"));
  CHECK(throws_naming([&] { (void)f.read("g/nope"); }, path + ": g/nope: missing"));
  std::filesystem::remove(path);
}
