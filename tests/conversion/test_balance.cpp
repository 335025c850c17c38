// Threshold balancing against closed forms on hand-made activations.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <brisk/conversion/balance.hpp>
#include <brisk/conversion/convert.hpp>
#include <brisk/core/base/error.hpp>

using namespace brisk;

TEST_SUITE("balance") {
TEST_CASE("max and percentile of the positive activations") {
  // One sample, one channel, 11 positions: 0..10. Zeros are left out of the statistic.
  std::vector<float> v;
  for (int i = 0; i <= 10; ++i) v.push_back(static_cast<float>(i));
  const ActivationView view{v, 1, 1, v.size()};
  BalanceOptions o;
  o.method = BalanceMethod::Max;
  CHECK(balance(view, o) == std::vector<float>{10.0f});
  o.method = BalanceMethod::Percentile;
  o.percentile = 50;  // positives 1..10: rank 4.5 -> 5.5 (linear interpolation, numpy's default)
  CHECK(balance(view, o)[0] == doctest::Approx(5.5));
  o.percentile = 100;
  CHECK(balance(view, o)[0] == doctest::Approx(10.0));
  o.percentile = 90;  // rank 8.1 -> 9.1
  CHECK(balance(view, o)[0] == doctest::Approx(9.1));
}

TEST_CASE("per channel: one value per channel, across samples and positions") {
  // 2 samples x 2 channels x 2 positions, channel 0 max 3, channel 1 max 8.
  const std::vector<float> v = {1, 3, 5, 8, 2, 0, 7, 6};
  const ActivationView view{v, 2, 2, 2};
  BalanceOptions o;
  o.method = BalanceMethod::Max;
  o.per_channel = true;
  CHECK(balance(view, o) == std::vector<float>{3.0f, 8.0f});
  o.per_channel = false;
  CHECK(balance(view, o) == std::vector<float>{8.0f});
}

TEST_CASE("a layer that never fires gets lambda 1") {
  const std::vector<float> v(8, 0.0f);
  BalanceOptions o;
  CHECK(balance(ActivationView{v, 2, 2, 2}, o) == std::vector<float>{1.0f});
}

TEST_CASE("quantizer and quantization error closed forms") {
  Quantizer q;
  q.levels = 2;
  q.max_index = 2;
  q.offset = 0;  // floor: {0.25, 0.5} with lambda 1 -> {0, 0.5}
  const std::vector<float> v = {0.25f, 0.5f};
  CHECK(quantization_error(v, 1.0, q) == doctest::Approx(0.0625));
  q.offset = 0.5;  // round: 0.25 -> round(0.5) = floor(1.0) = 1 -> 0.5
  CHECK(quantization_error(v, 1.0, q) == doctest::Approx(0.0625));
  CHECK(q.apply(5.0, 1.0) == doctest::Approx(1.0));  // clipped at max_index
  CHECK(q.apply(-1.0, 1.0) == doctest::Approx(0.0));
}

TEST_CASE("mse finds an exactly representable clip and beats max and percentile") {
  const std::vector<float> same(100, 0.3f);
  BalanceOptions o;
  o.method = BalanceMethod::Mse;
  o.quantizer.levels = o.quantizer.max_index = 4;
  o.quantizer.offset = 0.5;
  const float lam = balance(ActivationView{same, 1, 1, same.size()}, o)[0];
  CHECK(quantization_error(same, lam, o.quantizer) < 1e-10);

  // Long-tailed activations (exponential): the MSE clip has the smallest exact error.
  std::mt19937 gen(7);
  std::exponential_distribution<float> dist(2.0f);
  std::vector<float> v(20000);
  for (float& x : v) x = dist(gen);
  const ActivationView view{v, 1, 1, v.size()};
  const double e_mse = quantization_error(v, balance(view, o)[0], o.quantizer);
  o.method = BalanceMethod::Max;
  const double e_max = quantization_error(v, balance(view, o)[0], o.quantizer);
  o.method = BalanceMethod::Percentile;
  o.percentile = 99.9;
  const double e_pct = quantization_error(v, balance(view, o)[0], o.quantizer);
  CHECK(e_mse <= e_max);
  CHECK(e_mse <= e_pct * 1.001);
}

TEST_CASE("bad options") {
  const std::vector<float> v = {1, 2};
  BalanceOptions o;
  o.method = BalanceMethod::Percentile;
  o.percentile = 0;
  CHECK_THROWS_AS(balance(ActivationView{v, 1, 1, 2}, o), UsageError);
  CHECK_THROWS_AS(parse_balance_method("median"), UsageError);
  CHECK(parse_balance_method("mse") == BalanceMethod::Mse);
}

TEST_CASE("calibration samples: seeded, distinct, sorted") {
  const auto a = draw_indices(60000, 1000, 1), b = draw_indices(60000, 1000, 1);
  const auto c = draw_indices(60000, 1000, 2);
  CHECK(a == b);
  CHECK(a != c);
  REQUIRE(a.size() == 1000);
  for (std::size_t i = 1; i < a.size(); ++i) CHECK(a[i - 1] < a[i]);
  CHECK(a.back() < 60000);
  CHECK(draw_indices(10, 1000, 1).size() == 10);  // capped at the pool
}
}
