#include "intel/kb.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <tuple>

#include "core/text.h"
#include "data/embedded.h"

namespace msw::intel {

const FamilyInfo* KnowledgeBase::family(std::string_view id) const {
  for (const auto& f : families)
    if (f.id == id) return &f;
  return nullptr;
}

namespace {

std::string scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

class Loader {
 public:
  Loader(KnowledgeBase& kb, std::string file, std::string family, size_t& skipped)
      : kb_(kb), file_(std::move(file)), family_(std::move(family)), skipped_(skipped) {}

  void add(IndicatorType type, const std::string& raw, const YAML::Node& item, const YAML::Node& group,
           bool subdomains = false, bool regex = false) {
    Indicator ind;
    ind.type = type;
    ind.subdomains = subdomains;
    ind.regex = regex;
    if (regex) {
      ind.value = raw;
    } else if (auto v = normalize_value(type, raw)) {
      ind.value = *v;
    } else {
      ++skipped_;
      return;
    }
    ind.family = family_;
    std::string src = scalar(item, "source");
    if (src.empty() && group) src = scalar(group, "source");
    ind.source = "kb:" + file_ + (src.empty() ? "" : " — " + src);
    ind.confidence = scalar(item, "confidence");
    if (ind.confidence.empty() && group) ind.confidence = scalar(group, "confidence");
    if (ind.confidence.empty()) ind.confidence = "high";
    kb_.indicators.push_back(std::move(ind));
  }

  // "values: [...]" lists with a group-level type and source.
  void values(IndicatorType type, const YAML::Node& group, bool subdomains = false) {
    const YAML::Node vs = group["values"];
    if (!vs || !vs.IsSequence()) return;
    for (const auto& v : vs)
      if (v.IsScalar()) add(type, v.as<std::string>(), YAML::Node(), group, subdomains);
  }

  // A family's domains are the attacker's own: every name below one is theirs too (up.mykings.pw under mykings.pw,
  // matched at label boundaries, so notmykings.pw is not), as pool domains already are.
  void network(const YAML::Node& list) {
    if (!list || !list.IsSequence()) return;
    for (const auto& g : list) {
      const std::string type = scalar(g, "type");
      const YAML::Node vs = g["values"];
      if (!vs || !vs.IsSequence()) continue;
      for (const auto& v : vs) {
        if (!v.IsScalar()) continue;
        std::string raw = v.as<std::string>();
        if (type == "domain")
          add(IndicatorType::Domain, raw, YAML::Node(), g, true);
        else if (type == "ip") add(IndicatorType::Ip, raw, YAML::Node(), g);
        else if (type == "url") add(IndicatorType::Url, raw, YAML::Node(), g);
        else if (type == "url_host" || type == "domain_port" || type == "ip_port" || type == "mixed") {
          // host, host:port or anything: keep the host part, typed by its shape.
          if (auto t = infer_type(raw); t == IndicatorType::Url) {
            add(IndicatorType::Url, raw, YAML::Node(), g);
            continue;
          }
          std::string host = raw;
          if (size_t c = host.rfind(':'); c != std::string::npos && host.find(':') == c) host = host.substr(0, c);
          if (auto t = infer_type(host); t == IndicatorType::Ip || t == IndicatorType::Domain)
            add(*t, host, YAML::Node(), g, /*subdomains=*/t == IndicatorType::Domain);
          else ++skipped_;
        }
        // url_path, port and user_agent values are context for people, not indicators to match.
      }
    }
  }

  void hashes(const YAML::Node& list) {
    if (!list || !list.IsSequence()) return;
    for (const auto& g : list) {
      const std::string type = to_lower_ascii(scalar(g, "type"));
      auto t = type == "md5" ? IndicatorType::Md5 : type == "sha1" ? IndicatorType::Sha1 : IndicatorType::Sha256;
      values(t, g);
    }
  }

  // Names given as prose ("Mysa", "SCM Event8 Log Filter") are kept; descriptions with parentheses are not names.
  void names(IndicatorType type, const YAML::Node& list, std::initializer_list<const char*> keys) {
    if (!list || !list.IsSequence()) return;
    for (const auto& item : list)
      for (const char* k : keys) {
        std::string v = scalar(item, k);
        if (v.empty() || v.size() > 120 || v.find('(') != std::string::npos || v.find(" and ") != std::string::npos) continue;
        add(type, v, item, YAML::Node());
      }
  }

  // File names from "name" ("tntrecht / tdchattr (renamed chattr)", "d.sh, unk.sh") and the base names of "path"
  // ("/tmp/kinsing, /var/tmp/kinsing or C:\\Windows\\x.exe"): alternatives before any parenthesis, without spaces
  // or shell expansions.
  void files(const YAML::Node& list) {
    if (!list || !list.IsSequence()) return;
    std::set<std::string> seen;
    for (const auto& item : list)
      for (const char* key : {"name", "path"}) {
        std::string v = scalar(item, key);
        v = v.substr(0, v.find('('));
        for (char& c : v)
          if (c == ',') c = ' ';
        for (auto word : split_words(v)) {
          if (word == "/" || word == "or" || word.find_first_of("*$<>%") != std::string_view::npos) continue;
          std::string_view base = word.substr(word.find_last_of("/\\") == std::string_view::npos ? 0 : word.find_last_of("/\\") + 1);
          if (base.size() < 3 || base.size() > 64) continue;
          if (seen.insert(std::string(base)).second) add(IndicatorType::FileName, std::string(base), item, YAML::Node());
        }
      }
  }

