#pragma once
// A spike train: the time-indexed event list of one layer for one sample.
//
// Events of step t are ids[offsets[t] .. offsets[t+1]) with matching payload[]. The
// payload is +1, -1, an integer coefficient (augmented / radix-B digits) or, for events
// re-routed by a weightless linear operator (AvgPool without neurons), a scaled value.
// Within a step, ids are emitted in increasing order by every spiking population; the
// scatter kernels rely on that only for bitwise equality with their dense twins.
//
// clear() keeps the capacity, so a worker that reuses its trains across samples does
// not allocate once the first samples have sized them.
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

namespace brisk {

class SpikeTrain {
 public:
  // Starts an empty train of `steps` steps; step 0 is open for push().
  void clear(int steps) {
    ids_.clear();
    payload_.clear();
    offsets_.assign(1, 0);
    steps_ = steps;
  }
  // Appends one event to the step that is currently open.
  void push(std::int32_t id, float payload) {
    ids_.push_back(id);
    payload_.push_back(payload);
  }
  // Appends n events with the same payload (a population's spikes) to the open step.
  void push_n(const std::int32_t* ids, std::size_t n, float payload) {
    ids_.insert(ids_.end(), ids, ids + n);
    payload_.resize(payload_.size() + n, payload);
  }
  // Appends n events with their payloads to the open step.
  void push_n(const std::int32_t* ids, const float* payload, std::size_t n) {
    ids_.insert(ids_.end(), ids, ids + n);
    payload_.insert(payload_.end(), payload, payload + n);
  }
  // Closes the open step (the next push goes to the following step).
  void end_step() { offsets_.push_back(static_cast<std::uint32_t>(ids_.size())); }
  // Closes steps until `t` steps are closed (steps without events).
  void close_until(int t) {
    while (closed_steps() < t) end_step();
  }
  void reserve(std::size_t events) {
    ids_.reserve(events);
    payload_.reserve(events);
  }

  int steps() const { return steps_; }
  int closed_steps() const { return static_cast<int>(offsets_.size()) - 1; }
  std::size_t events() const { return ids_.size(); }

  // Events of a closed step t (empty when t is outside [0, closed_steps())).
  std::span<const std::int32_t> ids(int t) const {
    if (t < 0 || t >= closed_steps()) return {};
    return {ids_.data() + offsets_[t], offsets_[t + 1] - offsets_[t]};
  }
  std::span<const float> payload(int t) const {
    if (t < 0 || t >= closed_steps()) return {};
    return {payload_.data() + offsets_[t], offsets_[t + 1] - offsets_[t]};
  }
  std::span<const std::uint32_t> offsets() const { return offsets_; }
  std::span<const std::int32_t> all_ids() const { return ids_; }
  std::span<const float> all_payload() const { return payload_; }

 private:
  std::vector<std::uint32_t> offsets_{0};
  std::vector<std::int32_t> ids_;
  std::vector<float> payload_;
  int steps_ = 0;
};

}  // namespace brisk
