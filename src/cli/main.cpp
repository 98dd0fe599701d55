#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  // Exceptions are for the CLI edge only (bad_alloc, a broken OpenSSL); the pipeline itself returns Result.
  try {
    return msw::cli::run_cli(args);
  } catch (const std::exception& e) {
    std::cerr << "minesweep: internal error: " << e.what() << "\nPlease report this with the command line you ran.\n";
    return msw::cli::kExitUsage;
  }
}