 private:
  KnowledgeBase& kb_;
  std::string file_, family_;
  size_t& skipped_;
};

}  // namespace

Result<void> load_kb_yaml(std::string_view text, std::string_view file, KnowledgeBase& kb, size_t& skipped) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error::make("kb.bad_yaml", std::string(file) + ": " + e.what());
  }
  try {
    if (const YAML::Node f = doc["family"]) {
      FamilyInfo info;
      info.id = scalar(f, "id");
      if (info.id.empty()) return Error::make("kb.bad_yaml", std::string(file) + ": family without an id");
      if (f["names"] && f["names"].IsSequence())
        for (const auto& n : f["names"]) info.names.push_back(n.as<std::string>());
      if (f["platforms"] && f["platforms"].IsSequence())
        for (const auto& p : f["platforms"]) info.platforms.push_back(p.as<std::string>());
      info.summary = scalar(f, "summary");
      if (f["remediation"] && f["remediation"].IsSequence())
        for (const auto& r : f["remediation"]) info.remediation_en.push_back(scalar(r, "step"));
      Loader l(kb, std::string(file), info.id, skipped);
      l.network(f["network"]);
      l.hashes(f["hashes"]);
      if (f["wallets"] && f["wallets"].IsSequence())
        for (const auto& g : f["wallets"]) l.values(IndicatorType::Wallet, g);
      if (const YAML::Node p = f["persistence"]) {
        l.names(IndicatorType::TaskName, p["scheduled_tasks"], {"name"});
        l.names(IndicatorType::ServiceName, p["services"], {"name"});
        if (p["services"] && p["services"].IsSequence())
          for (const auto& s : p["services"])
            if (std::string re = scalar(s, "regex"); !re.empty()) l.add(IndicatorType::ServiceName, re, s, YAML::Node(), false, true);
        l.names(IndicatorType::WmiName, p["wmi"], {"filter", "consumer", "class_with_payloads"});
      }
      l.files(f["files"]);
      kb.families.push_back(std::move(info));
    } else if (const YAML::Node zh = doc["remediation_zh"]) {
      if (!zh.IsMap()) return Error::make("kb.bad_yaml", std::string(file) + ": remediation_zh is not a map");
      for (auto it = zh.begin(); it != zh.end(); ++it) {
        // Copies, not references: yaml-cpp's map iterator hands out a temporary pair.
        const YAML::Node key = it->first, list = it->second;
        std::vector<std::string> steps;
        if (list.IsSequence())
          for (const auto& st : list) steps.push_back(st.as<std::string>());
        kb.pending_zh[key.as<std::string>()] = std::move(steps);
      }
    } else if (const YAML::Node pools = doc["mining_pools"]) {
      Loader l(kb, std::string(file), "", skipped);
      if (pools["curated"] && pools["curated"].IsSequence())
        for (const auto& p : pools["curated"])
          if (std::string d = scalar(p, "domain"); !d.empty()) l.add(IndicatorType::Domain, d, p, YAML::Node(), true);
      if (pools["all_pool_domains"]) l.values(IndicatorType::Domain, pools["all_pool_domains"], true);
    }
  } catch (const YAML::Exception& e) {
    return Error::make("kb.bad_yaml", std::string(file) + ": " + e.what());
  }
  return {};
}

KnowledgeBase builtin_kb(Diagnostics& diags) {
  KnowledgeBase kb;
  size_t skipped = 0;
  for (const auto& f : data::embedded_files()) {
    if (!f.path.starts_with("kb/") || !f.path.ends_with(".yaml")) continue;
    const std::string name(f.path.substr(3));
    if (auto r = load_kb_yaml(f.bytes, name, kb, skipped); !r)
      diags.add("kb.load", DiagSeverity::Error, std::string(f.path), 0, r.error().message);
  }
  for (auto& f : kb.families)
    if (auto it = kb.pending_zh.find(f.id); it != kb.pending_zh.end()) f.remediation_zh = it->second;
  kb.pending_zh.clear();
  // Pool domains carry the tag that tells matching engines they are infrastructure, not one family's.
  for (auto& ind : kb.indicators)
    if (ind.family.empty() && ind.type == IndicatorType::Domain) ind.tags = "mining-pool";
  // The research lists a value once per report that names it: one indicator per (type, value, family), with every
  // source kept and the highest confidence.
  std::map<std::tuple<IndicatorType, std::string, bool, std::string>, size_t> first;
  std::vector<Indicator> merged;
  auto rank = [](const std::string& c) { return c == "high" ? 2 : c == "medium" ? 1 : 0; };
  for (auto& ind : kb.indicators) {
    auto [it, fresh] = first.try_emplace({ind.type, ind.value, ind.subdomains, ind.family}, merged.size());
    if (fresh) {
      merged.push_back(std::move(ind));
      continue;
    }
    Indicator& m = merged[it->second];
    if (m.source.size() < 2000) m.source += " | " + ind.source.substr(ind.source.find(" — ") == std::string::npos ? 0 : ind.source.find(" — ") + 5);
    if (rank(ind.confidence) > rank(m.confidence)) m.confidence = ind.confidence;
  }
  kb.indicators = std::move(merged);
  kb.skipped = skipped;
  return kb;
}

}  // namespace msw::intel
