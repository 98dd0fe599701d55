// SMB on the wire (MS-CIFS / MS-SMB for SMB1, MS-SMB2 for SMB 2 and 3), read from the reassembled TCP stream of a
// port 445/139 connection: what a responder needs to see a worm spread and guess passwords.
//   - the dialect the server agreed to (SMB1 at all is worth a finding on a modern network);
//   - session setups: the account (NTLMSSP AUTHENTICATE, or SMB1's plain account field) and the server's answer
//     (STATUS_LOGON_FAILURE, STATUS_PASSWORD_EXPIRED, success) — the brute force of the WannaMine write-up;
//   - EternalBlue (MS17-010) traits: an NT Trans request announcing more data than a Trans2 can carry, continued by
//     Trans2 SECONDARY requests (the type confusion the exploit uses); the vulnerability check worms run first
//     (PeekNamedPipe on FID 0 answered with STATUS_INSUFF_SERVER_RESOURCES); DoublePulsar's ping, a Trans2
//     SESSION_SETUP, answered with STATUS_NOT_IMPLEMENTED and a multiplex id raised by 16 when the implant is there.
// Every message is attacker-made: offsets and lengths inside it are checked against its bytes, compound SMB2 chains
// are followed at most kMaxCompound times, and every list the session keeps is capped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "formats/pcap/dcerpc.h"
#include "formats/pcap/framing.h"
#include "formats/pcap/reassembly.h"

namespace msw::formats::pcap {

inline constexpr int kMaxCompound = 16;
inline constexpr size_t kMaxSmbLoginsKept = 256;  // attempts listed per connection (all are counted)
inline constexpr size_t kMaxSmbTrees = 64;        // tree connects followed per connection
inline constexpr size_t kMaxSmbFiles = 256;       // opened files followed per connection
inline constexpr size_t kMaxSmbWritesKept = 64;   // files written on administrative shares, listed per connection

namespace ntstatus {
inline constexpr uint32_t kSuccess = 0;
inline constexpr uint32_t kNotImplemented = 0xC0000002;
inline constexpr uint32_t kMoreProcessingRequired = 0xC0000016;
inline constexpr uint32_t kLogonFailure = 0xC000006D;
inline constexpr uint32_t kAccountRestriction = 0xC000006E;
inline constexpr uint32_t kPasswordExpired = 0xC0000071;
inline constexpr uint32_t kAccountDisabled = 0xC0000072;
inline constexpr uint32_t kInsuffServerResources = 0xC0000205;
inline constexpr uint32_t kPasswordMustChange = 0xC0000224;
inline constexpr uint32_t kAccountLockedOut = 0xC0000234;
}  // namespace ntstatus

// "STATUS_LOGON_FAILURE" for the statuses above, "0xC000...." for others.
std::string ntstatus_name(uint32_t status);

struct SmbLogin {
  std::string account;  // DOMAIN\user, or user; "" for an anonymous (null) session
  uint32_t status = 0;  // the server's final answer
  uint64_t packet = 0;  // 0-based packet index of the answer
  int64_t time_ns = 0;
};

// A file written on an administrative share (ADMIN$, C$ and the other drive shares): how PsExec-style tools and
// worms put their program on the next host.
struct SmbFileWrite {
  std::string share;        // the tree's path as the client gave it: \\10.0.0.5\ADMIN$
  std::string name;         // the file's path inside the share
  uint64_t bytes = 0;       // the lengths of every write to it
  bool executable = false;  // the write at offset 0 began with "MZ"
  uint64_t packet = 0;      // the first write
  int64_t time_ns = 0;
};

struct SmbFacts {
  std::string dialect;             // negotiated: "NT LM 0.12" (SMB1), "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"
  bool smb1 = false;               // the server answered in SMB1
  bool encrypted = false;          // SMB3 transform headers seen (content not readable)
  std::vector<SmbLogin> logins;    // first kMaxSmbLoginsKept final answers
  uint64_t login_failures = 0, login_successes = 0;
  uint64_t messages = 0;
  // MS17-010 / EternalBlue / DoublePulsar.
  uint32_t nt_trans_max_total_data = 0;  // the largest TotalDataCount of an NT Trans request
  uint64_t trans2_secondary = 0;         // Trans2 SECONDARY requests
  uint64_t eternalblue_packet = 0;       // the first Trans2 SECONDARY after an oversized NT Trans
  bool eternalblue = false;
  bool ms17_010_probe = false;           // PeekNamedPipe on FID 0 was sent
  bool ms17_010_vulnerable = false;      // ...and answered STATUS_INSUFF_SERVER_RESOURCES
  bool doublepulsar_ping = false;        // Trans2 SESSION_SETUP request
  bool doublepulsar_reply = false;       // answered STATUS_NOT_IMPLEMENTED with multiplex id + 16
  uint64_t doublepulsar_packet = 0;
  // EternalRomance / EternalSynergy: a WRITE_ANDX request inside a transaction still waiting for its data (same
  // PID, MID, TID and UID), which no client does (Microsoft's analysis of EternalSynergy, July 2017).
  bool eternalromance = false;
  uint64_t eternalromance_packet = 0;
  // EternalChampion: an NT_TRANSACT_RENAME request followed by an NT_TRANSACT_SECONDARY in the same packet.
  bool eternalchampion = false;
  uint64_t eternalchampion_packet = 0;
  // What the client did with the session (SMB 2 and 3): trees, files written on administrative shares, and the
  // RPC it spoke through named pipes (svcctl, atsvc, ...).
  std::vector<std::string> shares;  // tree paths connected, first kMaxSmbTrees
  std::vector<SmbFileWrite> admin_writes;
  std::vector<std::string> pipes;  // pipe names opened on IPC$
  std::vector<RpcCall> rpc_calls;  // remote-execution calls through those pipes, first kMaxRpcCallsKept
};

// Both directions of one SMB connection. Feed each direction's stream chunks; facts accumulate.
class SmbSession {
 public:
  // Returns false once the direction cannot be read as SMB (not SMB, or desynchronised by a hole).
  bool feed(bool from_client, const TcpStream::Chunk& c, uint64_t packet, int64_t time_ns);
  const SmbFacts& facts() const { return facts_; }

