// minesweep intel import FILE|DIR... | lookup VALUE... | stats | export --case CASE --format stix|misp|csv
// [--intel PATH]: the intel store plus the built-in knowledge base.
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "casedb/case_db.h"
#include "cli/commands.h"
#include "core/escape.h"
#include "core/ip.h"
#include "intel/import.h"
#include "intel/kb.h"
#include "intel/matcher.h"
#include "intel/store.h"
#include "report/iocs.h"

namespace msw::cli {
namespace {

std::string store_path(const Invocation& inv) {
  return inv.args.value("--intel").value_or(intel::default_store_path());
}

int run_import(const Invocation& inv, std::span<const std::string> paths) {
  if (paths.empty()) return usage_error("intel import", "give at least one FILE or folder");
  auto store = intel::Store::open(store_path(inv), true);
  if (!store) return input_error("intel import", store.error());
  uint64_t accepted = 0, fresh = 0, rejected = 0, files = 0;
  nlohmann::json rejects = nlohmann::json::array();
  for (const auto& p : paths) {
    auto r = intel::import_path(p);
    if (!r) return input_error("intel import", r.error());
    auto n = store->upsert(r->indicators);
    if (!n) return input_error("intel import", n.error());
    accepted += r->indicators.size();
    fresh += *n;
    rejected += r->rejected.size();
    files += r->files.size();
    for (const auto& x : r->rejected) {
      if (inv.json) {
        rejects.push_back({{"file", x.file}, {"line", x.line}, {"value", x.value}, {"reason", x.reason}});
      } else if (rejects.size() < 20) {
        rejects.push_back(0);
        std::cout << "rejected " << escape_terminal(x.file) << (x.line ? ":" + std::to_string(x.line) : std::string())
                  << " '" << escape_terminal(x.value) << "': " << escape_terminal(x.reason) << "\n";
      }
    }
    if (!inv.json)
      for (const auto& s : r->skipped_files) std::cout << "skipped " << escape_terminal(s) << "\n";
  }
  if (inv.json) {
    std::cout << json_for_output(nlohmann::json{{"store", store->path()},
                                                {"files", files},
                                                {"accepted", accepted},
                                                {"new", fresh},
                                                {"rejected", rejected},
                                                {"rejections", rejects}})
              << "\n";
  } else {
    if (rejected > 20) std::cout << "... " << (rejected - 20) << " more rejections (--json lists them all)\n";
    std::cout << "Store:     " << escape_terminal(store->path()) << "\n"
              << "Files:     " << files << "\n"
              << "Accepted:  " << accepted << " (" << fresh << " new, " << (accepted - fresh) << " already known)\n"
              << "Rejected:  " << rejected << " (each with its reason)\n";
  }
  return kExitClean;
}

int run_lookup(const Invocation& inv, std::span<const std::string> values) {
  if (values.empty()) return usage_error("intel lookup", "give at least one VALUE (IP, domain, URL, hash, name)");
  Diagnostics diags;
  std::vector<intel::FamilyInfo> families;
  intel::Matcher m = load_intel_matcher(inv, diags, &families);
  bool any = false;
  for (const auto& v : values) {
    auto hits = m.lookup(v);
    any = any || !hits.empty();
    if (inv.json) {
      nlohmann::json j = {{"value", v}, {"matches", nlohmann::json::array()}};
      for (const auto& h : hits) {
        const auto& i = m.indicators()[h.indicator];
        j["matches"].push_back({{"type", intel::to_string(i.type)},
                                {"indicator", i.value},
                                {"subdomains", i.subdomains},
                                {"family", i.family},
                                {"confidence", i.confidence},
                                {"tags", i.tags},
                                {"source", i.source}});
      }
      std::cout << json_for_output(j) << "\n";
      continue;
    }
    std::cout << escape_terminal(v) << ": " << (hits.empty() ? "not known" : std::to_string(hits.size()) + " match(es)")
              << "\n";
    for (const auto& h : hits) {
      const auto& i = m.indicators()[h.indicator];
      std::string fam = i.family;
      for (const auto& f : families)
        if (f.id == i.family && !f.names.empty()) fam = f.names.front();
      std::cout << "  " << intel::to_string(i.type) << " " << escape_terminal(i.value)
                << (i.subdomains ? " (and subdomains)" : "") << " — "
                << (fam.empty() ? (i.tags.empty() ? std::string("no family") : i.tags) : escape_terminal(fam)) << ", "
                << i.confidence << " confidence\n    source: " << escape_terminal(i.source.substr(0, 600)) << "\n";
    }
  }
  return any ? kExitFindings : kExitClean;
}

int run_stats(const Invocation& inv) {
  Diagnostics diags;
  intel::KnowledgeBase kb = intel::builtin_kb(diags);
  std::map<std::string, size_t> by_family, by_type;
  for (const auto& i : kb.indicators) {
    ++by_family[i.family.empty() ? i.tags : i.family];
    ++by_type[std::string(intel::to_string(i.type))];
  }
  nlohmann::json j = {{"knowledge_base",
                       {{"families", kb.families.size()},
                        {"indicators", kb.indicators.size()},
                        {"by_family", by_family},
                        {"by_type", by_type},
                        {"not_matchable", kb.skipped}}}};
  if (auto store = intel::Store::open(store_path(inv), false)) {
    if (auto st = store->stats())
      j["store"] = {{"path", store->path()},
                    {"indicators", st->total},
                    {"by_type", st->by_type},
                    {"by_family", st->by_family},
                    {"by_source", st->by_source}};
  } else {
    j["store"] = {{"path", store_path(inv)}, {"indicators", 0}, {"note", "no store yet: minesweep intel import FILE"}};
  }
  if (inv.json) {
    std::cout << json_for_output(j) << "\n";
    return kExitClean;
  }
  std::cout << "Built-in knowledge base: " << kb.families.size() << " families, " << kb.indicators.size()
            << " indicators\n";
  for (const auto& [f, n] : by_family) std::cout << "  " << (f.empty() ? "(other)" : f) << ": " << n << "\n";
  std::cout << "Store " << escape_terminal(j["store"]["path"].get<std::string>()) << ": "
            << j["store"]["indicators"].dump() << " indicators\n";
  return kExitClean;
}

int run_export(const Invocation& inv) {
  if (inv.case_path.empty()) return usage_error("intel export", "give the case with --case CASE");
  const std::string format = inv.args.value("--format").value_or("stix");
  if (format != "stix" && format != "misp" && format != "csv")
    return usage_error("intel export", "--format is stix, misp or csv");
  auto db = casedb::CaseDb::open(inv.case_path, true);
  if (!db) return input_error("intel export", db.error());
  auto findings = db->findings();
  if (!findings) return input_error("intel export", findings.error());
  std::vector<model::Finding> fs;
  for (auto& sf : *findings) fs.push_back(std::move(sf.finding));
  const auto out = report::case_indicators(fs, "minesweep case " + inv.case_path + ": ", report::IocScope::Shareable);
  const std::string text = format == "stix"   ? intel::export_stix(out, inv.case_path)
                           : format == "misp" ? intel::export_misp(out, "minesweep case " + inv.case_path)
                                              : intel::export_csv(out);
  if (auto o = inv.args.value("--out")) {
    std::ofstream f(*o, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return input_error("intel export", Error::make("intel.export", "cannot write " + *o));
  } else {
    std::cout << text;
  }
  return kExitClean;
}

}  // namespace

// The KB plus the store (when there is one), in one matcher.
intel::Matcher load_intel_matcher(const Invocation& inv, Diagnostics& diags, std::vector<intel::FamilyInfo>* families) {
  intel::KnowledgeBase kb = intel::builtin_kb(diags);
  if (auto store = intel::Store::open(store_path(inv), false))
    if (auto all = store->all(to_iso8601(now_utc(), 0).substr(0, 10)))
      for (auto& i : *all) kb.indicators.push_back(std::move(i));
  if (families) *families = kb.families;
  return intel::Matcher(std::move(kb.indicators));
}

int run_intel(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.empty()) return usage_error("intel", "give a subcommand: import, lookup, stats or export");
  const std::string& sub = pos[0];
  std::span<const std::string> rest(pos.data() + 1, pos.size() - 1);
  if (sub == "import") return run_import(inv, rest);
  if (sub == "lookup") return run_lookup(inv, rest);
  if (sub == "stats") return run_stats(inv);
  if (sub == "export") return run_export(inv);
  return usage_error("intel", "unknown subcommand '" + sub + "' (import, lookup, stats, export)");
}

}  // namespace msw::cli
