// What the SMB and TDS parsers (formats/pcap) saw on the wire, as findings:
//   - EternalBlue (MS17-010) exploitation: an oversized NT Trans continued by Trans2 SECONDARY requests;
//     EternalRomance/EternalSynergy: a WRITE_ANDX inside a transaction still waiting for its data; EternalChampion:
//     NT_TRANSACT_RENAME followed by NT_TRANSACT_SECONDARY in one packet;
//   - DoublePulsar: the ping, and the implant's answer (the server is backdoored);
//   - the MS17-010 check worms run before exploiting, answered "vulnerable";
//   - SMBv1 agreed by a server (one finding per server);
//   - remote execution on another host: an executable written to an administrative share (ADMIN$, C$) and the
//     Service Control Manager asked over RPC to create or start a service (PsExec and kin), a service whose binary
//     is a command shell (smbexec), a task registered through the Task Scheduler's RPC (atsvc), WMI's
//     IWbemServices::ExecMethod (Win32_Process.Create) — high, naming source, target, file, service or command;
//     an executable copied onto an administrative share with nothing run seen is medium;
//   - password guessing over SMB and SQL Server: failed logons per source, server and service, and whether a logon
//     succeeded afterwards (the WannaMine case: thousands of failures, then a success) — with the accounts tried and
//     the servers' answers (STATUS_LOGON_FAILURE, STATUS_PASSWORD_EXPIRED, 18456).
// Each finding names the flow, the packet numbers and the times.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kEternalBlueRule = "heuristic.eternalblue";
inline constexpr std::string_view kEternalRomanceRule = "heuristic.eternalromance";
inline constexpr std::string_view kDoublePulsarRule = "heuristic.doublepulsar";
inline constexpr std::string_view kMs17010VulnerableRule = "heuristic.ms17_010_vulnerable";
inline constexpr std::string_view kSmb1Rule = "heuristic.smb1_in_use";
inline constexpr std::string_view kWireBruteForceRule = "heuristic.network_brute_force";
inline constexpr std::string_view kRemoteExecutionRule = "heuristic.remote_execution";

inline constexpr uint64_t kWireBruteForceMinFailures = 10;  // failed logons from one source to one server and service

std::unique_ptr<Engine> make_network_smb_engine();

}  // namespace msw::detect::heuristics
