#include "detect/heuristics/network_smb.h"

#include <map>
#include <set>
#include <tuple>

#include "core/ip.h"
#include "core/text.h"
#include "detect/heuristics/finding.h"

namespace msw::detect::heuristics {
namespace {

// `context` says what the host did; a host that was exploited, probed, guessed at or backdoored is affected.
void add_ip(model::Finding& f, const std::string& text, std::string_view context,
            model::ObservableRole role = model::ObservableRole::Indicator) {
  if (auto ip = parse_ip(text))
    f.observables.push_back({model::ObservableKind::Ip, ip->to_string(), std::string(context), role});
}

std::string flow_line(const model::Event& ev) {
  return ev.value("Protocol") + " " + ev.value("SourceIp") + ":" + ev.value("SourcePort") + " -> " +
         ev.value("DestinationIp") + ":" + ev.value("DestinationPort") + " (" + ev.value("Uid") + "), packets " +
         ev.value("FirstPacket") + "-" + ev.value("LastPacket");
}


class NetworkSmbEngine final : public Engine {
 public:
  std::string_view name() const override { return "network-smb"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    exploitation(a, out);
    remote_execution(a, out);
    smb1(a, out);
    guessing(a, out);
  }

 private:
  static void evidence(model::Finding& f, const ArtefactView& a, const model::Event& ev, std::string what) {
    f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0, flow_line(ev) + ": " + what});
  }

