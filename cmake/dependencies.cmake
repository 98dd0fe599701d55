# Every dependency is a Debian 12 package (scripts/setup.sh installs them). Nothing is downloaded.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)          # libsqlite3-dev
find_package(OpenSSL 3 REQUIRED)        # libssl-dev: hashes (EVP)
find_package(ZLIB REQUIRED)            # zlib1g-dev: CRC32 for EVTX checksums
find_package(nlohmann_json 3.10 REQUIRED) # nlohmann-json3-dev: manifest and JSON Lines
find_package(yaml-cpp REQUIRED)        # libyaml-cpp-dev: the knowledge base (data/kb) and Sigma rules
find_package(pugixml REQUIRED)         # libpugixml-dev: Windows scheduled-task XML
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)  # libsystemd-dev: the journal's SSH logons
endif()
if(NOT SYSTEMD_FOUND)
  message(STATUS "libsystemd not found: triage will not read the systemd journal (apt-get install libsystemd-dev)")
endif()
if(PkgConfig_FOUND)
  pkg_check_modules(LIBPCAP IMPORTED_TARGET libpcap)  # libpcap-dev: live capture (`pcap --interface`)
endif()
if(NOT LIBPCAP_FOUND)
  message(STATUS "libpcap not found: `minesweep pcap --interface` is not available (apt-get install libpcap-dev)")
endif()

if(MSW_DEVELOPER)
  find_package(GTest REQUIRED)          # libgtest-dev, libgmock-dev
  if(MSW_BENCH)
    find_package(benchmark QUIET)       # libbenchmark-dev
    if(NOT benchmark_FOUND)
      message(STATUS "Google Benchmark not found: benchmarks are not built (apt-get install libbenchmark-dev)")
      set(MSW_BENCH OFF)
    endif()
  endif()
endif()
# libgraphviz-dev: the HTML report's storyline graph, laid out by dot into inline SVG.
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config is needed to find Graphviz (apt-get install pkg-config libgraphviz-dev)")
endif()
pkg_check_modules(GVC REQUIRED IMPORTED_TARGET libgvc)
# libarchive-dev: archives and self-extractors in `sample` (zip, 7z, rar4/5, cab, tar, gzip, xz) — read, never run.
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
# libyara-dev: `--yara` rules in `sample` (and the built-in rules in data/rules/yara).
pkg_check_modules(YARA REQUIRED IMPORTED_TARGET yara)
# libre2-dev: Sigma's |re values, matched in linear time over whole fields (a 32 KB script block included).
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# libfuzzy-dev: ssdeep hashes (no pkg-config file).
find_library(FUZZY_LIBRARY fuzzy REQUIRED)
find_path(FUZZY_INCLUDE_DIR fuzzy.h REQUIRED)
