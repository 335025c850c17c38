// Real models: the two Keras files in ../shared (exact reference accuracies on the shared
// MNIST test set) and PyTorch models exported by tools/brisk_torch.py against torch's own
// outputs (tools/fixtures/torch_fixtures.py), including all 10000 Fashion-MNIST test images.
#include <doctest/doctest.h>
#include <tbb/parallel_for.h>

#include <filesystem>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/data/dataset.hpp>
#include "tests/import/fixtures.hpp"

using namespace brisk;

namespace {

// All logits of a dataset, samples in parallel (each chunk owns its buffers).
std::vector<std::vector<float>> all_logits(const Graph& g, const Dataset& d) {
  std::vector<std::vector<float>> out(d.count());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, d.count(), 32), [&](const auto& r) {
    std::vector<std::vector<float>> buffers;
    for (std::size_t i = r.begin(); i != r.end(); ++i) out[i] = forward(g, d.sample(i), &buffers);
  });
  return out;
}

std::size_t correct(const Graph& g, const Dataset& d) {
  std::size_t n = 0;
  auto logits = all_logits(g, d);
  for (std::size_t i = 0; i < d.count(); ++i)
    n += test::argmax(logits[i].data(), logits[i].size()) == static_cast<std::size_t>(d.y[i]) ? 1 : 0;
  return n;
}

bool shared_present(const std::string& model) {
  for (const auto& rel : {model, std::string("data/mnist/x_test.npz"), std::string("data/mnist/y_test.npz")})
    if (!std::filesystem::exists(test::shared_file(rel))) return false;
  return true;
}

Dataset shared_mnist() {
  return load_dataset(test::shared_file("data/mnist/x_test.npz") + "," +
                      test::shared_file("data/mnist/y_test.npz"));
}

}  // namespace

TEST_SUITE("real") {
TEST_CASE("Keras 2.3 tf.keras MLP on the shared MNIST: 96.87 percent") {
  const std::string model = "models/keras/mnist_mlp_nobias_tfk23.h5";
  if (!shared_present(model)) BRISK_SKIP(test::shared_file(model), " or the shared MNIST NPZ is absent");
  Graph g = load_model(test::shared_file(model));
  CHECK(g.input_shape() == std::vector<int>{784});
  Dataset d = shared_mnist();
  check_sample_shape(g, d.shape, d.source);  // 1x28x28 samples feed the 784 input flattened
  REQUIRE(d.count() == 10000);
  CHECK(correct(g, d) == 9687);
}
}

TEST_SUITE("slow") {
TEST_CASE("Keras 2.2.4 LeNet on the shared MNIST: 99.10 percent") {
  const std::string model = "models/keras/mnist_lenet_avgpool_k224.h5";
  if (!shared_present(model)) BRISK_SKIP(test::shared_file(model), " or the shared MNIST NPZ is absent");
  Graph g = load_model(test::shared_file(model));
  CHECK(g.meta.at("keras_version") == "2.2.4");
  CHECK(g.meta.at("data_format") == "channels_last");
  CHECK(correct(g, shared_mnist()) == 9910);
}

TEST_CASE("PyTorch CNN with BatchNorm on 10000 Fashion-MNIST images agrees with torch") {
  auto ref_file = h5::File::open(test::fixture("torch_cnn_bn_ref.h5"));
  if (!ref_file.is_dataset("logits")) BRISK_SKIP("Fashion-MNIST was absent when the fixture was written");
  const auto ref = ref_file.read_floats("logits");
  const Dataset d = load_dataset("fashion-mnist:test");
  REQUIRE(d.count() == static_cast<std::size_t>(ref.shape[0]));
  for (bool fold : {false, true}) {
    Graph g = load_model(test::fixture("torch_cnn_bn.h5"));
    if (fold) CHECK(fold_batchnorm(g) == 3);
    auto logits = all_logits(g, d);
    std::size_t agree = 0, close = 0;
    for (std::size_t i = 0; i < d.count(); ++i) {
      const float* want = ref.data.data() + i * 10;
      agree += test::argmax(logits[i].data(), 10) == test::argmax(want, 10) ? 1 : 0;
      close += test::logits_close(logits[i], want, 10) ? 1 : 0;
    }
    MESSAGE("fold=", fold, ": predictions agree on ", agree, "/10000, logits within 1e-4 on ", close);
    CHECK(agree >= 9990);
    CHECK(close == d.count());
  }
}
}

TEST_SUITE("torch") {
TEST_CASE("PyTorch CNN with BatchNorm: random inputs") {
  Graph g = load_model(test::fixture("torch_cnn_bn.h5"));
  CHECK(g.meta.at("format") == "brisk-hdf5");
  test::check_against(g, test::read_reference("torch_cnn_bn_ref.h5", "x", "x_logits"));
}

TEST_CASE("fx-traced PyTorch graph with residual add cat ReLU6 Hardtanh clamp pools and view") {
  Graph g = load_model(test::fixture("torch_graph.h5"));
  auto ref = test::read_reference("torch_graph_ref.h5");
  test::check_against(g, ref);
  fold_batchnorm(g);
  test::check_against(g, ref);
}

TEST_CASE("ClipFloor exports as a K-bit clip-floor activation") {
  Graph g = load_model(test::fixture("torch_clipfloor.h5"));
  CHECK(g.layers[2].act == Act::ClippedReLU);
  CHECK(g.layers[2].act_bits == 3);
  CHECK(g.layers[3].act_bits == 4);
  CHECK(g.layers[3].act_max == 2.0f);
  test::check_against(g, test::read_reference("torch_clipfloor_ref.h5"));
}
}
