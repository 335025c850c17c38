#pragma once
// Shared by the model harnesses: the fuzz input written to a file of this process's own
// (the model readers open paths: HDF5 files, .keras zip archives), removed on exit.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace brisk::fuzz {

class ModelFile {
 public:
  explicit ModelFile(const char* name)
      : path_((std::filesystem::temp_directory_path() /
               (std::string("brisk-fuzz-") + name + "-" + std::to_string(::getpid()) + ".h5"))
                  .string()) {}
  ~ModelFile() { std::remove(path_.c_str()); }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace brisk::fuzz
