#pragma once
// A std::vector whose storage starts on a cache line (64 bytes): the kernels' 64-byte
// vector loads of weight rows then never straddle two lines (one that does costs two
// load slots on CPUs with 256-bit load ports, e.g. AMD Zen 4).
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>
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

// CacheAligned whose value-less construct() default-initializes: resize() of a vector of
// trivial elements leaves the new ones unwritten (for scratch that a kernel fills next).
template <class T>
struct CacheAlignedUninit : CacheAligned<T> {
  CacheAlignedUninit() = default;
  template <class U>
  constexpr CacheAlignedUninit(const CacheAlignedUninit<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
  template <class U>
  bool operator==(const CacheAlignedUninit<U>&) const noexcept { return true; }
};

// Scratch vectors: aligned, resize() does not zero.
template <class T>
using ScratchVec = std::vector<T, CacheAlignedUninit<T>>;

}  // namespace brisk
