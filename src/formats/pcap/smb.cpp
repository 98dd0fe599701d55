#include "formats/pcap/smb.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "core/text.h"

namespace msw::formats::pcap {
namespace {

using wire::le16;
using wire::le32;
using wire::le64;

constexpr uint8_t kSmb1Negotiate = 0x72, kSmb1SessionSetup = 0x73, kSmb1Trans = 0x25, kSmb1TransSecondary = 0x26,
                  kSmb1Trans2 = 0x32, kSmb1Trans2Secondary = 0x33, kSmb1NtTrans = 0xA0, kSmb1NtTransSecondary = 0xA1,
                  kSmb1WriteAndX = 0x2F;
constexpr uint16_t kNtTransactRename = 0x0005;
constexpr uint16_t kTrans2SessionSetup = 0x000E, kTransPeekNamedPipe = 0x0023;
constexpr uint16_t kSmb2Negotiate = 0, kSmb2SessionSetup = 1, kSmb2TreeConnect = 3, kSmb2Create = 5, kSmb2Write = 9,
                   kSmb2Ioctl = 11;
constexpr uint32_t kFsctlPipeTransceive = 0x0011C017;
constexpr size_t kMaxPending = 64;  // outstanding session setups / pings remembered per connection

std::string utf16(Bytes b) { return utf16le_to_utf8(b).utf8; }

// A field of an NTLMSSP message: length, max length, offset from the message start.
std::optional<Bytes> ntlm_field(Bytes msg, size_t at) {
  if (msg.size() < at + 8) return std::nullopt;
  const uint16_t len = le16(msg, at);
  const uint32_t off = le32(msg, at + 4);
  if (off > msg.size() || len > msg.size() - off) return std::nullopt;
  return msg.subspan(off, len);
}

template <typename T>
void remember(std::vector<T>& v, T x) {
  if (v.size() >= kMaxPending) v.erase(v.begin());
  v.push_back(std::move(x));
}

std::string smb2_dialect(uint16_t d) {
  switch (d) {
    case 0x0202: return "2.0.2";
    case 0x0210: return "2.1";
    case 0x0300: return "3.0";
    case 0x0302: return "3.0.2";
    case 0x0311: return "3.1.1";
    case 0x02FF: return "2.???";  // the wildcard answer to an SMB1 negotiate offering SMB 2
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%04x", d);
      return buf;
    }
  }
}

}  // namespace

std::string ntstatus_name(uint32_t status) {
  switch (status) {
    case ntstatus::kSuccess: return "STATUS_SUCCESS";
    case ntstatus::kNotImplemented: return "STATUS_NOT_IMPLEMENTED";
    case ntstatus::kMoreProcessingRequired: return "STATUS_MORE_PROCESSING_REQUIRED";
    case ntstatus::kLogonFailure: return "STATUS_LOGON_FAILURE";
    case ntstatus::kAccountRestriction: return "STATUS_ACCOUNT_RESTRICTION";
    case ntstatus::kPasswordExpired: return "STATUS_PASSWORD_EXPIRED";
    case ntstatus::kAccountDisabled: return "STATUS_ACCOUNT_DISABLED";
    case ntstatus::kInsuffServerResources: return "STATUS_INSUFF_SERVER_RESOURCES";
    case ntstatus::kPasswordMustChange: return "STATUS_PASSWORD_MUST_CHANGE";
    case ntstatus::kAccountLockedOut: return "STATUS_ACCOUNT_LOCKED_OUT";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%08X", status);
      return buf;
    }
  }
}

std::optional<std::string> ntlm_authenticate_account(Bytes blob) {
  static constexpr std::string_view kSig{"NTLMSSP\0", 8};
  const std::string_view text = as_chars(blob);
  for (size_t at = text.find(kSig); at != std::string_view::npos; at = text.find(kSig, at + 1)) {
    const Bytes msg = blob.subspan(at);
    if (msg.size() < 64 || le32(msg, 8) != 3) continue;  // 3: AUTHENTICATE
    const uint32_t flags = le32(msg, 60);
    const bool unicode = (flags & 1) != 0;
    auto domain = ntlm_field(msg, 28);
    auto user = ntlm_field(msg, 36);
    if (!domain || !user) continue;
    auto text_of = [&](Bytes b) { return unicode ? utf16(b) : std::string(as_chars(b)); };
    const std::string u = text_of(*user), d = text_of(*domain);
    if (u.empty()) return std::string();
    return d.empty() ? u : d + "\\" + u;
  }
  return std::nullopt;
}

