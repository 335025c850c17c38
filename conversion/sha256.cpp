#include <brisk/conversion/sha256.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <memory>

#include <brisk/core/base/error.hpp>

namespace brisk {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// One SHA-256 computation through OpenSSL's EVP interface; `what` names the input in errors.
class Sha256 {
 public:
  explicit Sha256(const std::string& what) : what_(what), ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw InternalError(fmt::format("{}: SHA-256 initialisation failed (OpenSSL)", what_));
  }
  void update(const void* data, std::size_t size) {
    if (size > 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1)
      throw InternalError(fmt::format("{}: SHA-256 update failed (OpenSSL)", what_));
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md.data(), &len) != 1 || len != 32)
      throw InternalError(fmt::format("{}: SHA-256 finalisation failed (OpenSSL)", what_));
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
  }

 private:
  std::string what_;
  MdCtx ctx_;
};

}  // namespace

std::string sha256_hex(const void* data, std::size_t size) {
  Sha256 h("sha256_hex");
  h.update(data, size);
  return h.hex();
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the file", path));
  Sha256 h(path);
  std::array<char, 1 << 16> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    h.update(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError(fmt::format("{}: read error", path));
  return h.hex();
}

}  // namespace brisk
