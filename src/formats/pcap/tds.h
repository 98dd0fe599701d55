// SQL Server's TDS protocol (MS-TDS) on the wire: the LOGIN7 request (user, client host, application) and the
// server's answer — a LOGINACK token, or an ERROR token such as 18456 "Login failed for user 'sa'". MyKings
// brute-forced `sa` this way. Modern clients encrypt only the LOGIN7 packet (TLS inside PRELOGIN packets, then raw
// TLS records); the server's answer stays in the clear, and its message names the user, so failures are counted
// either way. TLS records are passed over by their lengths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "formats/pcap/framing.h"
#include "formats/pcap/reassembly.h"

namespace msw::formats::pcap {

inline constexpr size_t kMaxTdsLoginsKept = 256;
inline constexpr int kMaxTdsTokens = 64;  // tokens read from one response

struct TdsLogin {
  std::string user;      // from LOGIN7, or from the error message when LOGIN7 was encrypted
  uint32_t error = 0;    // 0 for success (LOGINACK), else the error number (18456, 18470, ...)
  std::string message;   // the error text
  uint64_t packet = 0;
  int64_t time_ns = 0;
};

struct TdsFacts {
  std::string client_host, client_app;  // from the last clear LOGIN7
  bool encrypted_login = false;         // TLS seen on the connection
  std::vector<TdsLogin> logins;         // first kMaxTdsLoginsKept answers
  uint64_t login_failures = 0, login_successes = 0;
};

class TdsSession {
 public:
  // Returns false once the direction cannot be read as TDS.
  bool feed(bool from_client, const TcpStream::Chunk& c, uint64_t packet, int64_t time_ns);
  const TdsFacts& facts() const { return facts_; }

  // One TDS packet with its 8-byte header, or one TLS record; public for the fuzzer and tests.
  void packet(bool from_client, Bytes p, uint64_t packet, int64_t time_ns);

 private:
  void login7(Bytes body);
  void response(Bytes body, uint64_t packet, int64_t time_ns);

  TdsFacts facts_;
  MessageFramer framer_[2];
  std::string last_user_;
  bool login_sent_ = false;
};

}  // namespace msw::formats::pcap
