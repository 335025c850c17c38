#pragma once
// manifest.ini: how a result folder was made. The effective configuration of the command
// (a section named after it, e.g. [sweep], that `brisk sweep --config DIR/manifest.ini`
// reads back), the brisk version and git revision, the SHA-256 of every input file, the
// seeds and calibration samples, the thread count, the CPU model, and the start and end
// time ([manifest] and [inputs], which the config reader skips).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace brisk::experiments {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// An INI file as sections of key = value lines in file order ("" = before any section).
struct Ini {
  std::vector<std::pair<std::string, KeyValues>> sections;
  const KeyValues* section(const std::string& name) const;
  // The value of `key` in `section`, or nullptr.
  const std::string* find(const std::string& section, const std::string& key) const;
};

// Reads an INI file written by manifest_ini() (or by hand): '#'/';' comment lines,
// [section] headers, key = value. InputError naming the file and line otherwise.
Ini read_ini(const std::string& path);
Ini parse_ini(const std::string& text, const std::string& path);

struct InputFile {
  std::string role;    // "model", "data", "calib-data", "arch"
  std::string path;
  std::string sha256;
};

struct Manifest {
  std::string command;  // "sweep", "run"
  KeyValues config;     // the effective options (every value, defaults included)
  std::vector<InputFile> inputs;
  std::uint64_t seed = 0;
  std::string calib_rule;              // how the calibration samples are drawn
  std::vector<std::int64_t> calib_indices;  // the samples drawn (empty: none)
  int threads = 0;
  std::string start, end;              // ISO 8601 UTC
  std::string status = "running";      // running, interrupted, complete
  std::size_t finished = 0, total = 0; // configurations
};

// The text of manifest.ini (version, git revision and CPU model are filled in here).
std::string manifest_ini(const Manifest& m);

// The SHA-256 of every file the options name: the model, the files behind the data and
// calibration specs (fashion-mnist resolves to its IDX files), the architecture JSON.
// Empty values are skipped; InputError naming a file that cannot be read.
std::vector<InputFile> input_files(const std::vector<std::pair<std::string, std::string>>& role_and_spec);

// Hex SHA-256 of the indices as decimal text joined by ',' (the manifest's calib_indices line).
std::string indices_sha256(const std::vector<std::int64_t>& indices);

std::string utc_now();        // 2026-12-02T00:09:43Z
std::string cpu_model();      // /proc/cpuinfo "model name", else "unknown"
std::string git_revision();   // configure-time `git rev-parse HEAD` (+ "-dirty"), else "unknown"

}  // namespace brisk::experiments
