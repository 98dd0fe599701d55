#include "detect/heuristics/hosts_tampering.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/text.h"
#include "data/embedded.h"
#include "normalize/normalize.h"

namespace msw::detect::heuristics {
namespace {

// Names the standard hosts files of Windows, Debian, Red Hat and macOS carry; never findings.
constexpr std::string_view kStandardNames[] = {
    "localhost",     "localhost.localdomain", "localhost4",   "localhost4.localdomain4", "localhost6",
    "localhost6.localdomain6", "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix",
    "ip6-allnodes",  "ip6-allrouters", "ip6-allhosts", "broadcasthost",
};

// Suffixes of names that are local by convention or by RFC (6761, 6762, 8375) and never resolve publicly.
constexpr std::string_view kLocalSuffixes[] = {
    "local", "lan", "localdomain", "internal", "intranet", "corp", "home", "home.arpa", "private",
    "test", "example", "invalid", "localhost", "arpa",
};

std::string_view category_name(DomainCategory c, bool zh) {
  switch (c) {
    case DomainCategory::Security: return zh ? "安全厂商" : "security vendor";
    case DomainCategory::Update: return zh ? "系统/软件更新" : "update service";
    case DomainCategory::Pool: return zh ? "矿池" : "mining pool";
    case DomainCategory::None: break;
  }
  return zh ? "公网域名" : "public domain";
}

bool ends_with_label(std::string_view name, std::string_view suffix) {
  return name == suffix ||
         (name.size() > suffix.size() && name.ends_with(suffix) && name[name.size() - suffix.size() - 1] == '.');
}

std::string normalise_name(std::string_view n) {
  std::string s = to_lower_ascii(n);
  while (!s.empty() && s.back() == '.') s.pop_back();  // "example.com." is the same name
  return s;
}

}  // namespace

HostsKnowledge HostsKnowledge::from_text(std::string_view watched, std::string_view tlds, Diagnostics& diags) {
  HostsKnowledge kb;
  data::for_each_content_line(watched, [&](std::string_view line, size_t no) {
    size_t sp = line.find_first_of(" \t");
    std::string_view cat = line.substr(0, sp);
    std::string_view dom = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp));
    DomainCategory c = cat == "security" ? DomainCategory::Security
                       : cat == "update" ? DomainCategory::Update
                       : cat == "pool"   ? DomainCategory::Pool
                                         : DomainCategory::None;
    if (c == DomainCategory::None || dom.empty()) {
      diags.add("content.bad_line", DiagSeverity::Warning, "hosts/watched-domains.txt", no,
                "expected '<security|update|pool> <domain>'");
      return;
    }
    kb.watched_.emplace(normalise_name(dom), c);
  });
  data::for_each_content_line(tlds, [&](std::string_view line, size_t) { kb.public_tlds_.insert(normalise_name(line)); });
  return kb;
}

HostsKnowledge HostsKnowledge::builtin(Diagnostics& diags) {
  auto watched = data::embedded_file("hosts/watched-domains.txt");
  auto tlds = data::embedded_file("hosts/public-tlds.txt");
  if (!watched || !tlds)
    diags.add("content.missing", DiagSeverity::Error, "data/hosts", 0, "built-in hosts-file knowledge is missing");
  return from_text(watched.value_or(""), tlds.value_or(""), diags);
}

DomainCategory HostsKnowledge::category(std::string_view name) const {
  // Walk from the full name to its parents: "a.b.kaspersky.com" → "b.kaspersky.com" → "kaspersky.com" → "com".
  for (std::string_view n = name;;) {
    if (auto it = watched_.find(std::string(n)); it != watched_.end()) return it->second;
    size_t dot = n.find('.');
    if (dot == std::string_view::npos) return DomainCategory::None;
    n = n.substr(dot + 1);
  }
}

