#!/usr/bin/env bash
# Configures and builds minesweep. Prints where the binary is.
#
#   scripts/build.sh release   optimised binary: build/release/minesweep
#   scripts/build.sh test      developer build and minesweep.exe (build/windows), then every test under ctest (build/dev)
#   scripts/build.sh asan      developer build with AddressSanitizer + UBSan, then every test (build/asan)
#   scripts/build.sh fuzz      libFuzzer targets with clang (build/fuzz/fuzz/*_fuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# ccache keys paths relative to the tree, so another checkout (tests/recipes/add_toy.sh builds one) reuses objects.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -Wno-dev "$@" >/dev/null
}

case "${1:-release}" in
  release)
    configure build/release -DCMAKE_BUILD_TYPE=Release
    cmake --build build/release -j "$jobs" --target minesweep
    echo "built: build/release/minesweep"
    ;;
  test)
    configure build/dev -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSW_DEVELOPER=ON
    cmake --build build/dev -j "$jobs"
    # minesweep.exe for the Wine test (skipped, outside CI, where MinGW is missing).
    if command -v x86_64-w64-mingw32-g++-posix >/dev/null; then scripts/build-windows.sh; fi
    ctest --test-dir build/dev -j "$jobs" --output-on-failure
    ;;
  asan)
    # Benchmarks are skipped: they measure nothing useful under sanitizers.
    configure build/asan -DCMAKE_BUILD_TYPE=Debug -DMSW_DEVELOPER=ON -DMSW_BENCH=OFF -DMSW_SANITIZE=address,undefined
    cmake --build build/asan -j "$jobs"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp":print_suppressions=0 \
      ctest --test-dir build/asan -j "$jobs" --output-on-failure
    ;;
  fuzz)
    CXX=clang++ configure build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSW_FUZZ=ON
    cmake --build build/fuzz -j "$jobs" --target fuzzers
    echo "built: build/fuzz/fuzz/*_fuzzer (run e.g. build/fuzz/fuzz/hosts_fuzzer fuzz/corpus/hosts -max_total_time=60)"
    ;;
  *)
    echo "usage: scripts/build.sh release|test|asan|fuzz" >&2
    exit 2
    ;;
esac
