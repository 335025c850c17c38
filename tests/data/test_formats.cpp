// Every supported file variant, written by numpy/h5py (make_fixtures.py), read back and
// compared value by value with the closed form in fixtures.hpp.
#include <doctest/doctest.h>

#include <vector>

#include <brisk/data/dataset.hpp>
#include <brisk/data/npy.hpp>
#include "fixtures.hpp"

using brisk::Dataset;
using brisk::LoadOptions;
using brisk::load_dataset;
namespace fx = fixtures;

namespace {

void check_nchw_float(const Dataset& d, int num_classes) {
  CHECK(d.count() == fx::N);
  CHECK(d.shape == std::vector<int>{fx::C, fx::H, fx::W});
  CHECK(d.num_classes == num_classes);
  CHECK(fx::mismatches(d, fx::C, fx::float_value) == 0);
  CHECK(fx::label_mismatches(d) == 0);
}

LoadOptions nhwc() {
  LoadOptions o;
  o.nhwc = true;
  return o;
}

}  // namespace

TEST_CASE("npy: float32, float64 and uint8 samples (uint8 scaled to 0..1)") {
  check_nchw_float(load_dataset(fx::pair("x_f32.npy", "y_i32.npy")), 5);
  check_nchw_float(load_dataset(fx::pair("x_f64.npy", "y_i64.npy")), 5);
  Dataset u = load_dataset(fx::pair("x_u8.npy", "y_u8.npy"));
  CHECK(u.shape == std::vector<int>{fx::C, fx::H, fx::W});
  CHECK(fx::mismatches(u, fx::C, fx::uint8_value) == 0);
  CHECK(fx::label_mismatches(u) == 0);
}

TEST_CASE("npy: label encodings: int32/int64/uint8, (N,1) column, whole floats, one-hot") {
  for (const char* y : {"y_i32.npy", "y_i64.npy", "y_u8.npy", "y_col.npy", "y_float_idx.npy"}) {
    CAPTURE(y);
    Dataset d = load_dataset(fx::pair("x_f32.npy", y));
    CHECK(d.num_classes == 5);  // max label 4
    CHECK(fx::label_mismatches(d) == 0);
  }
  for (const char* y : {"y_onehot_f32.npy", "y_onehot_u8.npy"}) {
    CAPTURE(y);
    Dataset d = load_dataset(fx::pair("x_f32.npy", y));
    CHECK(d.num_classes == fx::K);  // the one-hot width, not max label + 1
    CHECK(fx::label_mismatches(d) == 0);
  }
}

TEST_CASE("npy: sample layouts (N,H,W) -> {1,H,W}, (N,D) -> {D}, NHWC with nhwc") {
  Dataset hw = load_dataset(fx::pair("x_f32_hw.npy", "y_i32.npy"));
  CHECK(hw.shape == std::vector<int>{1, fx::H, fx::W});
  // x_f32_hw holds channel 0 of the closed form
  CHECK(fx::mismatches(hw, 1, fx::float_value) == 0);

  Dataset flat = load_dataset(fx::pair("x_f32_flat.npy", "y_i32.npy"));
  CHECK(flat.shape == std::vector<int>{fx::C * fx::H * fx::W});
  CHECK(fx::mismatches(flat, fx::C, fx::float_value) == 0);  // flattened in C order

  check_nchw_float(load_dataset(fx::pair("x_f32_nhwc.npy", "y_i32.npy"), nhwc()), 5);
}

TEST_CASE("npz: savez (stored) and savez_compressed (deflated) members") {
  check_nchw_float(load_dataset(fx::pair("x_savez.npz", "y_savez.npz")), 5);
  check_nchw_float(load_dataset(fx::pair("x_savezc.npz", "y_savezc.npz")), fx::K);
  check_nchw_float(load_dataset(fx::pair("x_nhwc_savezc.npz", "y_savez.npz"), nhwc()), 5);
  Dataset u = load_dataset(fx::pair("x_u8_savezc.npz", "y_savez.npz"));
  CHECK(fx::mismatches(u, fx::C, fx::uint8_value) == 0);
}

TEST_CASE("npz: member choice - arr_0, else the only member, else by name") {
  CHECK(brisk::data::npz_members(fx::path("both.npz")) == std::vector<std::string>{"x_test", "y_test"});
  check_nchw_float(load_dataset(fx::pair("x_single_named.npz", "y_i64.npy")), 5);
  // one archive with both arrays: default names x_test/y_test, or names in the spec
  check_nchw_float(load_dataset(fx::path("both.npz")), 5);
  Dataset custom = load_dataset(fx::path("both_custom.npz") + ":images,classes");
  CHECK(fx::mismatches(custom, fx::C, fx::uint8_value) == 0);
  CHECK(custom.num_classes == fx::K);
  LoadOptions named;
  named.x_name = "images";
  named.y_name = "classes";
  CHECK(load_dataset(fx::path("both_custom.npz"), named).count() == fx::N);
}

TEST_CASE("hdf5: default names, names in the spec, nested groups, one-hot") {
  check_nchw_float(load_dataset(fx::path("data.h5")), 5);
  check_nchw_float(load_dataset(fx::path("data.h5") + ":x_test,y_test"), 5);
  Dataset d = load_dataset(fx::path("custom.hdf5") + ":set/images,set/labels");
  CHECK(fx::mismatches(d, fx::C, fx::uint8_value) == 0);
  CHECK(fx::label_mismatches(d) == 0);
  CHECK(d.num_classes == fx::K);
  LoadOptions o;
  o.x_name = "/set/images";
  o.y_name = "bools";  // h5py bool: all true -> label 1
  Dataset b = load_dataset(fx::path("custom.hdf5"), o);
  CHECK(b.num_classes == 2);
  CHECK(b.y == std::vector<int32_t>(fx::N, 1));
}

TEST_CASE("idx: raw, gzip, concatenated gzip members, big-endian float32") {
  for (const char* x : {"images-idx3-ubyte", "images-idx3-ubyte.gz", "images-2members.gz"}) {
    CAPTURE(x);
    Dataset d = load_dataset(fx::pair(x, "labels-idx1-ubyte.gz"));
    CHECK(d.shape == std::vector<int>{1, fx::H, fx::W});
    CHECK(fx::mismatches(d, 1, fx::uint8_value) == 0);
    CHECK(fx::label_mismatches(d) == 0);
  }
  Dataset f = load_dataset(fx::pair("images-f32-idx", "labels-idx1-ubyte"));
  CHECK(fx::mismatches(f, 1, fx::float_value) == 0);
}

TEST_CASE("slicing takes samples from offset on and keeps num_classes of the whole file") {
  LoadOptions o;
  o.offset = 2;
  o.samples = 3;
  Dataset d = load_dataset(fx::pair("x_f32.npy", "y_i32.npy"), o);
  REQUIRE(d.count() == 3);
  CHECK(d.y == std::vector<int32_t>{fx::label(2), fx::label(3), fx::label(4)});
  CHECK(d.num_classes == 5);
  CHECK(d.sample(0)[0] == fx::float_value(2, 0, 0, 0));
  CHECK(d.sample(2)[23] == fx::float_value(4, 1, 2, 3));
  o.samples = 0;  // all from the offset on
  CHECK(load_dataset(fx::pair("x_f32.npy", "y_i32.npy"), o).count() == fx::N - 2);
}
