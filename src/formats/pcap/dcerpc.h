// DCE/RPC (connection-oriented, [C706] with Microsoft's [MS-RPCE]) as it crosses the wire to run something on another
// host: over a named pipe inside SMB (\PIPE\svcctl, \PIPE\atsvc) or straight over TCP (after the endpoint mapper).
// Reads the client's PDUs: binds and alter-contexts name the interface of each presentation context, requests carry
// the operation number and the stub. What remote execution tools call is named — the Service Control Manager's
// CreateService/StartService/ChangeServiceConfig (PsExec, smbexec, worms spreading over SMB), the Task Scheduler's
// NetrJobAdd and SchRpcRegisterTask, WMI's IWbemServices::ExecMethod — with the readable strings of the stub
// (service name, display name and binary path; a task's XML; a WMI method and its command line).
// Every PDU is attacker-made: fragment lengths, context counts and the stub are bounded, and what is kept is capped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace msw::formats::pcap {

inline constexpr size_t kMaxRpcPdu = 64 * 1024;     // a fragment longer than this is not followed
inline constexpr size_t kMaxRpcContexts = 32;       // presentation contexts remembered per connection
inline constexpr size_t kMaxRpcCallsKept = 64;      // remote-execution calls kept per connection
inline constexpr size_t kMaxRpcStrings = 12;        // strings kept per call
inline constexpr size_t kMaxRpcStringBytes = 2048;  // per string

struct RpcCall {
  std::string interface;  // "svcctl", "atsvc", "ITaskSchedulerService", "IWbemServices", or the UUID
  std::string operation;  // "CreateServiceW", "StartServiceW", "SchRpcRegisterTask", "ExecMethod", or "opnum N"
  uint16_t opnum = 0;
  std::vector<std::string> strings;  // the stub's readable strings, in order (UTF-16 and ASCII runs)
  uint64_t packet = 0;
  int64_t time_ns = 0;
};

// The interface a UUID names, when it is one of those above (or the endpoint mapper, DCOM's activator); "" else.
std::string_view rpc_interface_name(std::string_view uuid);
// True for the operations that run something or make something run: creating, changing or starting a service,
// registering a task, WMI's ExecMethod.
bool rpc_runs_code(const RpcCall& call);

// The client side of one RPC connection (a pipe or a TCP stream), fed in order. Requests on interfaces of interest
// are kept (at most kMaxRpcCallsKept); the rest is only counted.
class RpcClientStream {
 public:
  // Bytes the client sent, as they come (a pipe write or transceive, or TCP payload); false once the stream is not
  // DCE/RPC.
  bool feed(Bytes data, uint64_t packet, int64_t time_ns);
  // One PDU, as the SMB reader hands a pipe write over whole.
  void pdu(Bytes pdu, uint64_t packet, int64_t time_ns);
  const std::vector<RpcCall>& calls() const { return calls_; }
  uint64_t requests() const { return requests_; }
  // The interfaces bound on this connection, by name or UUID.
  const std::vector<std::string>& interfaces() const { return interfaces_; }

 private:
  std::string held_;  // a PDU split across writes or segments, up to kMaxRpcPdu
  bool failed_ = false;
  std::vector<std::pair<uint16_t, std::string>> contexts_;  // context id -> interface
  std::vector<std::string> interfaces_;
  std::vector<RpcCall> calls_;
  uint64_t requests_ = 0;
};

// True when `data` begins with a connection-oriented DCE/RPC bind (version 5.0, type 11): how a TCP stream to the
// endpoint mapper or a dynamic RPC port starts.
bool looks_like_rpc_bind(Bytes data);

// The readable strings of an RPC stub: UTF-16LE runs of at least 3 characters, at least half of them ASCII (two
// ASCII letters read as one unit would be a CJK character), and ASCII runs of at least 6, in order of position, at
// most kMaxRpcStrings of at most kMaxRpcStringBytes each.
std::vector<std::string> rpc_stub_strings(Bytes stub);

}  // namespace msw::formats::pcap
