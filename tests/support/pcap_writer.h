// Writes packet captures for tests: Ethernet + IPv4 + TCP/UDP frames with real sequence numbers, TCP conversations
// (handshake, data cut into segments, close), IP fragments, and the protocol messages no public capture has in the
// needed shape — SMB1/SMB2 negotiate and NTLM session setups with their answers, EternalBlue's NT Trans + Trans2
// SECONDARY sequence, DoublePulsar's ping, TDS LOGIN7 and 18456 answers. Lets tests build the scenarios of the
// write-ups (an SMB brute force that ends in success, a TDS burst, a 445 scan) byte by byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace msw::test {

class CaptureWriter {
 public:
  explicit CaptureWriter(int64_t start_ns = 1'700'000'000'000'000'000) : now_ns_(start_ns) {}
  // Adds one Ethernet frame; time advances by `advance_ns` before it.
  void frame(std::string bytes, int64_t advance_ns = 1'000'000);
  // A classic little-endian pcap (nanosecond or microsecond stamps), or a pcapng with one Ethernet interface
  // (nanosecond resolution) and an unknown custom block before the packets, which readers must pass over.
  std::string pcap(bool nanoseconds = true) const;
  std::string pcapng() const;
  size_t frames() const { return frames_.size(); }

 private:
  struct Frame {
    int64_t ns;
    std::string bytes;
  };
  std::vector<Frame> frames_;
  int64_t now_ns_;
};

// Ethernet + IPv4 header around a transport segment. `fragment`: offset in bytes (multiple of 8) and MF flag.
std::string ipv4_frame(std::string_view src, std::string_view dst, uint8_t protocol, std::string_view l4,
                       uint16_t id = 1, uint16_t fragment_offset = 0, bool more_fragments = false);
std::string tcp_segment(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                        std::string_view payload);
std::string udp_datagram(uint16_t sport, uint16_t dport, std::string_view payload);

// One TCP connection, sequence numbers kept per side.
class TcpConversation {
 public:
  TcpConversation(CaptureWriter& w, std::string client, uint16_t client_port, std::string server, uint16_t server_port);
  void handshake();
  void refused();  // SYN answered by RST
  void client(std::string_view payload, size_t segment = 1460);
  void server(std::string_view payload, size_t segment = 1460);
  // Sends the client's payload with its segments in reverse order (out-of-order arrival).
  void client_reordered(std::string_view payload, size_t segment);
  void close();

 private:
  void send(bool from_client, uint8_t flags, std::string_view payload);
  CaptureWriter& w_;
  std::string c_, s_;
  uint16_t cp_, sp_;
  uint32_t cseq_ = 1000, sseq_ = 5000;
};

// --- protocol messages (each with its 4-byte SMB session header, or its 8-byte TDS header) ---

std::string utf16le(std::string_view ascii);
std::string ntlm_authenticate(std::string_view domain, std::string_view user);
std::string ntlm_negotiate();

std::string smb2_negotiate_request();
std::string smb2_negotiate_response(uint16_t dialect);
std::string smb2_session_setup_request(uint64_t message_id, std::string_view blob);
std::string smb2_session_setup_response(uint64_t message_id, uint32_t status);

// A session's work after the logon: a tree connect for `path` (\\host\share) and the answer assigning `tree_id`
// (share type 1 disk, 2 pipe); a CREATE of `name` on a tree and the answer with the 16-byte `file_id`; a WRITE of
// `data` at `offset`; an IOCTL FSCTL_PIPE_TRANSCEIVE with `input` (how RPC goes through a pipe).
std::string smb2_tree_connect_request(uint64_t message_id, std::string_view path);
std::string smb2_tree_connect_response(uint64_t message_id, uint32_t tree_id, uint8_t share_type);
std::string smb2_create_request(uint64_t message_id, uint32_t tree_id, std::string_view name);
std::string smb2_create_response(uint64_t message_id, uint32_t tree_id, std::string_view file_id);
std::string smb2_write_request(uint64_t message_id, uint32_t tree_id, std::string_view file_id, uint64_t offset,
                               std::string_view data);
std::string smb2_ioctl_transceive_request(uint64_t message_id, uint32_t tree_id, std::string_view file_id,
                                          std::string_view input);

// DCE/RPC PDUs (little-endian, no authentication): a bind of (context id, interface UUID, major version) contexts
// with NDR as the transfer syntax, and a request on a context.
std::string dcerpc_bind(uint32_t call_id, const std::vector<std::tuple<uint16_t, std::string, uint16_t>>& contexts);
std::string dcerpc_request(uint32_t call_id, uint16_t context_id, uint16_t opnum, std::string_view stub);
// NDR: a [string] wchar_t* (conformant varying, terminator included, padded to 4), and a unique pointer to one.
std::string ndr_wstring(std::string_view ascii);
std::string ndr_unique_wstring(uint32_t referent, std::string_view ascii);
// The stubs of svcctl's RCreateServiceW (opnum 12) and RStartServiceW (opnum 19), ITaskSchedulerService's
// SchRpcRegisterTask (opnum 1).
std::string svcctl_create_service_stub(std::string_view name, std::string_view display, std::string_view binary_path);
std::string svcctl_start_service_stub();
std::string tsch_register_task_stub(std::string_view path, std::string_view xml);

std::string smb1_negotiate_request(const std::vector<std::string>& dialects);
std::string smb1_negotiate_response(uint16_t dialect_index);
std::string smb1_session_setup_request(uint16_t mid, std::string_view account);  // NT LM 0.12, no extended security
std::string smb1_session_setup_response(uint16_t mid, uint32_t status);
std::string smb1_nt_trans_request(uint16_t mid, uint32_t total_data);
std::string smb1_trans2_secondary_request(uint16_t mid);
std::string smb1_trans2_session_setup_request(uint16_t mid);  // DoublePulsar's ping
std::string smb1_trans2_response(uint16_t mid, uint32_t status);
// An SMB_COM_TRANSACTION on a named pipe announcing `total_data` bytes and carrying `data` of them; a WRITE_ANDX of
// `data` on FID 0x4000 (the same PID, TID and UID as every message these builders write).
std::string smb1_trans_request(uint16_t mid, uint16_t total_data, std::string_view data);
std::string smb1_write_andx_request(uint16_t mid, std::string_view data);
std::string smb1_peek_named_pipe_request(uint16_t mid);       // the MS17-010 check
std::string smb1_trans_response(uint16_t mid, uint32_t status);

std::string tds_prelogin();
std::string tds_login7(std::string_view user, std::string_view host, std::string_view app);
std::string tds_login_failed(std::string_view user);  // ERROR 18456 + DONE
std::string tds_login_ack();                          // LOGINACK + DONE

}  // namespace msw::test
