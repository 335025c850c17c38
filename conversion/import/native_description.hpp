#pragma once
// A "brisk ANN HDF5" model (docs/native-schema.md) held in memory instead of a file: the
// same objects, attributes and datasets, read by the same reader and checks as
// load_model() on the file (conversion/import/native.cpp). The Python module's
// brisk.from_torch() builds one from the exporter's description (apps/python/brisk/exporter.py
// describe_model), so a model converted in memory is the Graph its exported file gives.
#include <map>
#include <string>
#include <vector>

#include <brisk/core/graph/graph.hpp>

namespace brisk {

// An attribute: strings (a scalar string is one) or numbers (integers stored exactly).
struct NativeAttribute {
  bool is_string = false;
  std::vector<std::string> strings;
  std::vector<double> numbers;
};

struct NativeArray {
  std::vector<float> data;
  std::vector<int> shape;
};

struct NativeDescription {
  std::string label;  // names the model in messages and in Graph::meta["source"]
  // Object path ("" = the root, "metadata", "layers", "layers/<name>") -> attributes. An
  // object listed here is a group.
  std::map<std::string, std::map<std::string, NativeAttribute>> objects;
  std::map<std::string, NativeArray> datasets;  // "layers/<name>/weight" -> values
};

// The validated Graph of `d`, exactly as load_model() builds it from the file holding the
// same objects (the root attribute brisk_format must be "brisk-ann"). InputError naming
// d.label and the layer or attribute otherwise.
Graph load_native_description(const NativeDescription& d);

}  // namespace brisk
