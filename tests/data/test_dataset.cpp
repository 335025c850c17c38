#include <doctest/doctest.h>

#include "data/dataset.hpp"

TEST_CASE("dataset sample size is the product of the shape") {
  brisk::Dataset d;
  d.shape = {1, 28, 28};
  CHECK(d.sample_size() == 784);
}
