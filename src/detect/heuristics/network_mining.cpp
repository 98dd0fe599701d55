#include "detect/heuristics/network_mining.h"

#include <map>
#include <set>

#include "core/ip.h"
#include "core/text.h"

namespace msw::detect::heuristics {
namespace {

// "4Abc....worker" / "t1fAh....rig4" / "0xabc.../rig": the account part before a worker suffix.
std::string account_of(std::string_view user) {
  const size_t cut = user.find_first_of(".+/");
  return std::string(user.substr(0, cut));
}

class NetworkMiningEngine final : public Engine {
 public:
  std::string_view name() const override { return "network-mining"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || !ev.get("MiningProtocol")) continue;
      const std::string client = ev.value("SourceIp"), server = ev.value("DestinationIp");
      const std::string port = ev.value("DestinationPort"), dialect = ev.value("MiningProtocol");
      const std::string user = ev.value("MiningUser"), agent = ev.value("MiningAgent");
      const std::string algo = ev.value("MiningAlgorithm"), methods = ev.value("MiningMethods");
      model::Finding f;
      f.engine = "heuristics";
      f.rule_id = kNetworkMiningRule;
      const auto ip = parse_ip(client);
      // An inside address mining is a compromised host of the customer's; an outside one is still worth a line.
      f.severity = ip && ip->scope() != IpScope::Public ? model::Severity::Critical : model::Severity::High;
      f.time = ev.time;
      f.attack = {"T1496"};
      f.title_en = "Mining traffic: " + client + " → pool " + server + ":" + port + " (" + dialect + ")";
      f.title_zh = "挖矿流量：" + client + " → 矿池 " + server + ":" + port + "（" + dialect + "）";
      std::string facts_en, facts_zh;
      if (!user.empty()) {
        facts_en += " The miner logs in as " + user + ".";
        facts_zh += "矿工登录名（钱包地址）为 " + user + "。";
      }
      if (!agent.empty()) {
        facts_en += " Miner software: " + agent + ".";
        facts_zh += "挖矿程序：" + agent + "。";
      }
      if (!algo.empty()) {
        facts_en += " Algorithm: " + algo + ".";
        facts_zh += "算法：" + algo + "。";
      }
      f.description_en = client + " speaks the " + dialect + " mining protocol (" + methods + ") to " + server + ":" +
                         port + " from packet " + ev.value("MiningFirstPacket") + " (" + ev.value("MiningFirstSeen") +
                         ")." + facts_en + " Find the process that owns this connection on " + client +
                         " (netstat -anop / Get-NetTCPConnection), then its executable and persistence; block the pool.";
      f.description_zh = client + " 与 " + server + ":" + port + " 之间存在 " + dialect + " 挖矿协议通信（" + methods +
                         "），首次出现在第 " + ev.value("MiningFirstPacket") + " 个数据包（" + ev.value("MiningFirstSeen") +
                         "）。" + facts_zh + "请在 " + client + " 上找到该连接对应的进程（netstat -ano），定位其程序文件与持久化项，并封禁该矿池。";
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                            "packets " + ev.value("FirstPacket") + "-" + ev.value("LastPacket") + ", mining message at packet " +
                                ev.value("MiningFirstPacket") + ": " + ev.value("Protocol") + " " + client + ":" +
                                ev.value("SourcePort") + " -> " + server + ":" + port + ", " + ev.value("PacketsSent") +
                                "/" + ev.value("PacketsReceived") + " packets, " + ev.value("BytesSent") + "/" +
                                ev.value("BytesReceived") + " bytes"});
      if (auto s = parse_ip(server)) f.observables.push_back({model::ObservableKind::Ip, s->to_string(), "mining pool"});
      if (ip)  // the infected machine: affected, never an indicator to block elsewhere
        f.observables.push_back(
            {model::ObservableKind::Ip, ip->to_string(), "mining host", model::ObservableRole::Affected});
      if (const std::string acct = account_of(user); acct.size() >= 26)
        f.observables.push_back({model::ObservableKind::Wallet, acct, "mining login"});
      else if (!acct.empty())
        f.observables.push_back({model::ObservableKind::Account, acct, "mining login"});
      out.push_back(std::move(f));
    }
    spreading_and_guessing(a, out);
    downloads(a, out);
  }

 private:
  static void downloads(const ArtefactView& a, std::vector<model::Finding>& out) {
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || !ev.get("HttpMethod")) continue;
      const std::string body = ev.value("HttpResponseBody"), ua = ev.value("HttpUserAgent"), url = ev.value("Url");
      const std::string ua_lower = to_lower_ascii(ua);
      std::string tool;
      if (ua_lower.find("powershell") != std::string::npos) tool = "PowerShell";
      else if (ua_lower.find("certutil") != std::string::npos) tool = "CertUtil";
      else if (ua_lower.find("microsoft bits") != std::string::npos) tool = "BITS";
      if (body.empty() && tool.empty()) continue;
      const std::string client = ev.value("SourceIp");
      model::Finding f;
      f.engine = "heuristics";
      f.rule_id = kHttpPayloadRule;
      f.severity = body.empty() ? model::Severity::Medium : model::Severity::High;
      f.time = ev.time;
      f.attack = {"T1105"};
      const std::string what_en = body == "pe" ? "a Windows executable" : body == "elf" ? "a Linux executable"
                                  : body == "script"                ? "a script"
                                                                     : "a file";
      const std::string what_zh = body == "pe" ? "Windows 可执行文件" : body == "elf" ? "Linux 可执行文件"
                                  : body == "script"                ? "脚本"
                                                                     : "文件";
      f.title_en = client + " fetched " + what_en + " over HTTP" + (tool.empty() ? "" : " with " + tool) + ": " + url;
      f.title_zh = client + " 通过 HTTP" + (tool.empty() ? "" : "（" + tool + "）") + " 下载了" + what_zh + "：" + url;
      f.description_en = "Worm droppers fetch their next stage over plain HTTP. Get the file from " + url +
                         " (or the capture) for analysis, look for it on " + client + ", and block the host.";
      f.description_zh = "蠕虫下载器通常通过明文 HTTP 获取下一阶段载荷。请从 " + url + "（或流量包）提取该文件进行分析，在 " +
                         client + " 上查找该文件，并封禁该主机。";
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                            ev.value("HttpMethod") + " " + url + " at packet " + ev.value("FirstPacket") +
                                (ua.empty() ? "" : ", User-Agent: " + ua)});
      f.observables.push_back({model::ObservableKind::Url, url, "HTTP download"});
      out.push_back(std::move(f));
    }
  }

  static std::string_view service_of(std::string_view port) {
    if (port == "445" || port == "139") return "SMB";
    if (port == "3389") return "RDP";
    if (port == "22") return "SSH";
    if (port == "1433") return "MSSQL";
    return {};
  }

  static void spreading_and_guessing(const ArtefactView& a, std::vector<model::Finding>& out) {
    struct Scan {
      std::set<std::string> targets;
      int64_t first = 0, last = 0;
      const model::Event* example = nullptr;
    };
    std::map<std::string, Scan> smb;  // source -> targets on 445/139
    std::map<std::tuple<std::string, std::string, std::string>, std::pair<size_t, const model::Event*>> logins;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || ev.value("Protocol") != "tcp" || ev.get("MiningProtocol")) continue;
      const std::string port = ev.value("DestinationPort");
      const std::string_view service = service_of(port);
      if (service.empty()) continue;
      const std::string src = ev.value("SourceIp"), dst = ev.value("DestinationIp");
      if (service == "SMB" && smb[src].targets.size() < 100'000) {
        Scan& s = smb[src];
        const int64_t t = ev.time ? ev.time->unix_ns : 0;
        if (s.targets.empty() || t < s.first) s.first = t;
        s.last = std::max(s.last, t);
        if (!s.example) s.example = &ev;
        s.targets.insert(dst);
      }
      if (ev.get("LoginService")) continue;  // logons read from the protocol: network_smb counts them exactly
      // SMB's logons are readable (NTLMSSP in the session setup): a connection without one guessed nothing.
      // EternalBlue opens a score of them to groom the server's memory.
      if (service == "SMB") continue;
      auto& l = logins[{src, dst, port}];
      if (!l.second) l.second = &ev;
      ++l.first;
    }
    for (const auto& [src, s] : smb) {
      if (s.targets.size() < kSmbScanMinTargets) continue;
      const double secs = std::max(1.0, static_cast<double>(s.last - s.first) / 1e9);
      const std::string n = std::to_string(s.targets.size());
      const std::string rate = std::to_string(static_cast<int>(static_cast<double>(s.targets.size()) / secs + 0.5));
      model::Finding f;
      f.engine = "heuristics";
      f.rule_id = kSmbScanRule;
      f.severity = model::Severity::High;
      f.time = s.example->time;
      f.attack = {"T1046", "T1210"};
      f.title_en = src + " opened SMB to " + n + " addresses (worm spreading)";
      f.title_zh = src + " 向 " + n + " 个地址发起 SMB 连接（蠕虫横向传播）";
      f.description_en = src + " connected to port 445/139 on " + n + " different addresses, about " + rate +
                         " per second: the scan an EternalBlue worm (WannaMine, MyKings) runs to find its next hosts. "
                         "Isolate " + src + ", block 445 between hosts, and patch MS17-010 everywhere.";
      f.description_zh = src + " 对 " + n + " 个不同地址的 445/139 端口发起连接，约每秒 " + rate +
                         " 个：这是永恒之蓝类蠕虫（WannaMine、MyKings）寻找下一台主机的扫描。请隔离 " + src +
                         "，在主机之间封禁 445 端口，并为所有主机安装 MS17-010 补丁。";
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), s.example->offset, 0, 0,
                            "first SMB flow at packet " + s.example->value("FirstPacket") + " to " +
                                s.example->value("DestinationIp") + ", " + n + " targets"});
      if (auto ip = parse_ip(src)) f.observables.push_back({model::ObservableKind::Ip, ip->to_string(), "SMB scanner"});
      out.push_back(std::move(f));
    }
    for (const auto& [key, l] : logins) {
      if (l.first < kLoginBurstMinFlows) continue;
      const auto& [src, dst, port] = key;
      const std::string service(service_of(port));
      model::Finding f;
      f.engine = "heuristics";
      f.rule_id = kLoginBurstRule;
      f.severity = model::Severity::Medium;
      f.time = l.second->time;
      f.attack = {"T1110"};
      const std::string n = std::to_string(l.first);
      f.title_en = n + " " + service + " connections from " + src + " to " + dst + " (password guessing?)";
      f.title_zh = src + " 对 " + dst + " 发起 " + n + " 次 " + service + " 连接（疑似口令爆破）";
      f.description_en = "Many separate connections from one source to one login service is how password guessing "
                         "looks on the wire. Check " + dst + "'s logon logs (4625/4624, auth.log, SQL Server 18456) for "
                         "this source, and whether a logon succeeded.";
      f.description_zh = "同一来源对同一登录服务的大量独立连接，是口令爆破在网络上的特征。请检查 " + dst +
                         " 的登录日志（4625/4624、auth.log、SQL Server 18456）中该来源是否有成功登录。";
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), l.second->offset, 0, 0,
                            "first connection at packet " + l.second->value("FirstPacket") + ", " + n + " connections"});
      if (auto ip = parse_ip(src)) f.observables.push_back({model::ObservableKind::Ip, ip->to_string(), service + " client"});
      out.push_back(std::move(f));
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_network_mining_engine() { return std::make_unique<NetworkMiningEngine>(); }

}  // namespace msw::detect::heuristics
