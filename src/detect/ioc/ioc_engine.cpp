#include "detect/ioc/ioc_engine.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/ip.h"
#include "core/text.h"
#include "data/embedded.h"
#include "intel/attribution.h"
#include "normalize/normalize.h"

namespace msw::detect::ioc {

std::shared_ptr<const IntelContext> make_intel_context(Diagnostics& diags, std::vector<intel::Indicator> extra) {
  auto ctx = std::make_shared<IntelContext>();
  intel::KnowledgeBase kb = intel::builtin_kb(diags);
  for (auto& i : extra) kb.indicators.push_back(std::move(i));
  // A family's pool address is shared infrastructure: it says "mining", not "this family" (the research lists
  // nanopool under WannaMine, and so would a report on any other family).
  std::vector<intel::Indicator> pools;
  for (const auto& i : kb.indicators)
    if (i.tags == "mining-pool") pools.push_back(i);
  const intel::Matcher pool_matcher(std::move(pools));
  for (auto& i : kb.indicators) {
    if (i.family.empty() || (i.type != intel::IndicatorType::Domain && i.type != intel::IndicatorType::Url)) continue;
    std::vector<intel::Match> m;
    if (i.type == intel::IndicatorType::Domain) pool_matcher.match_domain(i.value, m);
    else pool_matcher.match_url(i.value, m);
    if (m.empty()) continue;
    i.source += " (also listed for " + i.family + ")";
    i.family.clear();
    i.tags = "mining-pool";
  }
  ctx->matcher = intel::Matcher(std::move(kb.indicators));
  ctx->families = std::move(kb.families);
  if (auto text = data::embedded_file("intel/warninglist.txt"))
    data::for_each_content_line(*text, [&](std::string_view line, size_t) {
      if (auto ip = parse_ip(line)) ctx->warning.insert(ip->to_string());
      else if (auto d = intel::normalize_value(intel::IndicatorType::Domain, line)) ctx->warning.insert(*d);
    });
  return ctx;
}

namespace {

struct Hit {
  uint32_t indicator;
  std::string matched;
  model::EvidenceRef first;
  std::optional<Timestamp> time;
  uint64_t count = 0;
  // What to act on, as the event names it: the task ("\\Mysa"), the service, the file's full path. Empty when the
  // match was inside a command line or a network field.
  std::string object;
};

// The object a match on a host artefact names, for the remediation plan.
std::string matched_object(intel::IndicatorType t, const model::Event& e) {
  using T = intel::IndicatorType;
  if (t == T::TaskName) return e.value(model::Field::TaskName);
  if (t == T::ServiceName) return e.value(model::Field::ServiceName);
  if (t == T::FileName || t == T::Md5 || t == T::Sha1 || t == T::Sha256) {
    for (auto f : {model::Field::Image, model::Field::TargetFilename}) {
      const std::string p = e.value(f);
      if (p.size() > 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) return p;  // C:\...
      if (p.size() > 1 && p[0] == '\\' && p[1] != '\\') return "C:" + p;         // Prefetch: no drive recorded
      if (p.size() > 1 && p[0] == '/') return p;
    }
  }
  return {};
}

struct Score {
  std::string family;
  intel::FamilyEvidence evidence;
};

std::string_view field(const model::Event& e, model::Field f) {
  const std::string* v = e.get(f);
  return v ? std::string_view(*v) : std::string_view();
}

std::string_view base_name(std::string_view p) {
  size_t s = p.find_last_of("/\\");
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

// An address a hosts entry points a name at to make it unreachable.
bool blocks(std::string_view address) {
  const auto ip = parse_ip(address);
  return ip && (ip->scope() == IpScope::Loopback || ip->scope() == IpScope::Unspecified);
}

class IocEngine final : public CaseEngine {
 public:
  explicit IocEngine(std::shared_ptr<const IntelContext> intel) : intel_(std::move(intel)) {}
  std::string_view name() const override { return "ioc"; }

  void observe(const ArtefactView& a, const model::Event& e) override {
    if (intel_->matcher.size() == 0) return;
    std::vector<intel::Match> m;
    const auto& mt = intel_->matcher;
    for (auto f : {model::Field::DestinationIp, model::Field::IpAddress, model::Field::SourceIp})
      if (auto v = field(e, f); !v.empty()) mt.match_ip(v, m);
    // A name the hosts file blocks (pointed at 127.0.0.1 or 0.0.0.0) is one the attacker keeps the host away from —
    // a rival's pool, a security vendor — never one it uses: matching it would name the rival's family (the
    // hosts_tampering heuristic reports the block itself).
    const bool blocked_name =
        e.category == normalize::kHostsEntryCategory && blocks(field(e, model::Field::QueryResults));
    for (auto f : {model::Field::QueryName, model::Field::DestinationHostname}) {
      if (blocked_name && f == model::Field::QueryName) continue;
      std::string_view v = field(e, f);
      if (v.find("://") != std::string_view::npos) mt.match_url(v, m);
      else if (!v.empty()) mt.match_domain(v.substr(0, v.rfind(':') == std::string_view::npos ? v.size() : v.rfind(':')), m);
    }
    if (auto h = field(e, model::Field::Hashes); !h.empty()) {
      // Sysmon style "SHA256=…,MD5=…" or a bare hash.
      for (size_t pos = 0; pos < h.size();) {
        size_t end = h.find(',', pos);
        std::string_view part = h.substr(pos, (end == std::string_view::npos ? h.size() : end) - pos);
        if (size_t eq = part.find('='); eq != std::string_view::npos) part = part.substr(eq + 1);
        mt.match_hash(part, m);
        pos = end == std::string_view::npos ? h.size() : end + 1;
      }
    }
    for (auto f : {model::Field::Image, model::Field::TargetFilename, model::Field::ImageLoaded})
      if (auto v = field(e, f); !v.empty()) mt.match_name(intel::IndicatorType::FileName, base_name(v), m);
    if (auto v = field(e, model::Field::TaskName); !v.empty()) mt.match_name(intel::IndicatorType::TaskName, base_name(v), m);
    if (auto v = field(e, model::Field::ServiceName); !v.empty()) mt.match_name(intel::IndicatorType::ServiceName, v, m);
    if (e.category == "wmi_event")
      for (std::string_view name : {"Name", "ConsumerName", "FilterName"})
        if (const std::string* v = e.get(name); v && !v->empty()) mt.match_name(intel::IndicatorType::WmiName, *v, m);
    if (auto v = field(e, model::Field::CommandLine); !v.empty()) mt.scan_text(v.substr(0, 64 * 1024), m);
    if (auto v = field(e, model::Field::ParentCommandLine); !v.empty()) mt.scan_text(v.substr(0, 64 * 1024), m);
    // A registry value's data (a Run key's command) names hosts and files as a command line does.
    if (e.category.starts_with("registry_"))
      if (auto v = field(e, model::Field::Details); !v.empty()) mt.scan_text(v.substr(0, 64 * 1024), m);
    if (m.empty()) return;
    // A name under a listed domain matches every listed parent too (js.mys2016.info and mys2016.info): the most
    // specific one stands for it, so one name is one indicator in the finding and in the attribution.
    const auto& inds = mt.indicators();
    auto is_domain = [&](const intel::Match& x) { return inds[x.indicator].type == intel::IndicatorType::Domain; };
    for (size_t i = 0; i < m.size(); ++i)
      for (size_t j = 0; j < m.size(); ++j)
        if (i != j && is_domain(m[i]) && is_domain(m[j]) && m[i].matched == m[j].matched &&
            inds[m[j].indicator].value.size() > inds[m[i].indicator].value.size()) {
          m[i].matched.clear();  // dropped below
          break;
        }
    for (auto& x : m) {
      if (x.matched.empty() || suppressed(x)) continue;
      auto it = hits_.find(x.indicator);
      if (it == hits_.end()) {
        if (hits_.size() >= kMaxMatchedIndicators) continue;
        std::string excerpt = std::string(field(e, model::Field::CommandLine));
        if (excerpt.empty()) excerpt = std::string(field(e, model::Field::Message));
        if (excerpt.empty() && !field(e, model::Field::Details).empty())
          excerpt = std::string(field(e, model::Field::TargetObject)) + " = " + std::string(field(e, model::Field::Details));
        if (excerpt.empty()) excerpt = x.matched;
        uint64_t line = 0;
        if (auto ln = field(e, model::Field::LineNumber); !ln.empty())
          for (char c : ln.substr(0, 9)) line = line * 10 + static_cast<uint64_t>(c - '0');
        it = hits_.emplace(x.indicator, Hit{x.indicator, x.matched,
                                            {std::string(a.path), std::string(a.sha256), e.offset, 0, line,
                                             excerpt.substr(0, 512)},
                                            e.time, 0, matched_object(mt.indicators()[x.indicator].type, e)})
                 .first;
      }
      ++it->second.count;
    }
  }

  void finish(std::vector<model::Finding>& out) override {
    if (hits_.empty()) return;
    const auto& inds = intel_->matcher.indicators();
    // Group by family (pool domains and unattributed feed entries form their own groups).
    std::map<std::string, std::vector<const Hit*>> groups;
    for (const auto& [i, h] : hits_) {
      const auto& ind = inds[i];
      groups[ind.family.empty() ? (ind.tags == "mining-pool" ? std::string("#pool") : std::string("#feed")) : ind.family]
          .push_back(&h);
    }
    std::vector<Score> scores;
    for (auto& [family, hs] : groups) {
      std::sort(hs.begin(), hs.end(), [&](const Hit* x, const Hit* y) {
        const int wx = intel::attribution_weight(inds[x->indicator].type);
        const int wy = intel::attribution_weight(inds[y->indicator].type);
        return wx > wy || (wx == wy && inds[x->indicator].value < inds[y->indicator].value);
      });
      model::Finding f;
      f.engine = "ioc";
      const bool pool = family == "#pool";
      f.rule_id = pool ? kPoolRule : kIocRule;
      std::string display = pool ? "mining pools" : family == "#feed" ? "threat-intel feeds" : display_name(family);
      Score sc;
      sc.family = family;
      std::string list;
      for (const Hit* h : hs) {
        const auto& ind = inds[h->indicator];
        sc.evidence.add(ind.type, ind.value);
        if (f.evidence.size() < 25) f.evidence.push_back(h->first);
        if (!f.time || (h->time && *h->time < *f.time)) f.time = h->time;
        // The name as the evidence spells it; a pattern (WannaMine's service names) is said after it, never instead.
        list += "- " + std::string(intel::to_string(ind.type)) + " " + (ind.regex ? h->matched : ind.value) +
                (ind.regex ? " (matches " + ind.value + ")" : "") + " (" + std::to_string(h->count) + "×; " +
                ind.confidence + "; " + ind.source.substr(0, 300) + ")\n";
        f.observables.push_back({observable_kind(ind.type), h->matched, "intel: " + display});
        if (!pool && !h->object.empty()) {
          using T = intel::IndicatorType;
          const std::string& o = h->object;
          if (ind.type == T::TaskName)
            f.actions.push_back({model::ActionKind::RemoveScheduledTask, o, "Export, then delete the scheduled task " + o + ".",
                                 "导出后删除计划任务 " + o + "。"});
          else if (ind.type == T::ServiceName)
            f.actions.push_back({model::ActionKind::RemoveService, o, "Stop, disable and delete the service " + o + ".",
                                 "停止、禁用并删除服务 " + o + "。"});
          else
            f.actions.push_back({model::ActionKind::QuarantineFile, o, "Move " + o + " into quarantine if it is still there.",
                                 "如 " + o + " 仍存在，将其移入隔离区。"});
        }
      }
      const bool strong = std::any_of(
          hs.begin(), hs.end(), [&](const Hit* h) { return intel::attribution_weight(inds[h->indicator].type) >= 3; });
      f.severity = pool ? model::Severity::Medium : strong ? model::Severity::High : model::Severity::Low;
      const auto& top = inds[hs.front()->indicator];
      const std::string first = top.regex ? hs.front()->matched : top.value;
      f.title_en = (pool ? "Mining pool named: " : "Known indicators of " + display + ": ") + first +
                   (hs.size() > 1 ? " and " + std::to_string(hs.size() - 1) + " more" : "");
      f.title_zh = (pool ? "出现矿池：" : display + " 的已知威胁指标：") + first +
                   (hs.size() > 1 ? " 等 " + std::to_string(hs.size()) + " 项" : "");
      f.description_en = "Indicators " + std::string(pool ? "of public mining pools" : "known for " + display) +
                         " appear in this evidence:\n" + list;
      f.description_zh = "证据中出现" + std::string(pool ? "公共矿池" : display + " ") + "的已知指标：\n" + list;
      f.attack = pool ? std::vector<std::string>{"T1496"} : std::vector<std::string>{};
      if (!pool && family != "#feed") f.family = family;
      out.push_back(std::move(f));
      if (!pool && family != "#feed") scores.push_back(std::move(sc));
    }
    attribute(scores, out);
  }

 private:
  bool suppressed(const intel::Match& m) const {
    // Private and reserved addresses and warning-listed values are never findings by themselves.
    const auto& ind = intel_->matcher.indicators()[m.indicator];
    if (ind.type == intel::IndicatorType::Ip || ind.type == intel::IndicatorType::Cidr) {
      auto ip = parse_ip(m.matched);
      return (ip && ip->scope() != IpScope::Public) || intel_->warning.count(m.matched);
    }
    if (ind.type == intel::IndicatorType::Domain) return intel_->warning.count(ind.value) != 0;
    return false;
  }

  std::string display_name(const std::string& id) const {
    for (const auto& f : intel_->families)
      if (f.id == id && !f.names.empty()) return f.names.front();
    return id;
  }

  static model::ObservableKind observable_kind(intel::IndicatorType t) {
    using T = intel::IndicatorType;
    switch (t) {
      case T::Ip:
      case T::Cidr: return model::ObservableKind::Ip;
      case T::Domain: return model::ObservableKind::Domain;
      case T::Url: return model::ObservableKind::Url;
      case T::Md5: return model::ObservableKind::Md5;
      case T::Sha1: return model::ObservableKind::Sha1;
      case T::Sha256: return model::ObservableKind::Sha256;
      case T::Wallet: return model::ObservableKind::Wallet;
      case T::TaskName: return model::ObservableKind::ScheduledTask;
      case T::ServiceName: return model::ObservableKind::Service;
      case T::WmiName: return model::ObservableKind::WmiObject;
      case T::RegistryKey: return model::ObservableKind::RegistryKey;
      case T::Mutex: return model::ObservableKind::Mutex;
      case T::Email: return model::ObservableKind::Email;
      default: return model::ObservableKind::FileName;
    }
  }

  // A family is attributed by intel::FamilyEvidence's rule: a score of at least 6 from at least two kinds of indicator
  // (or one file hash or wallet), and never from network indicators alone.
  void attribute(std::vector<Score>& scores, std::vector<model::Finding>& out) const {
    std::vector<const Score*> attributed;
    for (const auto& s : scores)
      if (s.evidence.attributes()) attributed.push_back(&s);
    if (attributed.empty()) return;
    std::sort(attributed.begin(), attributed.end(),
              [](const Score* a, const Score* b) { return a->evidence.score() > b->evidence.score(); });
    model::Finding f;
    f.engine = "kb";
    f.rule_id = kAttributionRule;
    f.severity = model::Severity::High;
    std::string names_en, names_zh, detail;
    for (const Score* s : attributed) {
      const std::string n = display_name(s->family);
      names_en += (names_en.empty() ? "" : " and ") + n;
      names_zh += (names_zh.empty() ? "" : "、") + n;
      detail += "- " + n + ": score " + std::to_string(s->evidence.score()) + " from " +
                std::to_string(s->evidence.kinds()) + " kinds of indicator\n";
    }
    f.family = attributed.front()->family;
    const bool co = attributed.size() > 1;
    f.title_en = (co ? "Co-infection: " : "Family: ") + names_en;
    f.title_zh = (co ? "多家族共存感染：" : "家族判定：") + names_zh;
    f.description_en = "Matched knowledge-base indicators attribute this host to " + names_en + ":\n" + detail +
                       (co ? "Mining families often share a host (they kill each other's miners); clean for all of them."
                           : "The knowledge base's remediation for this family applies; see its indicators above.");
    f.description_zh = "知识库指标匹配将本机归属为 " + names_zh + "：\n" + detail +
                       (co ? "挖矿家族常同时存在于一台主机（互相清除对方矿机），需针对每个家族清理。" : "可按该家族的处置建议清理。");
    if (const auto* info = [&]() -> const intel::FamilyInfo* {
          for (const auto& fi : intel_->families)
            if (fi.id == f.family) return &fi;
          return nullptr;
        }())
      for (size_t k = 0; k < info->remediation_en.size() && f.actions.size() < 8; ++k)
        f.actions.push_back({model::ActionKind::FamilyPlaybook, info->id + " step " + std::to_string(k + 1), info->remediation_en[k],
                             k < info->remediation_zh.size() ? info->remediation_zh[k] : info->remediation_en[k]});
    out.push_back(std::move(f));
  }

  std::shared_ptr<const IntelContext> intel_;
  std::map<uint32_t, Hit> hits_;
};

}  // namespace

std::unique_ptr<CaseEngine> make_ioc_engine(std::shared_ptr<const IntelContext> intel) {
  return std::make_unique<IocEngine>(std::move(intel));
}

}  // namespace msw::detect::ioc
