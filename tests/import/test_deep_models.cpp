// Deep PyTorch models exported by tools/brisk_torch.py (tools/fixtures/deep_fixtures.py)
// against torch's own outputs: a ResNet written with torch.nn.functional (F.relu, +, +=,
// torch.cat, F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d) and a CNN with QCFS
// activations (levels and trained thresholds read from the file, forward as torch's).
#include <doctest/doctest.h>

#include <optional>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/data/dataset.hpp>
#include "tests/import/fixtures.hpp"

using namespace brisk;

namespace {

// The first N Fashion-MNIST test images against the reference's test_logits/test_labels:
// brisk's accuracy, torch's accuracy, how many predictions agree and how many samples
// have all logits within 1e-4.
struct TestSetAgreement {
  std::size_t samples = 0, brisk_correct = 0, torch_correct = 0, agree = 0, close = 0;
};

// nullopt when Fashion-MNIST was absent when the fixture was written.
std::optional<TestSetAgreement> against_test_set(const Graph& g, const std::string& ref_name) {
  auto f = h5::File::open(test::fixture(ref_name));
  if (!f.is_dataset("test_logits")) return std::nullopt;
  const auto logits = f.read_floats("test_logits");
  const auto labels = f.read_floats("test_labels");
  const Dataset d = load_dataset("fashion-mnist:test");
  TestSetAgreement a;
  a.samples = static_cast<std::size_t>(logits.shape.at(0));
  const std::size_t classes = static_cast<std::size_t>(logits.shape.at(1));
  REQUIRE(d.count() >= a.samples);
  std::vector<std::vector<float>> buffers;
  for (std::size_t i = 0; i < a.samples; ++i) {
    REQUIRE(d.y[i] == static_cast<std::int32_t>(labels.data[i]));
    const auto got = forward(g, d.sample(i), &buffers);
    const float* want = logits.data.data() + i * classes;
    const std::size_t pb = test::argmax(got.data(), got.size()), pt = test::argmax(want, classes);
    a.brisk_correct += pb == static_cast<std::size_t>(d.y[i]) ? 1 : 0;
    a.torch_correct += pt == static_cast<std::size_t>(d.y[i]) ? 1 : 0;
    a.agree += pb == pt ? 1 : 0;
    a.close += test::logits_close(got, want, classes) ? 1 : 0;
  }
  return a;
}

}  // namespace

TEST_SUITE("torch") {
TEST_CASE("functional-style ResNet (F.relu, +, +=, cat, F pools) exports and matches torch") {
  Graph g = load_model(test::fixture("torch_resnet_functional.h5"));
  std::size_t adds = 0, concats = 0, maxpools = 0, avgpools = 0;
  for (const auto& l : g.layers) {
    adds += l.op == OpKind::Add ? 1 : 0;
    concats += l.op == OpKind::Concat ? 1 : 0;
    maxpools += l.op == OpKind::MaxPool2D ? 1 : 0;
    avgpools += l.op == OpKind::AvgPool2D ? 1 : 0;
  }
  CHECK(adds == 2);
  CHECK(concats == 1);
  CHECK(maxpools == 1);
  CHECK(avgpools == 2);  // F.avg_pool2d and the global F.adaptive_avg_pool2d
  const auto ref = test::read_reference("torch_resnet_functional_ref.h5");
  test::check_against(g, ref);
  fold_batchnorm(g);
  test::check_against(g, ref);
  const auto got = against_test_set(g, "torch_resnet_functional_ref.h5");
  if (!got) BRISK_SKIP("Fashion-MNIST was absent when the fixture was written");
  const auto& a = *got;
  MESSAGE("functional ResNet on ", a.samples, " test images: brisk ", a.brisk_correct, ", torch ",
          a.torch_correct, " correct; predictions agree on ", a.agree, ", logits within 1e-4 on ", a.close);
  CHECK(a.brisk_correct == a.torch_correct);
  CHECK(a.agree == a.samples);
  CHECK(a.close == a.samples);
}

TEST_CASE("QCFS exports as a qcfs activation with its levels and trained threshold") {
  Graph g = load_model(test::fixture("torch_qcfs.h5"));
  auto f = h5::File::open(test::fixture("torch_qcfs_ref.h5"));
  const auto thresholds = f.read_floats("thresholds");
  const auto levels = f.read_floats("levels");
  std::vector<const Layer*> qcfs;
  for (const auto& l : g.layers)
    if (l.act == Act::QCFS) qcfs.push_back(&l);
  REQUIRE(qcfs.size() == 3);
  for (std::size_t i = 0; i < qcfs.size(); ++i) {
    CHECK(qcfs[i]->act_levels == static_cast<int>(levels.data[i]));
    CHECK(qcfs[i]->act_max == thresholds.data[i]);  // float32 exactly
    CHECK(qcfs[i]->act_max != doctest::Approx(std::vector<float>{2.0f, 3.0f, 4.0f}[i]));  // trained
  }
  test::check_against(g, test::read_reference("torch_qcfs_ref.h5"));
  const auto got = against_test_set(g, "torch_qcfs_ref.h5");
  if (!got) BRISK_SKIP("Fashion-MNIST was absent when the fixture was written");
  const auto& a = *got;
  MESSAGE("QCFS CNN on ", a.samples, " test images: brisk ", a.brisk_correct, ", torch ",
          a.torch_correct, " correct; predictions agree on ", a.agree, ", logits within 1e-4 on ", a.close);
  // A pre-activation within one rounding of a floor boundary may land on the other level
  // when brisk sums a convolution in another order than torch: rare, and visible here.
  CHECK(a.agree >= a.samples - 2);
  CHECK(a.close >= a.samples - 10);
  CHECK(a.brisk_correct + 2 >= a.torch_correct);
  CHECK(a.brisk_correct <= a.torch_correct + 2);
}
}
