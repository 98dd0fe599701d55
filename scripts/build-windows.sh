#!/usr/bin/env bash
# Cross-builds the Windows collector with Debian's MinGW-w64 (scripts/setup.sh --dev installs it):
#   scripts/build-windows.sh   → build/windows/minesweep.exe (static, no DLLs beyond Windows' own)
#                                 and build/windows/msw_wine_helper.exe (the Wine test's helper)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v x86_64-w64-mingw32-g++-posix >/dev/null; then
  echo "MinGW-w64 is missing: run scripts/setup.sh --dev (package g++-mingw-w64-x86-64-posix)" >&2
  exit 1
fi
cmake -S . -B build/windows -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" ${CI:+-DMSW_WERROR=ON} >/dev/null
cmake --build build/windows -j "$(nproc)"
echo "built: build/windows/minesweep.exe ($(stat -c %s build/windows/minesweep.exe) bytes)"
