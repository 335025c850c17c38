#include <brisk/apps/experiments/manifest.hpp>

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include <brisk/conversion/sha256.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/version.hpp>
#include <brisk/data/spec.hpp>

#ifndef BRISK_GIT_REVISION
#define BRISK_GIT_REVISION "unknown"
#endif

namespace brisk::experiments {

const KeyValues* Ini::section(const std::string& name) const {
  for (const auto& [n, kv] : sections)
    if (n == name) return &kv;
  return nullptr;
}

const std::string* Ini::find(const std::string& sec, const std::string& key) const {
  if (const KeyValues* kv = section(sec))
    for (const auto& [k, v] : *kv)
      if (k == key) return &v;
  return nullptr;
}

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

Ini parse_ini(const std::string& text, const std::string& path) {
  Ini ini;
  ini.sections.emplace_back("", KeyValues{});
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']' || t.size() < 3)
        throw InputError(fmt::format("{}:{}: malformed section header '{}'", path, n, t));
      ini.sections.emplace_back(trim(t.substr(1, t.size() - 2)), KeyValues{});
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(fmt::format("{}:{}: expected 'key = value', got '{}'", path, n, t));
    ini.sections.back().second.emplace_back(trim(t.substr(0, eq)), trim(t.substr(eq + 1)));
  }
  return ini;
}

Ini read_ini(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read the file", path));
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_ini(ss.str(), path);
}

std::string indices_sha256(const std::vector<std::int64_t>& indices) {
  std::string text;
  for (std::size_t i = 0; i < indices.size(); ++i) text += fmt::format("{}{}", i ? "," : "", indices[i]);
  return sha256_hex(text.data(), text.size());
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0)
      if (const auto colon = line.find(':'); colon != std::string::npos) return trim(line.substr(colon + 1));
  return "unknown";
}

std::string git_revision() { return BRISK_GIT_REVISION; }

std::vector<InputFile> input_files(const std::vector<std::pair<std::string, std::string>>& role_and_spec) {
  std::vector<InputFile> out;
  auto add = [&](const std::string& role, const std::string& path) {
    for (const auto& f : out)
      if (f.path == path) return;
    out.push_back({role, path, sha256_file(path)});
  };
  for (const auto& [role, spec] : role_and_spec) {
    if (spec.empty()) continue;
    if (role == "data" || role == "calib-data") {
      const data::DataSpec ds = data::parse_spec(spec, LoadOptions{});
      add(role, ds.x.path);
      add(role, ds.y.path);
    } else {
      add(role, spec);
    }
  }
  return out;
}

std::string manifest_ini(const Manifest& m) {
  std::string s = fmt::format(
      "# brisk manifest: how the results in this folder were made.\n"
      "# Reproduce them (from the same working directory) with\n"
      "#   brisk {} --config manifest.ini --out NEW_FOLDER\n"
      "# and check with: brisk compare THIS_FOLDER NEW_FOLDER\n"
      "# [{}] is the effective configuration; [manifest] and [inputs] are read by brisk compare only.\n\n"
      "[{}]\n",
      m.command, m.command, m.command);
  for (const auto& [k, v] : m.config) s += fmt::format("{} = {}\n", k, v);
  s += fmt::format(
      "\n[manifest]\nbrisk_version = {}\ngit_revision = {}\nseed = {}\nthreads = {}\ncpu_model = {}\n"
      "start = {}\nend = {}\nstatus = {}\nconfigurations_finished = {}\nconfigurations_total = {}\n",
      kVersion, git_revision(), m.seed, m.threads, cpu_model(), m.start, m.end, m.status, m.finished,
      m.total);
  s += fmt::format("calib_rule = {}\ncalib_count = {}\n", m.calib_rule.empty() ? "none" : m.calib_rule,
                   m.calib_indices.size());
  if (!m.calib_indices.empty()) {
    s += fmt::format("calib_indices_sha256 = {}\ncalib_indices = ", indices_sha256(m.calib_indices));
    for (std::size_t i = 0; i < m.calib_indices.size(); ++i) s += fmt::format("{}{}", i ? "," : "", m.calib_indices[i]);
    s += "\n";
  }
  s += "\n[inputs]\n# role = path, then its SHA-256\n";
  for (std::size_t i = 0; i < m.inputs.size(); ++i)
    s += fmt::format("input{}_role = {}\ninput{}_path = {}\ninput{}_sha256 = {}\n", i, m.inputs[i].role, i,
                     m.inputs[i].path, i, m.inputs[i].sha256);
  return s;
}

}  // namespace brisk::experiments
