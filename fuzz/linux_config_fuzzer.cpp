#include <cstddef>
#include <cstdint>

#include "normalize/normalize.h"

// The Linux text artefacts that are not crontabs: start-up scripts, shell histories, systemd units, sudoers, Redis
// configuration, and the collector's JSON Lines tables (a bundle is evidence too). The first byte picks the parser.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  msw::Diagnostics diags;
  std::vector<msw::model::Event> out;
  const msw::normalize::Source src{"/home/u/.config/fuzz", "linux"};
  switch (data[0] % 6) {
    case 0: (void)msw::normalize::script_line_events(bytes, src, diags, out); break;
    case 1: (void)msw::normalize::history_events(bytes, src, diags, out); break;
    case 2: (void)msw::normalize::systemd_unit_events(bytes, src, diags, out); break;
    case 3: (void)msw::normalize::sudoers_events(bytes, src, diags, out); break;
    case 4: (void)msw::normalize::redis_conf_events(bytes, src, diags, out); break;
    default: msw::normalize::keyed_table_events(bytes, src, "file_info", "ModifiedUnix", diags, out); break;
  }
  return 0;
}
