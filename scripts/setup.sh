#!/usr/bin/env bash
# Installs what minesweep needs from Debian 12's packages. Idempotent: when everything is present it installs nothing
# and prints nothing. Run as root (or with sudo). Nothing is downloaded from anywhere but the Debian mirrors.
#
#   scripts/setup.sh          build and run: compiler, CMake, Ninja, SQLite, OpenSSL, nlohmann-json, yaml-cpp, libpcap, pugixml,
#                             libcrypt, Graphviz, the Public Suffix List, libarchive, libyara, libfuzzy (ssdeep), RE2
#   scripts/setup.sh --dev    also tests, benchmarks and fuzzing: GoogleTest, Google Benchmark, clang, ccache, Chromium,
#                             yara (the benchmark peer), tshark (the oracle of the pcap tests), MinGW-w64 (minesweep.exe, PE
#                             test fixtures), Wine (minesweep.exe's tests)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libsqlite3-dev libssl-dev zlib1g-dev nlohmann-json3-dev libsystemd-dev libyaml-cpp-dev libpcap-dev libpugixml-dev libcrypt-dev libgraphviz-dev publicsuffix libarchive-dev libyara-dev libfuzzy-dev libre2-dev)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev ccache clang libclang-rt-14-dev clang-format clang-tidy unzip systemd-journal-remote
            yara tshark gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 libz-mingw-w64-dev wine64 wine
            chromium fonts-wqy-microhei)  # yara: bench/sample; MinGW: minesweep.exe and PE fixtures; Wine: minesweep.exe's tests; chromium: the browser test of the HTML report (CJK font for the zh screenshot)
elif [[ $# -gt 0 ]]; then
  echo "usage: scripts/setup.sh [--dev]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else
    echo "scripts/setup.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
else
  sudo=()
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