bool SmbSession::feed(bool from_client, const TcpStream::Chunk& c, uint64_t packet, int64_t time_ns) {
  auto length_of = [](Bytes h) -> uint64_t {
    const auto type = static_cast<uint8_t>(h[0]);
    if (type != 0x00 && (type < 0x81 || type > 0x85)) return 0;  // session message, or a NetBIOS control message
    return 4 + ((static_cast<uint64_t>(static_cast<uint8_t>(h[1])) << 16) | (static_cast<uint8_t>(h[2]) << 8) |
                static_cast<uint8_t>(h[3]));
  };
  return framer_[from_client ? 0 : 1].feed(c, 4, length_of, [&](Bytes m, bool) {
    if (m[0] == std::byte{0}) message(from_client, m.subspan(4), packet, time_ns);
  });
}

void SmbSession::message(bool from_client, Bytes m, uint64_t packet, int64_t time_ns) {
  if (m.size() < 4) return;
  const std::string_view magic = as_chars(m.first(4));
  ++facts_.messages;
  if (magic == "\xffSMB") smb1(from_client, m, packet, time_ns);
  else if (magic == "\xfeSMB") smb2(from_client, m, packet, time_ns);
  else if (magic == "\xfdSMB") facts_.encrypted = true;
}

void SmbSession::answered(const std::string& account, uint32_t status, uint64_t packet, int64_t time_ns) {
  if (!account.empty()) {
    if (status == ntstatus::kSuccess) ++facts_.login_successes;
    else ++facts_.login_failures;
  }
  if (facts_.logins.size() < kMaxSmbLoginsKept) facts_.logins.push_back({account, status, packet, time_ns});
}

