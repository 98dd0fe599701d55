#include <cstddef>
#include <cstdint>

#include "formats/pcap/app_protocols.h"
#include "formats/pcap/dcerpc.h"
#include "formats/pcap/mining_rpc.h"
#include "formats/pcap/pcap.h"
#include "formats/pcap/smb.h"
#include "formats/pcap/tds.h"
#include "normalize/pcap_flows.h"

// A capture file handed over as evidence (or written by the worm's own tooling): the pcap and pcapng readers, the
// whole flow pipeline (decoders, IP fragment and TCP stream reassembly, SMB and TDS sessions, application parsers)
// on the packets read, and every parser on the raw bytes: as one payload, as a bare frame of every link type, and as
// a stream of SMB and TDS messages in either direction, and as DCE/RPC (a stream of PDUs, one PDU, a stub).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pcap = msw::formats::pcap;
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  (void)msw::normalize::capture_flows(bytes, "fuzz.pcap", diags, {}, 1);
  (void)pcap::parse_dns(bytes);
  (void)pcap::parse_tls_client_hello(bytes);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)pcap::parse_http_request(text);
  (void)pcap::http_response_body_kind(text);
  (void)pcap::parse_mining_rpc(text);
  for (uint32_t link : {0u, 1u, 101u, 108u, 113u, 228u, 229u, 276u}) (void)pcap::decode(link, bytes);
  (void)pcap::ntlm_authenticate_account(bytes);
  {
    pcap::RpcClientStream rpc;
    rpc.feed(bytes.first(size / 3), 0, 0);
    rpc.feed(bytes.subspan(size / 3), 1, 0);
    pcap::RpcClientStream one;
    one.pdu(bytes, 0, 0);
    (void)pcap::rpc_stub_strings(bytes);
    (void)pcap::looks_like_rpc_bind(bytes);
  }
  for (bool client : {true, false}) {
    pcap::SmbSession smb;
    pcap::TdsSession tds;
    // Whole, then cut in two, as a stream would deliver it.
    const size_t cut = size / 2;
    smb.feed(client, {bytes.first(cut), 0}, 0, 0);
    smb.feed(client, {bytes.subspan(cut), 0}, 1, 0);
    smb.message(client, bytes, 2, 0);
    tds.feed(client, {bytes, 0}, 0, 0);
    tds.packet(client, bytes, 1, 0);
  }
  return 0;
}
