// Dataset basics and the spec grammar.
#include <doctest/doctest.h>

#include <cstdlib>

#include <brisk/data/dataset.hpp>
#include <brisk/data/spec.hpp>
#include "fixtures.hpp"

using brisk::LoadOptions;
using brisk::UsageError;
using brisk::data::parse_spec;
namespace fx = fixtures;

TEST_CASE("dataset sample size is the product of the shape") {
  brisk::Dataset d;
  d.shape = {1, 28, 28};
  CHECK(d.sample_size() == 784);
}

TEST_CASE("spec: X,Y pairs take the default member, one container file takes x/y names") {
  LoadOptions o;
  auto pair = parse_spec("a/x.npz,b/y.npz", o);
  CHECK(pair.x.path == "a/x.npz");
  CHECK(pair.x.member.empty());
  CHECK(pair.y.path == "b/y.npz");

  auto h5 = parse_spec("m.h5", o);
  CHECK(h5.x.path == "m.h5");
  CHECK(h5.x.member == "x_test");
  CHECK(h5.y.member == "y_test");

  auto named = parse_spec("dir.v2/m.HDF5:/grp/images,/grp/labels", o);
  CHECK(named.x.path == "dir.v2/m.HDF5");
  CHECK(named.x.member == "/grp/images");
  CHECK(named.y.member == "/grp/labels");

  o.x_name = "xx";
  o.y_name = "yy";
  auto h5pair = parse_spec("x.h5,y.h5", o);
  CHECK(h5pair.x.member == "xx");
  CHECK(h5pair.y.member == "yy");
  auto npz = parse_spec("all.npz", o);
  CHECK(npz.x.member == "xx");
}

TEST_CASE("spec: malformed specs are usage errors") {
  LoadOptions o;
  CHECK_THROWS_AS(parse_spec("", o), UsageError);
  CHECK_THROWS_AS(parse_spec("a,b,c", o), UsageError);
  CHECK_THROWS_AS(parse_spec("a,", o), UsageError);
  CHECK_THROWS_AS(parse_spec(",b", o), UsageError);
  CHECK_THROWS_AS(parse_spec("images.gz", o), UsageError);  // one IDX file has no labels
  CHECK_THROWS_AS(parse_spec("m.h5:x", o), UsageError);
  CHECK_THROWS_AS(parse_spec("m.h5:x,y,z", o), UsageError);
  CHECK_THROWS_AS(parse_spec("fashion-mnist:validation", o), UsageError);
}

TEST_CASE("spec: fashion-mnist picks the split and honours BRISK_FASHION_MNIST_DIR") {
  LoadOptions o;
  const char* env = brisk::data::kFashionMnistDirEnv;
  std::string saved = std::getenv(env) ? std::getenv(env) : "";
  setenv(env, BRISK_DATA_FIXTURES, 1);
  auto test = parse_spec("fashion-mnist", o);
  CHECK(test.x.path == std::string(BRISK_DATA_FIXTURES) + "/t10k-images-idx3-ubyte.gz");
  CHECK(test.y.path == std::string(BRISK_DATA_FIXTURES) + "/t10k-labels-idx1-ubyte.gz");
  CHECK(parse_spec("fashion-mnist:test", o).x.path == test.x.path);
  CHECK(parse_spec("fashion-mnist:train", o).y.path ==
        std::string(BRISK_DATA_FIXTURES) + "/train-labels-idx1-ubyte.gz");

  setenv(env, "/nonexistent/fmnist", 1);
  std::string msg = fx::error_of<brisk::InputError>("fashion-mnist");
  CHECK(fx::contains(msg, "/nonexistent/fmnist"));
  CHECK(fx::contains(msg, "dataset-fashion-mnist"));

  if (saved.empty()) unsetenv(env);
  else setenv(env, saved.c_str(), 1);
}
