#include <brisk/apps/experiments/model_report.hpp>

#include <fmt/format.h>

namespace brisk::experiments {

namespace {

std::string activation_str(const Layer& l) {
  switch (l.act) {
    case Act::Linear: return "";
    case Act::ReLU: return "relu";
    case Act::Softmax: return "softmax (dropped: logits)";
    case Act::ClippedReLU:
      return l.act_bits > 0 ? fmt::format("clip-floor {:g}, {} bits", l.act_max, l.act_bits)
                            : fmt::format("relu, max {:g}", l.act_max);
    case Act::QCFS: return fmt::format("qcfs, L = {}, threshold {:g}", l.act_levels, l.act_max);
  }
  return "?";
}

std::size_t parameter_count(const Layer& l) {
  return l.weight.size() + l.bias.size() + l.scale.size() + l.shift.size();
}

std::string meta_or(const Graph& g, const char* key, const char* fallback) {
  auto it = g.meta.find(key);
  return it == g.meta.end() ? fallback : it->second;
}

}  // namespace

void print_model_report(const Graph& g, std::ostream& out) {
  out << fmt::format("model          {}\n", meta_or(g, "source", "?"));
  out << fmt::format("format         {}\n", meta_or(g, "format", "?"));
  if (g.meta.count("keras_version")) {
    out << fmt::format("keras version  {}\n", meta_or(g, "keras_version", "unknown"));
    out << fmt::format("backend        {}\n", meta_or(g, "backend", "unknown"));
    out << fmt::format("theano flip    {}\n", meta_or(g, "theano_flip", "no"));
  }
  if (g.meta.count("producer")) out << fmt::format("producer       {}\n", g.meta.at("producer"));
  out << fmt::format("data format    {} (brisk computes channels first)\n",
                     meta_or(g, "data_format", "?"));
  out << fmt::format("input          {}\n\n", shape_str(g.input_shape()));
  out << fmt::format("{:>3}  {:<24} {:<40} {:<12} {:<24} {:>10} {:>12}\n", "#", "name", "type",
                     "output", "activation", "params", "MACs");
  std::size_t params = 0;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    std::string type = op_name(l.op);
    if (!l.source_class.empty() && l.source_class != type) type += " (" + l.source_class + ")";
    if (l.op == OpKind::Flatten || l.op == OpKind::Reshape)
      type += l.flatten_order == FlattenOrder::HWC ? " HWC" : " CHW";
    const std::size_t p = parameter_count(l);
    params += p;
    out << fmt::format("{:>3}  {:<24} {:<40} {:<12} {:<24} {:>10} {:>12}{}\n", i, l.name, type,
                       shape_str(l.out_shape), activation_str(l), p,
                       layer_macs(g, static_cast<int>(i)),
                       static_cast<int>(i) == g.output ? "  <- output" : "");
  }
  out << fmt::format("\nlayers {}, parameters {}, MACs per sample {}\n", g.layers.size(), params,
                     graph_macs(g));
}

}  // namespace brisk::experiments
