#include <cstddef>
#include <cstdint>

#include "core/lz4.h"
#include "formats/mbr/mbr.h"
#include "formats/registry.h"

// Format identification from a file's first bytes, and, when they look like a master boot record, the boot-sector
// reader (loader strings, partition table, the gap before the first partition); and the LZ4 frame decoder.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const msw::Bytes bytes{reinterpret_cast<const std::byte*>(data), size};
  if (msw::formats::sniff(bytes) == msw::formats::FileFormat::Mbr) (void)msw::formats::mbr::parse(bytes);
  (void)msw::lz4_decompress(bytes, 1u << 20);  // apt's compressed package lists
  return 0;
}
