# Build options. Developer mode (tests, fuzz replay, benchmarks) is forced on in CI so a submission is always tested.
option(MSW_DEVELOPER "Build tests, fuzz-corpus replay and benchmarks" OFF)
if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" STREQUAL "false")
  set(MSW_DEVELOPER ON CACHE BOOL "Build tests, fuzz-corpus replay and benchmarks" FORCE)
  set(_msw_in_ci ON)
else()
  set(_msw_in_ci OFF)
endif()
option(MSW_WERROR "Treat warnings as errors (on in CI)" ${_msw_in_ci})
option(MSW_BENCH "Build Google Benchmark programs (developer mode)" ON)
option(MSW_FUZZ "Build libFuzzer targets (needs clang)" OFF)
set(MSW_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

# Flags every target of ours gets; third-party headers come in as SYSTEM and stay quiet.
add_library(msw_build_flags INTERFACE)
target_compile_options(msw_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${MSW_WERROR}>:-Werror>)
# GCC 12 at -O3 (Release) takes libstdc++'s own `"literal" + std::string` for an overlapping memcpy (GCC bug 105329,
# fixed in 13): a false -Wrestrict at a dozen call sites that a new user's first build would print.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(msw_build_flags INTERFACE $<$<CONFIG:Release>:-Wno-restrict>)
endif()
if(MSW_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MSW_FUZZ needs clang: configure with CXX=clang++ (Debian package clang)")
  endif()
  # Instrument every library for coverage; the fuzz targets add the libFuzzer main at link time.
  target_compile_options(msw_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(msw_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(MSW_SANITIZE)
  target_compile_options(msw_build_flags INTERFACE -fsanitize=${MSW_SANITIZE} -fno-omit-frame-pointer
                                                   -fno-sanitize-recover=all)
  target_link_options(msw_build_flags INTERFACE -fsanitize=${MSW_SANITIZE})
endif()
