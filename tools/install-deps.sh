#!/usr/bin/env bash
# Installs everything brisk's build, tests and bundled Python tools need, from Debian 12's
# packages. Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # libraries on the design card, plus JSON and compression
  libtbb-dev libhdf5-dev libboost-program-options-dev libfmt-dev doctest-dev
  nlohmann-json3-dev zlib1g-dev libzip-dev
  # SHA-256 (OpenSSL's libcrypto) and calibration's linear algebra (Eigen)
  libssl-dev libeigen3-dev
  # optional MPI build (BRISK_MPI, docs/mpi.md): OpenMPI's library and mpirun
  libopenmpi-dev openmpi-bin
  # bundled Python tools (exporter, model training, fixtures, benchmark, sweep plots) and data
  python3-torch python3-h5py python3-numpy python3-matplotlib
  # the brisk Python module (apps/python: pybind11 extension) and its tests
  python3-dev pybind11-dev python3-pytest
  dataset-fashion-mnist
)

# --fuzz: also clang with libFuzzer (the optional BRISK_FUZZ build, docs/fuzzing.md).
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
