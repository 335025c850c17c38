#include <brisk/apps/experiments/predictions.hpp>

#include <fmt/format.h>

#include <cstring>
#include <sstream>

#include <brisk/apps/experiments/files.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>

namespace brisk::experiments {

namespace {

bool ends_with(const std::string& s, const char* suffix) { return s.ends_with(suffix); }

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (as the engine)
  out.append(b, sizeof(T));
}

std::string npy(const Predictions& p) {
  const std::size_t n = p.labels.size(), s = std::max<std::size_t>(1, p.steps.size());
  std::string descr = "[('sample', '<i8'), ('label', '<i4'), ";
  descr += p.steps.empty() ? "('prediction', '<i4'), " : fmt::format("('predictions', '<i4', ({},)), ", s);
  descr += fmt::format("('logits', '<f4', ({},))]", p.classes);
  std::string header = fmt::format("{{'descr': {}, 'fortran_order': False, 'shape': ({},), }}", descr, n);
  // Magic, version 1.0, header length; the header padded with spaces to a multiple of 64.
  const std::size_t preamble = 10;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  put<std::uint16_t>(out, static_cast<std::uint16_t>(header.size()));
  out += header;
  for (std::size_t i = 0; i < n; ++i) {
    put<std::int64_t>(out, static_cast<std::int64_t>(p.first_sample + i));
    put<std::int32_t>(out, p.labels[i]);
    for (std::size_t t = 0; t < s; ++t) put<std::int32_t>(out, p.predicted[i * s + t]);
    for (std::size_t c = 0; c < p.classes; ++c) put<float>(out, p.logits[i * p.classes + c]);
  }
  return out;
}

std::string csv(const Predictions& p) {
  const std::size_t n = p.labels.size(), s = std::max<std::size_t>(1, p.steps.size());
  std::string out = "sample,label";
  if (p.steps.empty()) out += ",prediction";
  for (int t : p.steps) out += fmt::format(",pred_t{}", t);
  for (std::size_t c = 0; c < p.classes; ++c) out += fmt::format(",logit_{}", c);
  out += "\n";
  for (std::size_t i = 0; i < n; ++i) {
    out += fmt::format("{},{}", p.first_sample + i, p.labels[i]);
    for (std::size_t t = 0; t < s; ++t) out += fmt::format(",{}", p.predicted[i * s + t]);
    for (std::size_t c = 0; c < p.classes; ++c) out += fmt::format(",{}", p.logits[i * p.classes + c]);
    out += "\n";
  }
  return out;
}

}  // namespace

void check_predictions_path(const std::string& path) {
  if (!ends_with(path, ".npy") && !ends_with(path, ".csv"))
    throw UsageError(fmt::format("--predictions {}: the file must end in .npy or .csv", path));
}

void write_predictions(const std::string& path, const Predictions& p) {
  check_predictions_path(path);
  write_file_atomically(path, ends_with(path, ".npy") ? npy(p) : csv(p));
}

std::vector<float> ann_logits(const Graph& g, const Dataset& d, int threads, std::size_t* classes) {
  const std::size_t c = d.count() ? forward(g, d.sample(0)).size() : 0;
  std::vector<float> out(d.count() * c);
  parallel_for(threads, d.count(), 16, [&](std::size_t begin, std::size_t end) {
    std::vector<std::vector<float>> buffers;
    for (std::size_t i = begin; i != end; ++i) {
      const auto logits = forward(g, d.sample(i), &buffers);
      std::copy(logits.begin(), logits.end(), out.begin() + static_cast<std::ptrdiff_t>(i * c));
    }
  });
  if (classes) *classes = c;
  return out;
}

std::vector<int> parse_prediction_steps(const std::string& text, int steps) {
  std::vector<int> out;
  if (text == "all") {
    for (int t = 1; t <= steps; ++t) out.push_back(t);
    return out;
  }
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    int v = 0;
    try {
      std::size_t used = 0;
      v = std::stoi(item, &used);
      if (used != item.size()) v = 0;
    } catch (const std::exception&) {
      v = 0;
    }
    if (v < 1 || v > steps)
      throw UsageError(fmt::format("--predictions-steps: '{}' is not a step from 1 to {}", item, steps));
    out.push_back(v);
  }
  if (out.empty()) throw UsageError("--predictions-steps: empty list");
  return out;
}

}  // namespace brisk::experiments