bool HostsKnowledge::is_public_name(std::string_view name) const {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return false;  // single label
  for (auto suffix : kLocalSuffixes)
    if (ends_with_label(name, suffix)) return false;
  std::string_view tld = name.substr(dot + 1);
  if (tld.size() == 2 && std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
    return true;  // every two-letter TLD is a country code
  if (tld.starts_with("xn--")) return true;  // internationalised TLDs
  return public_tlds_.count(std::string(tld)) != 0;
}

EntryAssessment assess_hosts_entry(const HostsKnowledge& kb, std::string_view raw_name, const IpAddress& ip,
                                   std::span<const std::string_view> line_names, std::string_view own_hostname) {
  const std::string name = normalise_name(raw_name);
  for (auto std_name : kStandardNames)
    if (name == std_name) return {};
  const IpScope scope = ip.scope();
  const bool blocking = scope == IpScope::Loopback || scope == IpScope::Unspecified;

  const DomainCategory cat = kb.category(name);
  if (cat != DomainCategory::None)
    return {blocking ? EntryVerdict::BlocksWatched : EntryVerdict::RedirectsWatched, cat, model::Severity::High};

  if (!kb.is_public_name(name)) return {};
  // The host's own name, and the `address fqdn shortname` idiom that defines a host (hosts(5) example).
  if (!own_hostname.empty()) {
    std::string own = normalise_name(own_hostname);
    if (name == own || (name.starts_with(own) && name.size() > own.size() && name[own.size()] == '.')) return {};
  }
  size_t first_dot = name.find('.');
  for (auto other : line_names) {
    std::string o = normalise_name(other);
    if (o.find('.') == std::string::npos && o == std::string_view(name).substr(0, first_dot)) return {};
  }

  if (blocking) return {EntryVerdict::BlocksPublic, cat, model::Severity::Informational};
  if (scope == IpScope::Public) return {EntryVerdict::RedirectsPublic, cat, model::Severity::Medium};
  return {EntryVerdict::RedirectsInternal, cat, model::Severity::Low};
}

namespace {

class HostsTamperingEngine final : public Engine {
 public:
  explicit HostsTamperingEngine(HostsKnowledge kb) : kb_(std::move(kb)) {}
  std::string_view name() const override { return "heuristics.hosts"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    if (a.kind != "hosts") return;
    struct Hit {
      const model::Event* event;
      std::string name;
      std::string address;
      EntryAssessment assessment;
    };
    std::vector<Hit> hits;
    std::vector<std::string_view> line_names;
    // Events of one line are adjacent (normalize emits them in order); gather each line's names first.
    for (size_t i = 0; i < a.events.size();) {
      const model::Event& first = a.events[i];
      if (first.category != normalize::kHostsEntryCategory) {
        ++i;
        continue;
      }
      const std::string* line_no = first.get(model::Field::LineNumber);
      size_t j = i;
      line_names.clear();
      while (j < a.events.size() && a.events[j].category == normalize::kHostsEntryCategory &&
             a.events[j].get(model::Field::LineNumber) && line_no && *a.events[j].get(model::Field::LineNumber) == *line_no) {
        if (const auto* n = a.events[j].get(model::Field::QueryName)) line_names.push_back(*n);
        ++j;
      }
      if (j == i) j = i + 1;
      for (size_t k = i; k < j; ++k) {
        const auto* name = a.events[k].get(model::Field::QueryName);
        const auto* addr = a.events[k].get(model::Field::QueryResults);
        if (!name || !addr) continue;
        auto ip = parse_ip(*addr);
        if (!ip) continue;  // resolvers ignore lines whose address does not parse
        EntryAssessment as = assess_hosts_entry(kb_, *name, *ip, line_names, a.subject_host);
        if (as.verdict != EntryVerdict::Benign) hits.push_back({&a.events[k], normalise_name(*name), *addr, as});
      }
      i = j;
    }
    if (!hits.empty()) out.push_back(make_finding(a, hits));
  }

 private:
  template <typename Hits>
  model::Finding make_finding(const ArtefactView& a, const Hits& hits) const {
    model::Finding f;
    f.rule_id = kHostsTamperingRule;
    f.engine = "heuristics";
    for (const auto& h : hits) f.severity = std::max(f.severity, h.assessment.severity);

    size_t blocked_watched = 0, redirected = 0, blocked_other = 0;
    std::string list_en, list_zh;
    uint64_t last_line = 0;
    std::vector<uint64_t> lines;
    for (size_t idx = 0; idx < hits.size(); ++idx) {
      const auto& h = hits[idx];
      const auto& as = h.assessment;
      switch (as.verdict) {
        case EntryVerdict::BlocksWatched: ++blocked_watched; break;
        case EntryVerdict::BlocksPublic: ++blocked_other; break;
        default: ++redirected;
      }
      uint64_t line = 0;
      if (const auto* ln = h.event->get(model::Field::LineNumber))
        std::from_chars(ln->data(), ln->data() + ln->size(), line);
      if (idx < kMaxHostsEvidence) {
        bool blocks = as.verdict == EntryVerdict::BlocksWatched || as.verdict == EntryVerdict::BlocksPublic;
        list_en += "line " + std::to_string(line) + ": " + h.name + " -> " + h.address + " (" +
                   (blocks ? "blocks " : "redirects ") + std::string(category_name(as.category, false)) + ")\n";
        list_zh += "第 " + std::to_string(line) + " 行：" + h.name + " -> " + h.address + "（" +
                   (blocks ? "屏蔽" : "劫持") + std::string(category_name(as.category, true)) + "）\n";
        if (line != last_line) {
          const auto* msg = h.event->get(model::Field::Message);
          f.evidence.push_back({std::string(a.path), std::string(a.sha256), h.event->offset, 0, line,
                                msg ? *msg : std::string()});
        }
        // A name the entry blocks, or a watched name it sends elsewhere, is the victim's (a security vendor, an
        // update service, a rival's pool); the address a name is sent to, and a name of no such kind, the attacker's.
        const bool victim = blocks || as.verdict == EntryVerdict::RedirectsWatched;
        f.observables.push_back({model::ObservableKind::Domain, h.name, "hosts line " + std::to_string(line),
                                 victim ? model::ObservableRole::Affected : model::ObservableRole::Indicator});
        auto ip = parse_ip(h.address);
        if (ip && ip->scope() != IpScope::Loopback && ip->scope() != IpScope::Unspecified)
          f.observables.push_back({model::ObservableKind::Ip, ip->to_string(), "hosts line " + std::to_string(line)});
      }
      if (line != last_line) lines.push_back(line);
      last_line = line;
    }
    if (hits.size() > kMaxHostsEvidence) {
      list_en += "... and " + std::to_string(hits.size() - kMaxHostsEvidence) + " more entries\n";
      list_zh += "……另有 " + std::to_string(hits.size() - kMaxHostsEvidence) + " 条\n";
    }

    const std::string n = std::to_string(hits.size());
    f.title_en = "Hosts file overrides " + n + (hits.size() == 1 ? " domain" : " domains");
    f.title_zh = "hosts 文件被篡改，" + n + " 个域名被劫持或屏蔽";
    f.description_en = "The hosts file " + std::string(a.path) +
                       " forces answers for real Internet names, bypassing DNS. Worms do this to stop security "
                       "products and updates (names pointed at 127.0.0.1 or 0.0.0.0), to evict rival miners, and to "
                       "send traffic to their own servers.\n" + list_en;
    f.description_zh = "hosts 文件 " + std::string(a.path) +
                       " 为公网域名强制指定了解析结果，绕过了 DNS。挖矿蠕虫借此阻断安全软件和系统更新（指向 127.0.0.1 "
                       "或 0.0.0.0）、驱逐竞争矿工、把流量引到自己的服务器。\n" + list_zh;
    if (redirected > 0) f.attack.push_back("T1565.001");  // Stored Data Manipulation
    if (blocked_watched > 0) f.attack.push_back("T1562.001");  // Impair Defenses: Disable or Modify Tools
    if (f.attack.empty() && blocked_other > 0) f.attack.push_back("T1565.001");

    std::string line_list;
    for (size_t i = 0; i < lines.size() && i < kMaxHostsEvidence; ++i)
      line_list += (i ? ", " : "") + std::to_string(lines[i]);
    f.actions.push_back({model::ActionKind::RestoreHostsFile, std::string(a.path),
                         "Back up the hosts file, then remove lines " + line_list +
                             "; flush the DNS cache (ipconfig /flushdns, or restart systemd-resolved/nscd).",
                         "备份 hosts 文件后删除第 " + line_list +
                             " 行；刷新 DNS 缓存（ipconfig /flushdns，或重启 systemd-resolved/nscd）。"});
    return f;
  }

  HostsKnowledge kb_;
};

}  // namespace

std::unique_ptr<Engine> make_hosts_tampering_engine(Diagnostics& diags) {
  return std::make_unique<HostsTamperingEngine>(HostsKnowledge::builtin(diags));
}

}  // namespace msw::detect::heuristics
