// Input: the bytes of one chunk (and whatever follows, as further chunks). A fixed, valid file header is put in
// front so the fuzzer spends its time in chunk, record and Binary XML parsing rather than on the file signature.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "formats/evtx/evtx.h"
#include "formats/evtx/evtx_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace msw::formats::evtx;
  std::string file(kFileHeaderSize, '\0');
  std::memcpy(file.data(), "ElfFile\0", 8);
  file[36] = 1;  // minor version
  file[38] = 3;  // major version
  file.append(reinterpret_cast<const char*>(data), size);
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(file.data()), file.size());
  msw::Diagnostics diags;
  auto info = read_file_info(bytes, "fuzz", diags);
  if (!info) return 0;
  ChunkParser parser(bytes, "fuzz");
  std::string xml;
  for (uint32_t c = 0; c < info->chunks_in_file && c < 4; ++c)
    parser.parse_chunk(c, /*recover_slack=*/true, diags, [&](const Record& r) {
      xml.clear();
      r.tree->to_xml(xml);
    });
  return 0;
}
