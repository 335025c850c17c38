// Replays files through one fuzz harness without libFuzzer (the normal build's CTest):
//   fuzz_replay_<reader> FILE|DIR...
// Each file is one input; a crash or sanitizer report fails the test, an InputError is
// what a bad file must give. Directories are walked recursively; a missing one is skipped.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay(const std::filesystem::path& p, std::size_t& count) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  ++count;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) replay(e.path(), count);
    } else if (fs::is_regular_file(p)) {
      replay(p, count);
    }
  }
  std::cout << "replayed " << count << " inputs\n";
  return 0;
}
