# Every dependency is a Debian 12 package (scripts/setup.sh installs them). Nothing is downloaded.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)          # libsqlite3-dev
find_package(OpenSSL 3 REQUIRED)        # libssl-dev: hashes (EVP)
find_package(ZLIB REQUIRED)            # zlib1g-dev: CRC32 for EVTX checksums
find_package(nlohmann_json 3.10 REQUIRED) # nlohmann-json3-dev: manifest and JSON Lines

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
