#include <cstddef>
#include <cstdint>

#include "formats/pcap/app_protocols.h"
#include "formats/pcap/mining_rpc.h"
#include "formats/pcap/pcap.h"

// A capture file handed over as evidence (or written by the worm's own tooling): the pcap and pcapng readers, every
// decoder from the link layer to TCP/UDP on every packet read, and the application parsers (DNS, TLS, HTTP, mining
// JSON-RPC) on the raw bytes.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  (void)msw::formats::pcap::read_capture(bytes, "fuzz.pcap", diags, [](const msw::formats::pcap::Packet& p) {
    (void)msw::formats::pcap::decode(p.link_type, p.data);
    return true;
  });
  // The same bytes as one payload for every application parser, and as a bare frame of every link type.
  namespace pcap = msw::formats::pcap;
  (void)pcap::parse_dns(bytes);
  (void)pcap::parse_tls_client_hello(bytes);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)pcap::parse_http_request(text);
  (void)pcap::http_response_body_kind(text);
  (void)pcap::parse_mining_rpc(text);
  for (uint32_t link : {0u, 1u, 101u, 108u, 113u, 228u, 229u, 276u}) (void)msw::formats::pcap::decode(link, bytes);
  return 0;
}
