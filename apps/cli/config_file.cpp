#include "config_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "commands.hpp"
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

void store_config_file(const std::string& path, const std::string& command,
                       const po::options_description& options, po::variables_map& vm) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("--config {}: cannot read the file", path));
  po::parsed_options raw(nullptr);
  try {
    // Every key unregistered: the names are checked below, against this command's options.
    raw = po::parse_config_file(in, po::options_description{}, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    throw InputError(fmt::format("--config {}: {}", path, e.what()));
  }
  po::parsed_options section(&options), global(&options);
  for (const po::option& o : raw.options) {
    const std::string& key = o.string_key;
    const auto dot = key.find('.');
    std::string name = key, where;
    po::parsed_options* target = &global;
    if (dot != std::string::npos) {
      const std::string sec = key.substr(0, dot);
      name = key.substr(dot + 1);
      where = fmt::format(" (section [{}])", sec);
      if (sec == "manifest" || sec == "inputs") continue;
      const auto cmds = commands();
      const bool known = std::any_of(cmds.begin(), cmds.end(), [&](const Command& c) { return sec == c.name; });
      if (!known)
        throw UsageError(fmt::format("--config {}: unknown section [{}] (sections are command names, e.g. [{}])",
                                     path, sec, command));
      if (sec != command) continue;
      target = &section;
    }
    if (name == "config" || name == "help" || !options.find_nothrow(name, /*approx=*/false))
      throw UsageError(fmt::format("--config {}: unknown key '{}'{} (not an option of 'brisk {}')", path, name,
                                   where, command));
    po::option opt(name, o.value);
    opt.original_tokens = o.original_tokens;
    target->options.push_back(std::move(opt));
  }
  try {
    po::store(section, vm);
    po::store(global, vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("--config {}: {}", path, e.what()));
  }
}

namespace {

std::string value_text(const boost::any& v) {
  if (const auto* s = boost::any_cast<std::string>(&v)) return *s;
  if (const auto* b = boost::any_cast<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = boost::any_cast<int>(&v)) return fmt::format("{}", *i);
  if (const auto* u = boost::any_cast<std::size_t>(&v)) return fmt::format("{}", *u);
  if (const auto* u = boost::any_cast<std::uint64_t>(&v)) return fmt::format("{}", *u);
  if (const auto* d = boost::any_cast<double>(&v)) return fmt::format("{}", *d);  // shortest round trip
  if (const auto* f = boost::any_cast<float>(&v)) return fmt::format("{}", *f);
  throw InternalError("effective_config: an option of an unexpected type");
}

}  // namespace

experiments::KeyValues effective_config(const po::variables_map& vm, std::initializer_list<const char*> exclude) {
  experiments::KeyValues out;
  for (const auto& [name, value] : vm) {
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    if (name == "config" || name == "help" || value.empty()) continue;
    out.emplace_back(name, value_text(value.value()));
  }
  return out;
}

}  // namespace brisk::cli
