// SHA-256 of files (OpenSSL EVP, streamed in chunks) against known digests: FIPS 180-4's
// vectors and 1 MiB of one repeated byte (digest from `sha256sum`, fixed here as a literal).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <brisk/conversion/sha256.hpp>
#include <brisk/core/base/error.hpp>

using namespace brisk;
namespace fs = std::filesystem;

namespace {

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& name, const std::string& bytes)
      : path(fs::temp_directory_path() / ("brisk_sha256_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string file_digest(const std::string& name, const std::string& bytes) {
  const TempFile f(name, bytes);
  return sha256_file(f.path.string());
}

}  // namespace

TEST_CASE("sha256_file: known vectors") {
  CHECK(file_digest("empty", "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(file_digest("abc", "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(file_digest("two_blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a' (FIPS 180-4): many read chunks and a partial last one.
  CHECK(file_digest("million_a", std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // 1 MiB of 0x5a ('Z'): head -c 1048576 /dev/zero | tr '\0' '\132' | sha256sum
  // (and python3 -c "import hashlib; print(hashlib.sha256(b'Z' * 2**20).hexdigest())")
  CHECK(file_digest("mib_5a", std::string(1 << 20, '\x5a')) ==
        "bf63d8a95fcc2e64619813aae35fdcbe871fdd9264caa3f365eb3aed0f679129");
}

TEST_CASE("sha256_file and sha256_hex agree") {
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes += static_cast<char>(i * 7 + (i >> 8));
  CHECK(file_digest("mixed", bytes) == sha256_hex(bytes.data(), bytes.size()));
}

TEST_CASE("sha256_file: errors name the file") {
  const std::string missing = "/nonexistent/brisk_sha256_missing.h5";
  try {
    sha256_file(missing);
    FAIL("no error for a missing file");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
  }
  // A directory opens as a stream on Linux but cannot be read.
  const std::string dir = fs::temp_directory_path().string();
  CHECK_THROWS_AS(sha256_file(dir), InputError);
}