  // EternalBlue, DoublePulsar and the MS17-010 check: one finding per source, target and kind.
  static void exploitation(const ArtefactView& a, std::vector<model::Finding>& out) {
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" ||
          (!ev.get("SmbEternalBlue") && !ev.get("SmbDoublePulsar") && !ev.get("SmbMs17010Check") &&
           !ev.get("SmbEternalRomancePacket") && !ev.get("SmbEternalChampionPacket")))
        continue;
      const std::string src = ev.value("SourceIp"), dst = ev.value("DestinationIp");
      if (ev.get("SmbEternalBlue") && seen.insert({src, dst, "eb"}).second) {
        model::Finding f = heuristic_finding(kEternalBlueRule, model::Severity::Critical, ev.time);
        f.attack = {"T1210"};
        f.title_en = "EternalBlue (MS17-010) exploitation from " + src + " against " + dst;
        f.title_zh = src + " 对 " + dst + " 发起永恒之蓝（MS17-010）漏洞利用";
        f.description_en = src + " sent an SMB1 NT Trans request announcing " + ev.value("SmbNtTransMaxData") +
                           " bytes of data — more than a Trans2 can carry — and continued it with " +
                           ev.value("SmbTrans2Secondary") + " Trans2 SECONDARY requests (from packet " +
                           ev.value("SmbEternalBluePacket") + "): the type confusion the EternalBlue exploit uses, as "
                           "WannaMine and MyKings spread. Treat " + dst + " as compromised unless it is patched "
                           "(MS17-010), isolate " + src + ", and block 445 between hosts.";
        f.description_zh = src + " 发送了声明数据量为 " + ev.value("SmbNtTransMaxData") +
                           " 字节（超过 Trans2 可承载范围）的 SMB1 NT Trans 请求，并以 " + ev.value("SmbTrans2Secondary") +
                           " 个 Trans2 SECONDARY 请求续传（自第 " + ev.value("SmbEternalBluePacket") +
                           " 个数据包起）：这正是永恒之蓝漏洞利用的类型混淆手法，WannaMine、MyKings 均以此传播。除非 " + dst +
                           " 已安装 MS17-010 补丁，否则应视为已失陷；请隔离 " + src + "，并在主机之间封禁 445 端口。";
        evidence(f, a, ev, "NT Trans total data " + ev.value("SmbNtTransMaxData") + ", Trans2 SECONDARY from packet " +
                               ev.value("SmbEternalBluePacket"));
        add_ip(f, src, "exploiting host");
        add_ip(f, dst, "exploited host", model::ObservableRole::Affected);
        out.push_back(std::move(f));
      }
      for (const auto& [field, name, how] :
           {std::tuple<std::string_view, std::string_view, std::string_view>{
                "SmbEternalRomancePacket", "EternalRomance/EternalSynergy",
                "a WRITE_ANDX request inside an SMB1 transaction still waiting for its data (same PID, MID, TID and "
                "UID), which no client sends: the type confusion EternalRomance and EternalSynergy use"},
            {"SmbEternalChampionPacket", "EternalChampion",
             "an NT_TRANSACT_RENAME request followed by an NT_TRANSACT_SECONDARY in the same packet, the race "
             "EternalChampion uses"}}) {
        const std::string* packet = ev.get(field);
        if (!packet || !seen.insert({src, dst, std::string(field)}).second) continue;
        model::Finding f = heuristic_finding(kEternalRomanceRule, model::Severity::Critical, ev.time);
        f.attack = {"T1210"};
        f.title_en = std::string(name) + " (MS17-010) exploitation from " + src + " against " + dst;
        f.title_zh = src + " 对 " + dst + " 发起 " + std::string(name) + "（MS17-010）漏洞利用";
        f.description_en = src + " sent " + std::string(how) + " (packet " + *packet +
                           "). These MS17-010 exploits "
                           "spread WannaMine-era worms alongside EternalBlue. Treat " +
                           dst +
                           " as compromised unless "
                           "it is patched (MS17-010), isolate " +
                           src + ", and block 445 between hosts.";
        f.description_zh = src + " 发送了永恒系列漏洞利用特有的 SMB1 报文（第 " + *packet + " 个数据包，" +
                           std::string(name) + "）。这些 MS17-010 漏洞利用与永恒之蓝一同被蠕虫用于传播。除非 " + dst +
                           " 已安装 MS17-010 补丁，否则应视为已失陷；请隔离 " + src + "，并在主机之间封禁 445 端口。";
        evidence(f, a, ev, std::string(name) + " at packet " + *packet);
        add_ip(f, src, "exploiting host");
        add_ip(f, dst, "exploited host", model::ObservableRole::Affected);
        out.push_back(std::move(f));
      }
      if (const std::string* dp = ev.get("SmbDoublePulsar"); dp && seen.insert({src, dst, "dp"}).second) {
        const bool implant = *dp == "implant answered";
        model::Finding f = heuristic_finding(kDoublePulsarRule,
                                             implant ? model::Severity::Critical : model::Severity::High, ev.time);
        f.attack = {"T1210"};
        if (implant) {
          f.title_en = "DoublePulsar backdoor on " + dst + " answered " + src;
          f.title_zh = dst + " 上的 DoublePulsar 后门响应了 " + src;
          f.description_en = src + " sent DoublePulsar's ping (an SMB1 Trans2 SESSION_SETUP request) and " + dst +
                             " answered STATUS_NOT_IMPLEMENTED with the multiplex id raised by 16 (packet " +
                             ev.value("SmbDoublePulsarPacket") + "): the kernel implant EternalBlue installs is running "
                             "there. " + dst + " is compromised at kernel level: isolate it, collect memory and disk, "
                             "and rebuild it after patching MS17-010.";
          f.description_zh = src + " 发送了 DoublePulsar 探测包（SMB1 Trans2 SESSION_SETUP 请求），" + dst +
                             " 以 STATUS_NOT_IMPLEMENTED 响应且复用 ID 加 16（第 " + ev.value("SmbDoublePulsarPacket") +
                             " 个数据包）：永恒之蓝植入的内核后门正在运行。" + dst +
                             " 已在内核层面失陷：请隔离该主机，提取内存与磁盘证据，安装 MS17-010 补丁后重装系统。";
        } else {
          f.title_en = "DoublePulsar ping from " + src + " to " + dst;
          f.title_zh = src + " 向 " + dst + " 发送 DoublePulsar 探测";
          f.description_en = src + " sent an SMB1 Trans2 SESSION_SETUP request (packet " +
                             ev.value("SmbDoublePulsarPacket") + "), which Windows never sends: it is how EternalBlue "
                             "tools check for, and talk to, the DoublePulsar implant. No implant answer was seen; check " +
                             dst + " and isolate " + src + ".";
          f.description_zh = src + " 发送了 SMB1 Trans2 SESSION_SETUP 请求（第 " + ev.value("SmbDoublePulsarPacket") +
                             " 个数据包），正常 Windows 不会发送此请求：这是永恒之蓝工具探测和控制 DoublePulsar 后门的方式。"
                             "未见后门响应；请检查 " + dst + " 并隔离 " + src + "。";
        }
        evidence(f, a, ev, "DoublePulsar " + *dp + " at packet " + ev.value("SmbDoublePulsarPacket"));
        add_ip(f, src, "exploiting host");
        add_ip(f, dst, implant ? "backdoored host" : "probed host", model::ObservableRole::Affected);
        out.push_back(std::move(f));
      }
      if (ev.value("SmbMs17010Check") == "vulnerable" && seen.insert({"", dst, "vuln"}).second) {
        model::Finding f = heuristic_finding(kMs17010VulnerableRule, model::Severity::High, ev.time);
        f.attack = {"T1210"};
        f.title_en = dst + " is vulnerable to MS17-010 (answered " + src + "'s check)";
        f.title_zh = dst + " 存在 MS17-010 漏洞（响应了 " + src + " 的探测）";
        f.description_en = src + " ran the MS17-010 check worms and scanners use (PeekNamedPipe on FID 0) and " + dst +
                           " answered STATUS_INSUFF_SERVER_RESOURCES, which only unpatched servers do. " + dst +
                           " is the next victim if it is not one already: patch MS17-010, disable SMBv1, block 445.";
        f.description_zh = src + " 执行了蠕虫和扫描器常用的 MS17-010 探测（对 FID 0 的 PeekNamedPipe），" + dst +
                           " 返回 STATUS_INSUFF_SERVER_RESOURCES，只有未打补丁的服务器才会如此响应。若 " + dst +
                           " 尚未失陷，它就是下一个目标：请安装 MS17-010 补丁、禁用 SMBv1、封禁 445 端口。";
        evidence(f, a, ev, "PeekNamedPipe(FID 0) answered STATUS_INSUFF_SERVER_RESOURCES");
        add_ip(f, dst, "vulnerable host", model::ObservableRole::Affected);
        add_ip(f, src, "scanning host");
        out.push_back(std::move(f));
      }
    }
  }

  // Per source and target: what was copied onto an administrative share and what was run through RPC.
  struct Execution {
    std::vector<std::pair<const model::Event*, std::string>> writes;  // flow, "\\host\ADMIN$\x.exe (n bytes, ...)"
    bool executable = false;
    std::vector<std::pair<const model::Event*, std::string>> calls;  // flow, "svcctl CreateServiceW: ..."
  };

  static std::vector<std::string> split(const std::string& s, std::string_view sep) {
    std::vector<std::string> out;
    for (size_t p = 0; p < s.size() && out.size() < 64;) {
      const size_t q = std::min(s.find(sep, p), s.size());
      out.push_back(s.substr(p, q - p));
      p = q + sep.size();
    }
    return out;
  }

  static void remote_execution(const ArtefactView& a, std::vector<model::Finding>& out) {
    std::map<std::pair<std::string, std::string>, Execution> pairs;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection") continue;
      const std::string* writes = ev.get("SmbAdminShareWrites");
      const std::string* calls = ev.get("RpcCalls");
      if (!writes && !calls) continue;
      Execution& x = pairs[{ev.value("SourceIp"), ev.value("DestinationIp")}];
      if (writes)
        for (auto& w : split(*writes, "; ")) x.writes.emplace_back(&ev, std::move(w));
      x.executable = x.executable || ev.value("SmbAdminShareExecutable") == "true";
      if (calls)
        for (auto& c : split(*calls, "; ")) x.calls.emplace_back(&ev, std::move(c));
    }
    for (const auto& [key, x] : pairs) {
      const auto& [src, dst] = key;
      std::string how_en, how_zh, service, command;
      std::vector<std::string> techniques = {"T1021.002"};
      for (const auto& [ev, call] : x.calls) {
        const std::string lower = to_lower_ascii(call);
        if (call.starts_with("svcctl CreateService") || call.starts_with("svcctl ChangeServiceConfig")) {
          // The stub's strings: service name, display name, binary path (and the rest).
          const auto colon = call.find(": ");
          const auto parts =
              colon == std::string::npos ? std::vector<std::string>{} : split(call.substr(colon + 2), " | ");
          if (service.empty() && !parts.empty()) service = parts.front();
          for (const auto& p : parts)
            if (command.empty() && (p.find('\\') != std::string::npos || p.find(".exe") != std::string::npos ||
                                    to_lower_ascii(p).find("comspec") != std::string::npos))
              command = p;
        }
        if (lower.starts_with("svcctl") && how_en.empty()) {
          how_en = "service";
          techniques.push_back("T1569.002");
        } else if ((lower.starts_with("atsvc") || lower.starts_with("itaskschedulerservice")) &&
                   how_en.find("task") == std::string::npos) {
          how_en += std::string(how_en.empty() ? "" : ", ") + "scheduled task";
          techniques.push_back("T1053.005");
        } else if (lower.starts_with("iwbemservices") && how_en.find("WMI") == std::string::npos) {
          how_en += std::string(how_en.empty() ? "" : ", ") + "WMI ExecMethod";
          techniques.push_back("T1047");
        }
      }
      const bool shell = to_lower_ascii(command).find("comspec") != std::string::npos ||
                         to_lower_ascii(command).find("cmd.exe") != std::string::npos ||
                         to_lower_ascii(command).find("cmd /") != std::string::npos;
      if (x.calls.empty() && !x.executable) continue;  // files copied, nothing run, no program among them
      const model::Event& first = x.calls.empty() ? *x.writes.front().first : *x.calls.front().first;
      model::Finding f = heuristic_finding(
          kRemoteExecutionRule, x.calls.empty() ? model::Severity::Medium : model::Severity::High, first.time);
      if (!x.writes.empty()) techniques.push_back("T1570");
      f.attack = techniques;
      std::string kind = x.calls.empty() ? "an executable copied onto an administrative share"
                         : shell         ? "smbexec-style remote execution (a command shell as a service)"
                         : how_en == "service" && x.executable
                             ? "PsExec-style remote execution (a program copied to an "
                               "administrative share, then run as a service)"
                             : "remote execution through RPC (" + how_en + ")";
      f.title_en = src + " ran code on " + dst + ": " + kind + (service.empty() ? "" : ", service " + service) +
                   (command.empty() ? "" : ": " + command.substr(0, 200));
      f.title_zh = src + " 在 " + dst + " 上远程执行代码" + (service.empty() ? "" : "，服务 " + service) +
                   (command.empty() ? "" : "：" + command.substr(0, 200));
      std::string detail_en, detail_zh;
      for (size_t i = 0; i < x.writes.size() && i < 5; ++i) {
        detail_en += "\n- wrote " + x.writes[i].second;
        detail_zh += "\n- 写入 " + x.writes[i].second;
      }
      for (size_t i = 0; i < x.calls.size() && i < 8; ++i) {
        detail_en += "\n- called " + x.calls[i].second.substr(0, 600);
        detail_zh += "\n- 调用 " + x.calls[i].second.substr(0, 600);
      }
      f.description_en =
          src + " " + kind + " on " + dst + ":" + detail_en +
          "\nThis is how PsExec-style tools and worms that spread over SMB (WannaMine, MyKings) run on the "
          "next host with a stolen password. Treat " +
          dst +
          " as compromised, find the service, task or "
          "process there, and examine " +
          src + ", which holds working credentials.";
      f.description_zh =
          src + " 在 " + dst + " 上" + (x.calls.empty() ? "向管理共享复制了可执行文件" : "远程执行代码") + "：" +
          detail_zh +
          "\nPsExec 类工具及通过 SMB 传播的蠕虫（WannaMine、MyKings）正是用窃取的口令这样在下一台主机上运行。请将 " +
          dst + " 视为已失陷，找到对应的服务、任务或进程，并检查持有可用凭据的 " + src + "。";
      evidence(f, a, first, x.calls.empty() ? x.writes.front().second : x.calls.front().second);
      if (!x.calls.empty() && !x.writes.empty() && x.writes.front().first != &first)
        evidence(f, a, *x.writes.front().first, x.writes.front().second);
      add_ip(f, src, "remote execution source");
      add_ip(f, dst, "remote execution target", model::ObservableRole::Affected);
      if (!service.empty())
        f.observables.push_back({model::ObservableKind::Service, service, "service created remotely"});
      out.push_back(std::move(f));
    }
  }

  static void smb1(const ArtefactView& a, std::vector<model::Finding>& out) {
    std::map<std::string, std::pair<std::set<std::string>, const model::Event*>> servers;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || ev.value("SmbVersion1") != "true") continue;
      auto& s = servers[ev.value("DestinationIp")];
      if (!s.second) s.second = &ev;
      if (s.first.size() < 10'000) s.first.insert(ev.value("SourceIp"));
    }
    for (const auto& [server, s] : servers) {
      const model::Event& ev = *s.second;
      model::Finding f = heuristic_finding(kSmb1Rule, model::Severity::Medium, ev.time);
      f.attack = {"T1210"};
      const std::string n = std::to_string(s.first.size());
      f.title_en = server + " speaks SMBv1 (" + ev.value("SmbDialect") + ") with " + n + " client(s)";
      f.title_zh = server + " 启用了 SMBv1（" + ev.value("SmbDialect") + "），共 " + n + " 个客户端";
      f.description_en = server + " agreed to the SMB1 dialect \"" + ev.value("SmbDialect") +
                         "\". EternalBlue and the worms built on it need SMBv1; modern Windows does not. Disable SMBv1 "
                         "on " + server + " (Set-SmbServerConfiguration -EnableSMB1Protocol $false) and patch MS17-010.";
      f.description_zh = server + " 接受了 SMB1 方言“" + ev.value("SmbDialect") +
                         "”。永恒之蓝及基于它的蠕虫依赖 SMBv1，现代 Windows 无需该协议。请在 " + server +
                         " 上禁用 SMBv1（Set-SmbServerConfiguration -EnableSMB1Protocol $false）并安装 MS17-010 补丁。";
      evidence(f, a, ev, "SMB1 dialect " + ev.value("SmbDialect"));
      add_ip(f, server, "SMBv1 server", model::ObservableRole::Affected);
      out.push_back(std::move(f));
    }
  }

  struct Guessing {
    uint64_t failures = 0, successes = 0, flows = 0;
    std::set<std::string> accounts;
    std::map<std::string, uint64_t> statuses;
    std::string first_failure_time, first_failure_packet;
    const model::Event* first = nullptr;
    const model::Event* success = nullptr;  // the earliest success at or after the first failure
  };

  static void guessing(const ArtefactView& a, std::vector<model::Finding>& out) {
    std::map<std::tuple<std::string, std::string, std::string>, Guessing> groups;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection") continue;
      const std::string* service = ev.get("LoginService");
      if (!service) continue;
      Guessing& g = groups[{ev.value("SourceIp"), ev.value("DestinationIp"), *service}];
      ++g.flows;
      g.failures += parse_u64(ev.value("LoginFailures")).value_or(0);
      g.successes += parse_u64(ev.value("LoginSuccesses")).value_or(0);
      if (!g.first) g.first = &ev;
      const std::string accounts = ev.value("LoginAccounts");
      for (size_t p = 0; p < accounts.size() && g.accounts.size() < 1000;) {
        const size_t c = std::min(accounts.find(',', p), accounts.size());
        g.accounts.insert(accounts.substr(p, c - p));
        p = c + 1;
      }
      const std::string statuses = ev.value("LoginFailureStatuses");
      for (size_t p = 0; p < statuses.size();) {
        const size_t c = std::min(statuses.find(',', p), statuses.size());
        const std::string item = statuses.substr(p, c - p);
        if (const size_t eq = item.rfind('='); eq != std::string::npos)
          g.statuses[item.substr(0, eq)] += parse_u64(std::string_view(item).substr(eq + 1)).value_or(0);
        p = c + 1;
      }
      const std::string ft = ev.value("LoginFirstFailureTime");
      if (!ft.empty() && (g.first_failure_time.empty() || ft < g.first_failure_time)) {
        g.first_failure_time = ft;
        g.first_failure_packet = ev.value("LoginFirstFailurePacket");
      }
    }
    // The success must follow the first failure; a second pass once that time is known.
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || !ev.get("LoginSuccessTime")) continue;
      auto it = groups.find({ev.value("SourceIp"), ev.value("DestinationIp"), ev.value("LoginService")});
      if (it == groups.end() || it->second.first_failure_time.empty()) continue;
      Guessing& g = it->second;
      const std::string st = ev.value("LoginSuccessTime");
      if (st >= g.first_failure_time && (!g.success || st < g.success->value("LoginSuccessTime"))) g.success = &ev;
    }
    for (const auto& [key, g] : groups) {
      if (g.failures < kWireBruteForceMinFailures) continue;
      const auto& [src, dst, service] = key;
      const model::Event& ev = g.success ? *g.success : *g.first;
      model::Finding f =
          heuristic_finding(kWireBruteForceRule, g.success ? model::Severity::Critical : model::Severity::High, ev.time);
      f.time = g.first->time;
      f.attack = {"T1110"};
      std::string accounts, statuses;
      size_t listed = 0;
      for (const auto& acc : g.accounts)
        if (listed++ < 10) accounts += (accounts.empty() ? "" : ", ") + acc;
      if (g.accounts.size() > 10) accounts += " and " + std::to_string(g.accounts.size() - 10) + " more";
      for (const auto& [s, n] : g.statuses) statuses += (statuses.empty() ? "" : ", ") + s + " ×" + std::to_string(n);
      const bool expired = g.statuses.count("STATUS_PASSWORD_EXPIRED") || g.statuses.count("STATUS_PASSWORD_MUST_CHANGE");
      const std::string n = std::to_string(g.failures);
      const std::string who = g.success ? g.success->value("LoginSuccessAccount") : "";
      if (g.success) {
        f.title_en = n + " failed " + service + " logons from " + src + " to " + dst + ", then a successful logon as " + who;
        f.title_zh = src + " 对 " + dst + " 的 " + service + " 登录失败 " + n + " 次后，以 " + who + " 登录成功";
      } else {
        f.title_en = n + " failed " + service + " logons from " + src + " to " + dst + " (password guessing)";
        f.title_zh = src + " 对 " + dst + " 的 " + service + " 登录失败 " + n + " 次（口令爆破）";
      }
      f.description_en = src + " failed to log on to " + service + " on " + dst + " " + n + " times over " +
                         std::to_string(g.flows) + " connection(s) from " + g.first_failure_time + " (packet " +
                         g.first_failure_packet + "); accounts tried: " + accounts + "; answers: " + statuses + ".";
      f.description_zh = src + " 自 " + g.first_failure_time + "（第 " + g.first_failure_packet + " 个数据包）起，经 " +
                         std::to_string(g.flows) + " 个连接对 " + dst + " 的 " + service + " 登录失败 " + n +
                         " 次；尝试的账户：" + accounts + "；服务端响应：" + statuses + "。";
      if (expired) {
        f.description_en += " Some answers say the password had expired: the account was unused and still guessable, "
                            "as in the WannaMine case.";
        f.description_zh += "部分响应表明密码已过期：该账户长期未用但仍可被猜解，与 WannaMine 案例相同。";
      }
      if (g.success) {
        f.description_en += " Then " + who + " logged on successfully at " + g.success->value("LoginSuccessTime") +
                            " (packet " + g.success->value("LoginSuccessPacket") + "): treat the account as known to the "
                            "attacker — reset its password, look for what " + src + " did on " + dst + " afterwards, "
                            "and block " + service + " from " + src + ".";
        f.description_zh += "随后账户 " + who + " 于 " + g.success->value("LoginSuccessTime") + "（第 " +
                            g.success->value("LoginSuccessPacket") + " 个数据包）登录成功：应视为该账户口令已泄露——请重置密码，"
                            "排查 " + src + " 此后在 " + dst + " 上的操作，并禁止 " + src + " 访问 " + service + "。";
      } else {
        f.description_en += " No successful logon was seen in the capture; check " + dst + "'s logs, use strong "
                            "passwords and block " + service + " from " + src + ".";
        f.description_zh += "流量中未见登录成功；请检查 " + dst + " 的日志，使用强口令，并禁止 " + src + " 访问 " + service + "。";
      }
      evidence(f, a, *g.first, "first connection of " + std::to_string(g.flows) + ", " + n + " failures");
      if (g.success) evidence(f, a, *g.success, "logon succeeded as " + who + " at packet " + g.success->value("LoginSuccessPacket"));
      add_ip(f, src, service + " password guessing source");
      add_ip(f, dst, service + " server", model::ObservableRole::Affected);
      if (!who.empty()) f.observables.push_back({model::ObservableKind::Account, who, "guessed account"});
      out.push_back(std::move(f));
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_network_smb_engine() { return std::make_unique<NetworkSmbEngine>(); }

}  // namespace msw::detect::heuristics
