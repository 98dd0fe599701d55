#include <cstddef>
#include <cstdint>

#include "formats/pcap/pcap.h"

// A capture file handed over as evidence (or written by the worm's own tooling): the pcap and pcapng readers and
// every decoder from the link layer to TCP/UDP, on every packet read.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  (void)msw::formats::pcap::read_capture(bytes, "fuzz.pcap", diags, [](const msw::formats::pcap::Packet& p) {
    (void)msw::formats::pcap::decode(p.link_type, p.data);
    return true;
  });
  // The same bytes as a bare frame of every link type the decoder knows.
  for (uint32_t link : {0u, 1u, 101u, 108u, 113u, 228u, 229u, 276u}) (void)msw::formats::pcap::decode(link, bytes);
  return 0;
}
