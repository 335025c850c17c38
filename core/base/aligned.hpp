#pragma once
// A std::vector whose storage starts on a cache line (64 bytes): the kernels' 64-byte
// vector loads of weight rows then never straddle two lines (one that does costs two
// load slots on CPUs with 256-bit load ports, e.g. AMD Zen 4).
#include <cstddef>
#include <new>
#include <vector>

namespace brisk {

template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <class U>
  constexpr CacheAligned(const CacheAligned<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(::operator new(n * sizeof(T), kAlign));
  }
  // Unsized: clang declares the sized aligned delete only with -fsized-deallocation.
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const noexcept { return true; }
};

using AlignedFloats = std::vector<float, CacheAligned<float>>;

}  // namespace brisk