  // One SMB message without its 4-byte session header; public for the fuzzer and tests.
  void message(bool from_client, Bytes m, uint64_t packet, int64_t time_ns);

 private:
  void smb1(bool from_client, Bytes m, uint64_t packet, int64_t time_ns);
  void smb2(bool from_client, Bytes m, uint64_t packet, int64_t time_ns);
  void smb2_files(uint16_t command, bool reply, Bytes m, uint64_t packet, int64_t time_ns);
  void answered(const std::string& account, uint32_t status, uint64_t packet, int64_t time_ns);

  struct Tree {
    uint32_t id = 0;
    std::string path;
    bool ipc = false, admin = false;
  };
  struct File {
    std::string id;          // the 16-byte FileId
    size_t tree = SIZE_MAX;  // index in trees_
    std::string name;
    size_t write = SIZE_MAX;               // index in facts_.admin_writes, once written
    std::unique_ptr<RpcClientStream> rpc;  // a pipe's RPC
    size_t calls_copied = 0;               // of its calls, those already in facts_.rpc_calls
  };
  size_t tree_index(uint32_t id) const;
  File* file(Bytes id);

  SmbFacts facts_;
  MessageFramer framer_[2];
  std::vector<std::string> smb1_dialects_;         // the client's offer, to name the server's pick
  std::vector<std::pair<uint64_t, std::string>> pending_accounts_;  // message id -> account of a session setup
  std::vector<uint16_t> doublepulsar_mids_;        // multiplex ids of Trans2 SESSION_SETUP requests
  std::vector<uint16_t> peek_mids_;                // multiplex ids of PeekNamedPipe(FID 0) requests
  std::vector<uint64_t> open_transactions_;        // (pid, mid, tid, uid) of SMB1 transactions awaiting data
  uint64_t nt_rename_packet_ = UINT64_MAX;         // the packet of the last NT_TRANSACT_RENAME request
  bool saw_oversized_nt_trans_ = false;
  std::vector<std::pair<uint64_t, std::string>> pending_trees_;  // message id -> path of a tree connect
  std::vector<std::pair<uint64_t, std::pair<uint32_t, std::string>>> pending_creates_;  // message id -> tree, name
  std::vector<Tree> trees_;
  std::vector<File> files_;
};

// The account named in an NTLMSSP AUTHENTICATE message found inside a security blob (SPNEGO or raw);
// nullopt when the blob holds no AUTHENTICATE message. "" for an anonymous one.
std::optional<std::string> ntlm_authenticate_account(Bytes blob);

}  // namespace msw::formats::pcap