void SmbSession::smb1(bool from_client, Bytes m, uint64_t packet, int64_t time_ns) {
  if (m.size() < 35) return;
  const auto command = static_cast<uint8_t>(m[4]);
  const uint32_t status = le32(m, 5);
  const bool reply = (static_cast<uint8_t>(m[9]) & 0x80) != 0 || !from_client;
  const bool unicode = (le16(m, 10) & 0x8000) != 0;
  const uint16_t mid = le16(m, 30);
  const size_t wc = static_cast<uint8_t>(m[32]);
  const size_t words_at = 33;
  if (m.size() < words_at + 2 * wc + 2) return;
  const Bytes words = m.subspan(words_at, 2 * wc);
  const size_t bytes_at = words_at + 2 * wc + 2;
  const Bytes data = m.subspan(bytes_at, std::min<size_t>(le16(m, words_at + 2 * wc), m.size() - bytes_at));
  auto word = [&](size_t i) -> uint16_t { return 2 * i + 2 <= words.size() ? le16(words, 2 * i) : 0; };

  // Transactions by (PID, MID, TID, UID): the identity MS-CIFS gives every message of one transaction.
  const uint64_t key = (static_cast<uint64_t>(le16(m, 12)) << 48) | (static_cast<uint64_t>(le16(m, 26)) << 32) |
                       (static_cast<uint64_t>(mid) << 16) | (static_cast<uint64_t>(le16(m, 24)) ^ le16(m, 28));
  if (!reply) {
    bool awaiting = false;  // a primary transaction request announcing more than it carries
    if ((command == kSmb1Trans || command == kSmb1Trans2) && wc >= 12)
      awaiting = word(0) > word(9) || word(1) > word(11);
    else if (command == kSmb1NtTrans && words.size() >= 35)
      awaiting = le32(words, 3) > le32(words, 19) || le32(words, 7) > le32(words, 27);
    if (awaiting && std::find(open_transactions_.begin(), open_transactions_.end(), key) == open_transactions_.end())
      remember(open_transactions_, key);
    if (command == kSmb1WriteAndX && !facts_.eternalromance &&
        std::find(open_transactions_.begin(), open_transactions_.end(), key) != open_transactions_.end()) {
      facts_.eternalromance = true;
      facts_.eternalromance_packet = packet;
    }
    if (command == kSmb1NtTrans && words.size() >= 38 && le16(words, 36) == kNtTransactRename)
      nt_rename_packet_ = packet;
    if (command == kSmb1NtTransSecondary && packet == nt_rename_packet_ && !facts_.eternalchampion) {
      facts_.eternalchampion = true;
      facts_.eternalchampion_packet = packet;
    }
  } else if (command == kSmb1Trans || command == kSmb1Trans2 || command == kSmb1NtTrans ||
             command == kSmb1TransSecondary || command == kSmb1WriteAndX) {
    // The server's answer ends the transaction (an interim answer to a primary request says "send the rest": the
    // transaction stays open only while the client has data to send, which the secondaries carry).
    if (status != 0 || wc > 0)
      open_transactions_.erase(std::remove(open_transactions_.begin(), open_transactions_.end(), key),
                               open_transactions_.end());
  }
  switch (command) {
    case kSmb1Negotiate:
      if (!reply) {
        smb1_dialects_.clear();
        const std::string_view t = as_chars(data);
        for (size_t at = 0; at < t.size() && smb1_dialects_.size() < 32;) {
          if (t[at] != '\x02') break;
          const size_t end = t.find('\0', at + 1);
          if (end == std::string_view::npos) break;
          smb1_dialects_.emplace_back(t.substr(at + 1, end - at - 1));
          at = end + 1;
        }
      } else if (wc >= 1) {
        const uint16_t index = word(0);
        if (index != 0xFFFF) {
          facts_.smb1 = true;
          facts_.dialect = index < smb1_dialects_.size() ? smb1_dialects_[index] : "SMB1";
        }
      }
      break;
    case kSmb1SessionSetup:
      if (!reply) {
        std::optional<std::string> account;
        if (wc == 12) {  // extended security: an SPNEGO/NTLMSSP blob
          const uint16_t blob_len = word(7);
          account = ntlm_authenticate_account(data.first(std::min<size_t>(blob_len, data.size())));
          if (!account && as_chars(data).find(std::string_view("NTLMSSP\0", 8)) == std::string_view::npos)
            account = "(kerberos)";
        } else if (wc == 13) {  // NT LM 0.12 without extended security: passwords, then the account in the clear
          const size_t skip = static_cast<size_t>(word(7)) + word(8);
          if (skip <= data.size()) {
            size_t at = bytes_at + skip;
            if (unicode) {
              if (at % 2) ++at;  // Unicode strings are aligned to 2 bytes from the header's start
              const Bytes rest = m.subspan(std::min(at, m.size()));
              size_t n = 0;
              while (n + 1 < rest.size() && (rest[n] != std::byte{0} || rest[n + 1] != std::byte{0})) n += 2;
              account = utf16(rest.first(n));
            } else {
              const std::string_view rest = as_chars(m.subspan(std::min(at, m.size())));
              account = std::string(rest.substr(0, rest.find('\0')));
            }
            // An empty account with no passwords is the null session.
          }
        }
        if (account) remember(pending_accounts_, {mid, *account});
      } else if (status != ntstatus::kMoreProcessingRequired) {
        for (auto it = pending_accounts_.begin(); it != pending_accounts_.end(); ++it)
          if (it->first == mid) {
            answered(it->second, status, packet, time_ns);
            pending_accounts_.erase(it);
            break;
          }
      }
      break;
    case kSmb1Trans:
      if (!reply && wc >= 16 && word(14) == kTransPeekNamedPipe && word(15) == 0) {
        facts_.ms17_010_probe = true;
        remember(peek_mids_, mid);
      } else if (reply && status == ntstatus::kInsuffServerResources &&
                 std::find(peek_mids_.begin(), peek_mids_.end(), mid) != peek_mids_.end()) {
        facts_.ms17_010_vulnerable = true;
      }
      break;
    case kSmb1Trans2:
      if (!reply && wc >= 15 && word(14) == kTrans2SessionSetup) {
        if (!facts_.doublepulsar_ping) facts_.doublepulsar_packet = packet;
        facts_.doublepulsar_ping = true;
        remember(doublepulsar_mids_, mid);
      } else if (reply && status == ntstatus::kNotImplemented) {
        for (uint16_t req : doublepulsar_mids_)
          if (static_cast<uint16_t>(req + 16) == mid) {
            facts_.doublepulsar_reply = true;
            facts_.doublepulsar_packet = packet;
          }
      }
      break;
    case kSmb1Trans2Secondary:
      if (!reply) {
        ++facts_.trans2_secondary;
        if (saw_oversized_nt_trans_ && !facts_.eternalblue) {
          facts_.eternalblue = true;
          facts_.eternalblue_packet = packet;
        }
      }
      break;
    case kSmb1NtTrans:
      if (!reply && words.size() >= 11) {
        // MaxSetupCount(1) Reserved(2) TotalParameterCount(4) TotalDataCount(4)
        const uint32_t total_data = le32(words, 7);
        facts_.nt_trans_max_total_data = std::max(facts_.nt_trans_max_total_data, total_data);
        // More than a Trans2's 16-bit total can hold: the size EternalBlue's FEA list needs.
        if (total_data > 0xFFFF) saw_oversized_nt_trans_ = true;
      }
      break;
    default: break;
  }
}

