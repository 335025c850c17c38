#include <brisk/apps/experiments/compare.hpp>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include <brisk/apps/experiments/folder.hpp>
#include <brisk/apps/experiments/manifest.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::experiments {

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read the file (not a brisk result folder?)", path));
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: malformed JSON ({})", path, e.what()));
  }
}

// Wall times and throughputs differ from run to run; everything else is a figure.
bool is_time(const std::string& key) {
  return key.ends_with("seconds") || key == "images_per_second" || key == "samples_per_second";
}

std::string short_text(const nlohmann::json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

void diff(const nlohmann::json& a, const nlohmann::json& b, const std::string& where, std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, _] : a.items()) keys.insert(k);
    for (const auto& [k, _] : b.items()) keys.insert(k);
    for (const auto& k : keys) {
      if (is_time(k)) continue;
      const std::string w = where.empty() ? k : where + "." + k;
      if (!a.contains(k)) out.push_back(fmt::format("{}: only in the second folder", w));
      else if (!b.contains(k)) out.push_back(fmt::format("{}: only in the first folder", w));
      else diff(a[k], b[k], w, out);
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) out.push_back(fmt::format("{}: {} vs {} entries", where, a.size(), b.size()));
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) diff(a[i], b[i], fmt::format("{}[{}]", where, i), out);
    return;
  }
  if (a != b) out.push_back(fmt::format("{}: {} vs {}", where, short_text(a), short_text(b)));
}

struct Inputs {
  std::vector<std::pair<std::string, std::string>> files;  // "role path", sha256
};

Inputs inputs_of(const Ini& m) {
  Inputs in;
  if (const KeyValues* kv = m.section("inputs"))
    for (std::size_t i = 0;; ++i) {
      const std::string* role = m.find("inputs", fmt::format("input{}_role", i));
      const std::string* path = m.find("inputs", fmt::format("input{}_path", i));
      const std::string* sha = m.find("inputs", fmt::format("input{}_sha256", i));
      if (!role || !path || !sha) break;
      in.files.emplace_back(*role + " " + *path, *sha);
      (void)kv;
    }
  return in;
}

}  // namespace

Comparison compare_folders(const std::string& a, const std::string& b) {
  Comparison c;
  diff(read_json(folder_file(a, "results.json")), read_json(folder_file(b, "results.json")), "", c.figures);
  const Ini ma = read_ini(folder_file(a, "manifest.ini")), mb = read_ini(folder_file(b, "manifest.ini"));
  const Inputs ia = inputs_of(ma), ib = inputs_of(mb);
  for (std::size_t i = 0; i < std::max(ia.files.size(), ib.files.size()); ++i) {
    if (i >= ia.files.size()) c.inputs.push_back(fmt::format("input {}: only in the second folder", ib.files[i].first));
    else if (i >= ib.files.size()) c.inputs.push_back(fmt::format("input {}: only in the first folder", ia.files[i].first));
    else if (ia.files[i] != ib.files[i])
      c.inputs.push_back(ia.files[i].first == ib.files[i].first
                             ? fmt::format("input {}: SHA-256 {} vs {}", ia.files[i].first, ia.files[i].second,
                                           ib.files[i].second)
                             : fmt::format("input {} (SHA-256 {}) vs {} (SHA-256 {})", ia.files[i].first,
                                           ia.files[i].second, ib.files[i].first, ib.files[i].second));
  }
  if (const std::string* ca = ma.find("manifest", "calib_indices_sha256"))
    if (const std::string* cb = mb.find("manifest", "calib_indices_sha256"); cb && *ca != *cb)
      c.inputs.push_back(fmt::format("calibration sample indices: SHA-256 {} vs {}", *ca, *cb));
  // The configurations, for information: the command's own section of each manifest.
  for (const auto& [name, kv] : ma.sections) {
    if (name.empty() || name == "manifest" || name == "inputs") continue;
    for (const auto& [k, v] : kv) {
      const std::string* w = mb.find(name, k);
      if (!w) c.config.push_back(fmt::format("[{}] {}: '{}' vs (not set)", name, k, v));
      else if (*w != v) c.config.push_back(fmt::format("[{}] {}: '{}' vs '{}'", name, k, v, *w));
    }
  }
  for (const auto& [name, kv] : mb.sections) {
    if (name.empty() || name == "manifest" || name == "inputs") continue;
    for (const auto& [k, v] : kv)
      if (!ma.find(name, k)) c.config.push_back(fmt::format("[{}] {}: (not set) vs '{}'", name, k, v));
  }
  return c;
}

}  // namespace brisk::experiments
