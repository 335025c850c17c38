#pragma once
// The model of a population, as a closed set: the engine holds one Model per layer and
// dispatches once per layer-step with std::visit (never a virtual call per neuron or
// event). Adding a model: its header (with `kind`, `has_aux`, `from(Params)` and the
// protocol of population.hpp), one alternative below and one row of the traits table in
// neuron.hpp.
#include <optional>
#include <variant>

#include <brisk/neurons/augmented.hpp>
#include <brisk/neurons/double_threshold.hpp>
#include <brisk/neurons/if.hpp>
#include <brisk/neurons/radix.hpp>
#include <brisk/neurons/readout.hpp>

namespace brisk::neurons {

using Model = std::variant<IntegrateFire, DoubleThreshold, Augmented, Radix, Readout>;

// The model of kind `k` built from `p`; nullopt for NeuronKind::None.
inline std::optional<Model> make_model(NeuronKind k, const Params& p) {
  std::optional<Model> m;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((std::variant_alternative_t<I, Model>::kind == k
          ? (void)m.emplace(std::in_place_index<I>, std::variant_alternative_t<I, Model>::from(p))
          : (void)0),
     ...);
  }(std::make_index_sequence<std::variant_size_v<Model>>{});
  return m;
}

// Whether the model keeps an integer state per neuron (Population::aux).
inline bool has_aux(const Model& m) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::has_aux; }, m);
}

}  // namespace brisk::neurons