void SmbSession::smb2(bool from_client, Bytes m, uint64_t packet, int64_t time_ns) {
  for (int n = 0; n < kMaxCompound && m.size() >= 64; ++n) {
    const uint32_t status = le32(m, 8);
    const uint16_t command = le16(m, 12);
    const bool reply = (le32(m, 16) & 1) != 0;
    (void)from_client;
    const uint32_t next = le32(m, 20);
    const uint64_t id = le64(m, 24);
    const Bytes body = m.subspan(64);
    if (command == kSmb2Negotiate && reply && body.size() >= 6) {
      facts_.dialect = smb2_dialect(le16(body, 4));
      facts_.smb1 = false;
    } else if (command == kSmb2SessionSetup && !reply && body.size() >= 16) {
      const uint16_t off = le16(body, 12), len = le16(body, 14);
      if (off <= m.size() && len <= m.size() - off) {
        const Bytes blob = m.subspan(off, len);
        auto account = ntlm_authenticate_account(blob);
        if (!account && as_chars(blob).find(std::string_view("NTLMSSP\0", 8)) == std::string_view::npos)
          account = "(kerberos)";
        if (account) remember(pending_accounts_, {id, *account});
      }
    } else if (command == kSmb2SessionSetup && reply && status != ntstatus::kMoreProcessingRequired) {
      for (auto it = pending_accounts_.begin(); it != pending_accounts_.end(); ++it)
        if (it->first == id) {
          answered(it->second, status, packet, time_ns);
          pending_accounts_.erase(it);
          break;
        }
    }
    smb2_files(command, reply, m.first(next >= 64 && next < m.size() ? next : m.size()), packet, time_ns);
    if (next == 0 || next < 64 || next >= m.size()) break;
    m = m.subspan(next);
  }
}

size_t SmbSession::tree_index(uint32_t id) const {
  for (size_t i = 0; i < trees_.size(); ++i)
    if (trees_[i].id == id) return i;
  return SIZE_MAX;
}

SmbSession::File* SmbSession::file(Bytes id) {
  const std::string_view key = as_chars(id);
  for (auto& f : files_)
    if (f.id == key) return &f;
  return nullptr;
}

