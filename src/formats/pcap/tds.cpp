#include "formats/pcap/tds.h"

#include <algorithm>

#include "core/text.h"

namespace msw::formats::pcap {
namespace {

using wire::le16;
using wire::le32;

constexpr uint8_t kTabularResult = 0x04, kLogin7 = 0x10, kPrelogin = 0x12;
constexpr uint8_t kTokenError = 0xAA, kTokenInfo = 0xAB, kTokenLoginAck = 0xAD, kTokenEnvChange = 0xE3,
                  kTokenFeatureExtAck = 0xAE, kTokenDone = 0xFD;
constexpr uint32_t kLoginFailed = 18456;

bool tls_record(Bytes h) {
  const auto type = static_cast<uint8_t>(h[0]);
  return type >= 0x14 && type <= 0x17 && static_cast<uint8_t>(h[1]) == 3;
}

std::string utf16(Bytes b) { return utf16le_to_utf8(b).utf8; }

}  // namespace

bool TdsSession::feed(bool from_client, const TcpStream::Chunk& c, uint64_t packet_index, int64_t time_ns) {
  auto length_of = [](Bytes h) -> uint64_t {
    if (tls_record(h)) return 5 + ((static_cast<uint64_t>(static_cast<uint8_t>(h[3])) << 8) | static_cast<uint8_t>(h[4]));
    const auto type = static_cast<uint8_t>(h[0]);
    if (type == 0 || type > 0x12) return 0;
    return (static_cast<uint64_t>(static_cast<uint8_t>(h[2])) << 8) | static_cast<uint8_t>(h[3]);
  };
  return framer_[from_client ? 0 : 1].feed(c, 8, length_of,
                                           [&](Bytes p, bool) { packet(from_client, p, packet_index, time_ns); });
}

void TdsSession::packet(bool from_client, Bytes p, uint64_t packet_index, int64_t time_ns) {
  if (p.size() < 8) return;
  if (tls_record(p)) {
    facts_.encrypted_login = true;
    if (from_client && static_cast<uint8_t>(p[0]) == 0x17) login_sent_ = true;  // the encrypted LOGIN7
    return;
  }
  const auto type = static_cast<uint8_t>(p[0]);
  const Bytes body = p.subspan(8);
  if (from_client && type == kLogin7) login7(body);
  else if (from_client && type == kPrelogin && body.size() >= 5 && tls_record(body)) facts_.encrypted_login = true;
  else if (!from_client && type == kTabularResult && login_sent_) response(body, packet_index, time_ns);
}

void TdsSession::login7(Bytes b) {
  login_sent_ = true;
  last_user_.clear();
  if (b.size() < 56) return;
  // Offsets and lengths (in UTF-16 code units) of the variable part, relative to the LOGIN7 body.
  auto field = [&](size_t at) -> std::string {
    const size_t off = le16(b, at), len = static_cast<size_t>(le16(b, at + 2)) * 2;
    if (off > b.size() || len > b.size() - off) return {};
    return utf16(b.subspan(off, len));
  };
  facts_.client_host = field(36);
  last_user_ = field(40);
  facts_.client_app = field(48);
}

void TdsSession::response(Bytes b, uint64_t packet_index, int64_t time_ns) {
  size_t at = 0;
  for (int n = 0; n < kMaxTdsTokens && at < b.size(); ++n) {
    const auto token = static_cast<uint8_t>(b[at]);
    if (token == kTokenDone) return;
    if (token == kTokenFeatureExtAck) return;  // after LOGINACK; nothing more needed
    if (token != kTokenError && token != kTokenInfo && token != kTokenLoginAck && token != kTokenEnvChange) return;
    if (b.size() - at < 3) return;
    const size_t len = le16(b, at + 1);
    if (len > b.size() - at - 3) return;
    const Bytes t = b.subspan(at + 3, len);
    if (token == kTokenLoginAck) {
      if (facts_.logins.size() < kMaxTdsLoginsKept) facts_.logins.push_back({last_user_, 0, "", packet_index, time_ns});
      ++facts_.login_successes;
      login_sent_ = false;
      return;
    }
    if (token == kTokenError && t.size() >= 8) {
      const uint32_t number = le32(t, 0);
      const size_t chars = le16(t, 6);
      std::string text = chars * 2 <= t.size() - 8 ? utf16(t.subspan(8, chars * 2)) : std::string();
      std::string user = last_user_;
      // "Login failed for user 'sa'." names the user even when LOGIN7 was encrypted.
      if (const size_t q = text.find("user '"); user.empty() && q != std::string::npos) {
        const size_t end = text.find('\'', q + 6);
        if (end != std::string::npos) user = text.substr(q + 6, std::min<size_t>(end - q - 6, 128));
      }
      if (number == kLoginFailed || (number >= 18450 && number <= 18499)) {  // the login-failure family
        if (facts_.logins.size() < kMaxTdsLoginsKept)
          facts_.logins.push_back({user, number, text.substr(0, 256), packet_index, time_ns});
        ++facts_.login_failures;
        login_sent_ = false;
      }
    }
    at += 3 + len;
  }
}

}  // namespace msw::formats::pcap
