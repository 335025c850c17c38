#include <brisk/apps/experiments/folder.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/plots.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::experiments {

namespace fs = std::filesystem;

std::string folder_file(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / name).string();
}

void prepare_output_folder(const std::string& dir, FolderMode mode, const std::vector<std::string>& inputs,
                           const std::string& flag) {
  if (dir.empty()) throw UsageError(fmt::format("{}: the output folder is empty", flag));
  std::error_code ec;
  const fs::path p(dir);
  for (const auto& in : inputs) {
    std::error_code e1;
    if (!in.empty() && fs::exists(in, e1) && fs::exists(p, e1) && fs::equivalent(p, in, e1))
      throw UsageError(fmt::format("{} {}: the output is one of the inputs; write it elsewhere", flag, dir));
  }
  const auto st = fs::status(p, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw UsageError(fmt::format("{} {}: is a file, not a folder (--out names a folder since brisk 0.2)", flag, dir));
  if (!fs::exists(st)) {
    if (mode == FolderMode::Resume)
      throw UsageError(fmt::format("{} {}: --resume: the folder does not exist", flag, dir));
    fs::path parent = p.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent, ec))
      throw InputError(fmt::format("{}: cannot create the folder (directory {} does not exist)", dir,
                                   parent.string()));
    fs::create_directory(p, ec);
    if (ec) throw InputError(fmt::format("{}: cannot create the folder ({})", dir, ec.message()));
    return;
  }
  const bool empty = fs::is_empty(p, ec);
  if (mode == FolderMode::Resume) {
    if (!fs::is_regular_file(p / "manifest.ini", ec))
      throw UsageError(fmt::format("{} {}: --resume: the folder holds no manifest.ini", flag, dir));
  } else if (!empty && mode != FolderMode::Force) {
    throw UsageError(fmt::format("{} {}: the folder exists and is not empty; pass --force to replace its "
                                 "results or --resume to complete an interrupted sweep",
                                 flag, dir));
  }
  // Can a file be created there?
  const fs::path probe = p / fmt::format(".brisk-check{}", static_cast<long>(::getpid()));
  {
    std::ofstream f(probe, std::ios::binary | std::ios::trunc);
    if (!f) throw InputError(fmt::format("{}: cannot write in the folder", dir));
  }
  fs::remove(probe, ec);
}

void write_sweep_results(const std::string& dir, const Sweep& s) {
  write_file_atomically(folder_file(dir, "results.csv"), sweep_csv(s));
  write_file_atomically(folder_file(dir, "results.json"), sweep_json(s).dump(2) + "\n");
  write_file_atomically(folder_file(dir, "results.md"), sweep_markdown(s));
}

std::vector<SweepRow> read_sweep_rows(const std::string& dir) {
  const std::string path = folder_file(dir, "results.json");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read the file", path));
  std::vector<SweepRow> rows;
  try {
    const nlohmann::json j = nlohmann::json::parse(f);
    for (const auto& o : j.at("runs")) {
      SweepRow r;
      r.method = o.at("method").get<std::string>();
      r.stage = o.at("calibration").get<std::string>();
      r.timesteps = o.at("timesteps").get<int>();
      r.latency = o.at("latency").get<int>();
      r.snn = o.at("snn_accuracy").get<double>();
      r.ann = o.at("ann_accuracy").get<double>();
      r.reference = o.at("reference_accuracy").get<double>();
      r.agreement = o.at("agreement").get<double>();
      r.spikes = o.at("spikes_per_sample").get<double>();
      r.sops = o.at("sops_per_sample").get<double>();
      r.energy_uj = o.at("snn_energy_uj").get<double>();
      r.ann_energy_uj = o.at("ann_energy_uj").get<double>();
      r.convert_seconds = o.at("convert_seconds").get<double>();
      r.run_seconds = o.at("run_seconds").get<double>();
      if (o.contains("calibration_report")) r.calibration_report = o["calibration_report"].dump();
      rows.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not a brisk sweep result ({})", path, e.what()));
  }
  return rows;
}

std::string write_sweep_plots(const std::string& dir) { return write_plots(folder_file(dir, "results")); }

void write_run_results(const std::string& dir, const nlohmann::json& j, const std::string& text) {
  write_file_atomically(folder_file(dir, "results.json"), j.dump(2) + "\n");
  std::string header = "layer", row = "all";
  for (const auto& [k, v] : j.items())
    if (v.is_number()) header += fmt::format(",{}", k), row += fmt::format(",{}", v.dump());
  std::string csv = fmt::format("{}\n{}\n", header, row);
  if (j.contains("layers"))
    for (const auto& l : j["layers"]) {
      csv += l.value("name", "");
      for (const auto& [k, v] : j.items())
        if (v.is_number()) csv += fmt::format(",{}", l.contains(k) ? l[k].dump() : std::string());
      csv += "\n";
    }
  write_file_atomically(folder_file(dir, "results.csv"), csv);
  write_file_atomically(folder_file(dir, "results.md"), fmt::format("# brisk run\n\n```\n{}```\n", text));
}

void write_manifest(const std::string& dir, const Manifest& m) {
  write_file_atomically(folder_file(dir, "manifest.ini"), manifest_ini(m));
}

}  // namespace brisk::experiments
