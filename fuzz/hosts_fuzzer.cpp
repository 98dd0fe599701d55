#include <cstddef>
#include <cstdint>

#include "formats/hosts/hosts_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  auto file = msw::formats::hosts::parse(bytes, "fuzz", diags);
  if (file) {
    // Touch every range the parser produced: each must lie inside the decoded text.
    size_t total = 0;
    for (const auto& e : file->entries()) {
      total += file->text(e.raw_line).size() + file->text(e.address).size() + file->text(e.comment).size();
      for (const auto& n : file->names(e)) total += file->text(n).size();
    }
    (void)total;
  }
  (void)msw::formats::hosts::looks_like_hosts(bytes);
  return 0;
}