// Trees, files and what is written to them. Offsets in SMB2 bodies count from the message's header; `m` is this
// message of a compound chain (its header first), `body` what follows the 64-byte header.
void SmbSession::smb2_files(uint16_t command, bool reply, Bytes m, uint64_t packet, int64_t time_ns) {
  const Bytes body = m.subspan(64);
  const uint64_t id = le64(m, 24);
  const bool async = (le32(m, 16) & 2) != 0;
  const uint32_t tree_id = async ? 0 : le32(m, 36);
  const uint32_t status = le32(m, 8);
  auto region = [&](size_t offset, size_t length) -> std::optional<Bytes> {
    if (offset > m.size() || length > m.size() - offset) return std::nullopt;
    return m.subspan(offset, length);
  };
  switch (command) {
    case kSmb2TreeConnect:
      if (!reply && body.size() >= 8) {
        if (auto path = region(le16(body, 4), le16(body, 6))) remember(pending_trees_, {id, utf16(*path)});
      } else if (reply && status == ntstatus::kSuccess) {
        for (auto it = pending_trees_.begin(); it != pending_trees_.end(); ++it) {
          if (it->first != id) continue;
          const std::string path = it->second;
          pending_trees_.erase(it);
          if (trees_.size() >= kMaxSmbTrees || tree_id == 0) break;
          const std::string share = to_lower_ascii(
              path.substr(path.find_last_of('\\') == std::string::npos ? 0 : path.find_last_of('\\') + 1));
          const bool drive = share.size() == 2 && share[1] == '$' && share[0] >= 'a' && share[0] <= 'z';
          trees_.push_back({tree_id, path, share == "ipc$", share == "admin$" || drive});
          if (facts_.shares.size() < kMaxSmbTrees) facts_.shares.push_back(path);
          break;
        }
      }
      break;
    case kSmb2Create:
      if (!reply && body.size() >= 48) {
        if (auto name = region(le16(body, 44), le16(body, 46)))
          remember(pending_creates_, {id, {tree_id, utf16(*name)}});
      } else if (reply && status == ntstatus::kSuccess && body.size() >= 80) {
        for (auto it = pending_creates_.begin(); it != pending_creates_.end(); ++it) {
          if (it->first != id) continue;
          const auto [tid, name] = it->second;
          pending_creates_.erase(it);
          const size_t t = tree_index(tid);
          if (t == SIZE_MAX || (!trees_[t].ipc && !trees_[t].admin) || files_.size() >= kMaxSmbFiles) break;
          File f;
          f.id = std::string(as_chars(body.subspan(64, 16)));
          f.tree = t;
          f.name = name;
          if (trees_[t].ipc) {
            f.rpc = std::make_unique<RpcClientStream>();
            if (facts_.pipes.size() < kMaxSmbTrees) facts_.pipes.push_back(name);
          }
          files_.push_back(std::move(f));
          break;
        }
      }
      break;
    case kSmb2Write:
    case kSmb2Ioctl: {
      if (reply) break;
      Bytes data;
      File* f = nullptr;
      uint64_t length = 0, offset = 0;
      if (command == kSmb2Write && body.size() >= 48) {
        length = le32(body, 4);
        offset = le64(body, 8);
        f = file(body.subspan(16, 16));
        // The message may be cut (framing keeps its first 16 KiB): read what is here.
        const size_t at = le16(body, 2);
        if (at <= m.size()) data = m.subspan(at, std::min<size_t>(length, m.size() - at));
      } else if (command == kSmb2Ioctl && body.size() >= 56 && le32(body, 4) == kFsctlPipeTransceive) {
        f = file(body.subspan(8, 16));
        if (auto in = region(le32(body, 24), le32(body, 28))) data = *in;
      }
      if (!f) break;
      if (f->rpc) {
        f->rpc->feed(data, packet, time_ns);
        for (; f->calls_copied < f->rpc->calls().size(); ++f->calls_copied)
          if (facts_.rpc_calls.size() < kMaxRpcCallsKept) facts_.rpc_calls.push_back(f->rpc->calls()[f->calls_copied]);
      } else if (command == kSmb2Write) {
        if (f->write == SIZE_MAX) {
          if (facts_.admin_writes.size() >= kMaxSmbWritesKept) break;
          f->write = facts_.admin_writes.size();
          facts_.admin_writes.push_back({trees_[f->tree].path, f->name, 0, false, packet, time_ns});
        }
        SmbFileWrite& w = facts_.admin_writes[f->write];
        w.bytes += length;
        if (offset == 0 && data.size() >= 2 && data[0] == std::byte{'M'} && data[1] == std::byte{'Z'})
          w.executable = true;
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace msw::formats::pcap
