// Every Keras layout variant (written by tools/fixtures/keras_fixtures.py) against the
// logits its numpy reference computed, folded and unfolded; and every malformed file
// answered by a one-line InputError.
#include <doctest/doctest.h>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/core/base/error.hpp>
#include "tests/import/fixtures.hpp"

using namespace brisk;
using brisk::test::fixture;

namespace {

void check_model(const std::string& model, const std::string& ref, ImportOptions opts = {}) {
  Graph g = load_model(fixture(model), opts);
  auto r = test::read_reference(ref);
  test::check_against(g, r);
  fold_batchnorm(g);  // conversion folds; the result must not change
  test::check_against(g, r);
}

std::string error_of(const std::string& model, ImportOptions opts = {}) {
  try {
    load_model(fixture(model), opts);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_SUITE("import") {
TEST_CASE("Keras 1 th Sequential: weights-only file plus JSON and Theano flip by default") {
  ImportOptions o;
  o.arch = fixture("keras1_th.json");
  check_model("keras1_th_weights.h5", "keras1_th_ref.h5", o);
  Graph g = load_model(fixture("keras1_th_weights.h5"), o);
  CHECK(g.meta.at("theano_flip") == "yes");
  CHECK(g.meta.at("data_format") == "channels_first");
  CHECK(g.find("flatten_1").flatten_order == FlattenOrder::CHW);
}

TEST_CASE("Keras 1 th model.save file and the no-flip override") {
  check_model("keras1_th.h5", "keras1_th_ref.h5");
  ImportOptions o;
  o.theano_flip = TheanoFlip::NoFlip;
  check_model("keras1_th.h5", "keras1_th_noflip_ref.h5", o);
  CHECK(load_model(fixture("keras1_th.h5")).meta.at("keras_version") == "1.2.2");
}

TEST_CASE("Keras 2.1.2 channels_first Theano backend: CHW Flatten and flipped kernels") {
  check_model("keras2_cf_old.h5", "keras2_cf_old_ref.h5");
  Graph g = load_model(fixture("keras2_cf_old.h5"));
  CHECK(g.meta.at("backend") == "theano");
  CHECK(g.find("flatten_1").flatten_order == FlattenOrder::CHW);
}

TEST_CASE("Keras 2.2.4 channels_first: HWC Flatten from its data_format") {
  check_model("keras2_cf_new.h5", "keras2_cf_new_ref.h5");
  CHECK(load_model(fixture("keras2_cf_new.h5")).find("flatten_1").flatten_order == FlattenOrder::HWC);
}

TEST_CASE("Keras 2.0.8 list config with fixed-length strings and kernel weight names") {
  check_model("keras20_cf.h5", "keras20_cf_ref.h5");
}

TEST_CASE("functional graph: BatchNormalization ReLU Add Concatenate and split layer_names") {
  check_model("functional.h5", "functional_ref.h5");
  Graph g = load_model(fixture("functional.h5"));
  CHECK(fold_batchnorm(g) == 1);
  CHECK(g.find("conv_a").act == Act::ReLU);  // took the BN's fused ReLU
}

TEST_CASE("BatchNormalization with and without scale or center and with no layer to fold into") {
  check_model("batchnorm.h5", "batchnorm_ref.h5");
  Graph g = load_model(fixture("batchnorm.h5"));
  CHECK(fold_batchnorm(g) == 2);
  CHECK(g.layers[1].op == OpKind::Affine);  // bn_in follows the Input: stays an Affine
}

TEST_CASE("Keras 3 h5 Sequential: Reshape from a vector with relu6 and batch_shape") {
  check_model("keras3_seq.h5", "keras3_seq_ref.h5");
  CHECK(load_model(fixture("keras3_seq.h5")).meta.at("keras_version") == "3.3.3");
}

TEST_CASE("Keras 3 keras archive: keras_history nodes and per-class weight keys") {
  check_model("keras3_func.keras", "keras3_func_ref.h5");
  CHECK(load_model(fixture("keras3_func.keras")).meta.at("format") == "keras-archive");
}

TEST_CASE("malformed files give a one-line InputError naming the problem") {
  struct Case {
    const char* file;
    const char* expect;
  };
  for (const Case& c : {Case{"bad_not_hdf5.h5", "not an HDF5 file"},
                        Case{"bad_no_config.h5", "no model_config"},
                        Case{"bad_missing_weight.h5", "dense_1_b' is missing"},
                        Case{"bad_kernel_shape.h5", "contradicts the config"},
                        Case{"bad_nan_weight.h5", "not finite"},
                        Case{"bad_unsupported_layer.h5", "'lstm_1' (LSTM): unsupported layer class"},
                        Case{"bad_activation.h5", "unsupported activation 'tanh'"},
                        Case{"no_such_file.h5", "no such file"}}) {
    const std::string msg = error_of(c.file);
    INFO(c.file, ": ", msg);
    CHECK(msg.find(c.expect) != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
  ImportOptions missing_arch;
  missing_arch.arch = fixture("no_such.json");
  CHECK(error_of("keras1_th_weights.h5", missing_arch).find("no_such.json") != std::string::npos);
}
}
