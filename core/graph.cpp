#include "core/graph.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace brisk {

std::size_t shape_size(std::span<const int> shape) {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::string shape_str(std::span<const int> shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::Input: return "Input";
    case OpKind::Dense: return "Dense";
    case OpKind::Conv2D: return "Conv2D";
    case OpKind::AvgPool2D: return "AvgPool2D";
    case OpKind::MaxPool2D: return "MaxPool2D";
    case OpKind::GlobalAvgPool2D: return "GlobalAvgPool2D";
    case OpKind::Flatten: return "Flatten";
    case OpKind::Reshape: return "Reshape";
    case OpKind::ZeroPad2D: return "ZeroPad2D";
    case OpKind::Affine: return "Affine";
    case OpKind::Activation: return "Activation";
    case OpKind::Add: return "Add";
    case OpKind::Concat: return "Concat";
  }
  return "?";
}

const Layer& Graph::find(const std::string& name) const {
  for (const auto& l : layers)
    if (l.name == name) return l;
  throw InputError(fmt::format("no layer named '{}' in the network", name));
}

}  // namespace brisk
