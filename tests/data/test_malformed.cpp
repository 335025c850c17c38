// Malformed inputs for every reader: each must raise an InputError (bad file) or a
// UsageError (bad spec or slice) whose one-line message names the file - never a crash
// or a silently wrong dataset.
#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"

using brisk::InputError;
using brisk::LoadOptions;
using brisk::UsageError;
namespace fx = fixtures;

namespace {

// Loads `spec`, expects an InputError naming `file` and saying `why`.
void expect_input_error(const std::string& spec, const std::string& file, const std::string& why,
                        const LoadOptions& opts = {}) {
  CAPTURE(spec);
  std::string msg = fx::error_of<InputError>(spec, opts);
  CAPTURE(msg);
  CHECK(fx::contains(msg, file));
  CHECK(fx::contains(msg, why));
  CHECK(msg.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("gzip: truncated, corrupted, trailing garbage, not gzip") {
  const std::string y = "labels-idx1-ubyte.gz";
  expect_input_error(fx::pair("truncated.gz", y), "truncated.gz", "truncated gzip");
  expect_input_error(fx::pair("corrupted.gz", y), "corrupted.gz", "corrupted gzip");
  expect_input_error(fx::pair("garbage-after.gz", y), "garbage-after.gz", "unexpected bytes");
  expect_input_error(fx::pair("notgzip.gz", y), "notgzip.gz", "not gzip");
}

TEST_CASE("idx: wrong magic, unknown dtype byte, truncated, trailing bytes") {
  const std::string y = "labels-idx1-ubyte";
  expect_input_error(fx::pair("badmagic-idx3-ubyte", y), "badmagic-idx3-ubyte", "not an IDX file");
  expect_input_error(fx::pair("baddtype-idx3-ubyte", y), "baddtype-idx3-ubyte", "0x07");
  expect_input_error(fx::pair("truncated-idx3-ubyte", y), "truncated-idx3-ubyte", "truncated IDX");
  expect_input_error(fx::pair("trailing-idx3-ubyte", y), "trailing-idx3-ubyte", "unexpected bytes");
}

TEST_CASE("npy: unsupported dtypes and layouts") {
  const std::string y = "y_i32.npy";
  expect_input_error(fx::pair("x_i32.npy", y), "x_i32.npy", "unsupported sample dtype int32");
  expect_input_error(fx::pair("x_c64.npy", y), "x_c64.npy", "complex");
  expect_input_error(fx::pair("x_f16.npy", y), "x_f16.npy", "'<f2'");
  expect_input_error(fx::pair("x_object.npy", y), "x_object.npy", "Python objects");
  expect_input_error(fx::pair("x_be.npy", y), "x_be.npy", "big-endian");
  expect_input_error(fx::pair("x_fortran.npy", y), "x_fortran.npy", "Fortran");
  expect_input_error(fx::pair("x_scalar.npy", y), "x_scalar.npy", "scalar");
  expect_input_error(fx::pair("x_truncated.npy", y), "x_truncated.npy", "truncated .npy");
  expect_input_error(fx::pair("x_badmagic.npy", y), "x_badmagic.npy", "not a .npy file");
  expect_input_error(fx::pair("x_zero.npy", "y_zero.npy"), "x_zero.npy", "no samples");
  expect_input_error(fx::pair("y_i32.npy", y), "y_i32.npy", "swapped");
}

TEST_CASE("npz: not a zip, truncated, member missing, ambiguous members, damaged member") {
  expect_input_error(fx::pair("text.npz", "text.npz"), "text.npz", "not a zip archive");
  expect_input_error(fx::pair("truncated.npz", "y_savez.npz"), "truncated.npz", "not an .npz");
  expect_input_error(fx::path("x_only.npz"), "x_only.npz", "no member 'y_test' (members: x_test)");
  expect_input_error(fx::pair("two_members.npz", "y_savez.npz"), "two_members.npz", "members: a, b");
  expect_input_error(fx::pair("damaged_member.npz", "y_savez.npz"), "damaged_member.npz:arr_0", "corrupted member");
  expect_input_error(fx::pair("x_c64.npz", "y_savez.npz"), "x_c64.npz:arr_0", "complex");
}

TEST_CASE("hdf5: not HDF5, truncated, dataset missing, unsupported element types") {
  expect_input_error(fx::path("text.h5"), "text.h5", "not an HDF5 file");
  expect_input_error(fx::path("truncated.h5"), "truncated.h5", "damaged");
  expect_input_error(fx::path("data.h5") + ":x_test,nope", "data.h5", "no dataset 'nope' (top-level members: x_test, y_test)");
  expect_input_error(fx::path("data.h5") + ":missing/deep,y_test", "data.h5", "no dataset 'missing/deep'");
  expect_input_error(fx::path("custom.hdf5") + ":set,set/labels", "custom.hdf5:set", "not a dataset");
  expect_input_error(fx::path("strings.h5"), "strings.h5:x_test", "unsupported element type");
  expect_input_error(fx::path("strings.h5") + ":x_c64,y_test", "strings.h5:x_c64", "unsupported element type");
}

TEST_CASE("empty and nonexistent files, for every reader") {
  for (const char* f : {"empty.npz", "empty.npy", "empty.h5"}) {
    std::string spec = std::string(f).ends_with(".h5") ? fx::path(f) : fx::pair(f, "y_i32.npy");
    expect_input_error(spec, f, "file is empty");
  }
  for (const char* f : {"nope.npz", "nope.npy", "nope.h5", "nope-idx3-ubyte.gz"}) {
    std::string spec = std::string(f).ends_with(".h5") ? fx::path(f) : fx::pair(f, "y_i32.npy");
    expect_input_error(spec, f, "no such file");
  }
  expect_input_error(std::string(BRISK_DATA_FIXTURES) + ",x", BRISK_DATA_FIXTURES, "is a directory");
}

TEST_CASE("x/y count mismatch names both files and both counts") {
  for (auto [x, y] : {std::pair{"x_f32.npy", "y_short.npy"}, std::pair{"x_savez.npz", "y_short.npz"},
                      std::pair{"images-idx3-ubyte", "labels-short-idx1-ubyte"}}) {
    CAPTURE(x);
    std::string msg = fx::error_of<InputError>(fx::pair(x, y));
    CHECK(fx::contains(msg, "counts differ"));
    CHECK(fx::contains(msg, x));
    CHECK(fx::contains(msg, y));
    CHECK(fx::contains(msg, "6 samples"));
    CHECK(fx::contains(msg, "5 labels"));
  }
}

TEST_CASE("NaN and Inf in samples name the file and the first bad sample") {
  expect_input_error(fx::pair("x_nan.npy", "y_i32.npy"), "x_nan.npy", "sample 3 holds nan");
  expect_input_error(fx::pair("x_nan.npz", "y_savez.npz"), "x_nan.npz:arr_0", "sample 3 holds nan");
  expect_input_error(fx::pair("x_inf.npy", "y_i32.npy"), "x_inf.npy", "sample 4 holds inf");
  expect_input_error(fx::pair("x_huge_f64.npy", "y_i32.npy"), "x_huge_f64.npy", "sample 2 holds inf");
  // The slice is what gets checked: samples 0-2 of x_nan.npy are clean.
  LoadOptions o;
  o.samples = 3;
  CHECK(brisk::load_dataset(fx::pair("x_nan.npy", "y_i32.npy"), o).count() == 3);
}

TEST_CASE("bad labels: negative, fractional, not one-hot, wrong rank") {
  const std::string x = "x_f32.npy";
  expect_input_error(fx::pair(x, "y_negative.npy"), "y_negative.npy", "label 2 is negative");
  expect_input_error(fx::pair(x, "y_fraction.npy"), "y_fraction.npy", "not a class index");
  expect_input_error(fx::pair(x, "y_two_hot.npy"), "y_two_hot.npy", "row 2 is not one-hot");
  expect_input_error(fx::pair(x, "y_zero_row.npy"), "y_zero_row.npy", "row 5 is not one-hot (0 entries");
  expect_input_error(fx::pair(x, "y_soft.npy"), "y_soft.npy", "row 0 is not one-hot");
  expect_input_error(fx::pair(x, "y_3d.npy"), "y_3d.npy", "labels must be");
}

TEST_CASE("channel-order mix-ups and bad slices are usage errors") {
  std::string msg = fx::error_of<UsageError>(fx::pair("x_nhwc_looking.npy", "y_i32.npy"));
  CHECK(fx::contains(msg, "x_nhwc_looking.npy"));
  CHECK(fx::contains(msg, "--nhwc"));
  LoadOptions o;
  o.offset = fx::N;
  CHECK(fx::contains(fx::error_of<UsageError>(fx::pair("x_f32.npy", "y_i32.npy"), o), "--offset 6 is past the end"));
  o.offset = 4;
  o.samples = 3;
  CHECK(fx::contains(fx::error_of<UsageError>(fx::pair("x_f32.npy", "y_i32.npy"), o), "x_f32.npy has 6"));
}
