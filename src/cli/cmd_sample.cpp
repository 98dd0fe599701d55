// `minesweep sample FILE`: what one suspicious file is, without running it — its format from its bytes, hashes
// (ssdeep too) and entropy; for a PE its headers, sections, imports (imphash), version resource, Rich header, TLS
// callbacks, PDB path, overlay, signature and the packers, protectors, installers, self-extractors and compilers it
// shows, each with its evidence; scripts, strings, indicators and YARA; and then the same for what it carries (an
// SFX's members, a PyInstaller bundle's payloads) as a tree. The analysis itself is sample/analyse.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/escape.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "core/thread_pool.h"
#include "pipeline/scan.h"
#include "sample/analyse.h"

namespace msw::cli {
namespace {

using nlohmann::json;
using sample::field;
namespace fs = std::filesystem;

void print_pe(const json& p) {
  auto t = [](std::string_view s) { return escape_terminal(s); };
  std::cout << "PE:          " << field(p, "machine") << ", " << p["bits"].get<int>() << "-bit "
            << (p["driver"].get<bool>() ? "driver"
                : p["dll"].get<bool>()  ? "DLL"
                                        : "program")
            << (p["dotnet"].get<bool>() ? " (.NET)" : "") << ", compiled " << field(p, "compile_time") << "\n";
  std::cout << "Entry point: " << field(p, "entry_point")
            << (field(p, "entry_section").empty() ? " (in no section)" : " in " + t(field(p, "entry_section"))) << "\n";
  std::cout << "Sections:    ";
  for (const auto& s : p["sections"])
    std::cout << t(field(s, "name").empty() ? "(unnamed)" : field(s, "name")) << " " << s["raw_size"].get<uint64_t>()
              << " B, entropy " << fixed2(s["entropy"].get<double>()) << (s["executable"].get<bool>() ? " x" : "")
              << (s["writable"].get<bool>() ? "w" : "") << "; ";
  std::cout << "\n";
  size_t functions = 0;
  for (const auto& i : p["imports"]) functions += i["functions"].size();
  std::cout << "Imports:     " << p["imports"].size() << " DLLs, " << functions << " functions, imphash "
            << field(p, "imphash") << "\n";
  if (!p["exports"].empty())
    std::cout << "Exports:     " << p["exports"].size() << " (" << t(field(p, "export_name")) << ")\n";
  if (!field(p, "pdb_path").empty()) std::cout << "PDB:         " << t(field(p, "pdb_path")) << "\n";
  if (!p["version_info"].empty() || !field(p, "file_version").empty()) {
    std::string v = field(p, "file_version");
    for (const auto& [k, val] : p["version_info"].items())
      v += (v.empty() ? "" : "; ") + k + "=" + val.get<std::string>();
    std::cout << "Version:     " << t(v) << "\n";
  }
  if (!p["rich"].empty()) std::cout << "Rich header: " << p["rich"].size() << " tool entries\n";
  if (!p["tls_callbacks"].empty())
    std::cout << "TLS:         " << p["tls_callbacks"].size() << " callbacks (run before the entry point)\n";
  const auto& ov = p["overlay"];
  if (ov["size"].get<uint64_t>())
    std::cout << "Overlay:     " << ov["size"].get<uint64_t>() << " bytes at "
              << hex_string(ov["offset"].get<uint64_t>()) << ", entropy " << fixed2(ov["entropy"].get<double>())
              << "\n";
  const auto& sig = p["signature"];
  if (!sig["present"].get<bool>())
    std::cout << "Signature:   none\n";
  else if (!sig["parsed"].get<bool>())
    std::cout << "Signature:   certificate table present but unreadable: " << t(field(sig, "note")) << "\n";
  else
    std::cout << "Signature:   signed by " << t(field(sig, "signer_subject")) << ", issued by "
              << t(field(sig, "signer_issuer")) << " (" << t(field(sig, "not_before")) << " to "
              << t(field(sig, "not_after")) << "); " << t(field(sig, "digest_algorithm")) << " digest "
              << (field(sig, "embedded_digest").empty() ? "not found"
                  : sig["digest_matches"].get<bool>()   ? "matches the file"
                                                        : "does NOT match: changed after signing")
              << " (chain not verified)\n";
  for (const auto& v : p["tools"])
    std::cout << "Tool:        " << t(field(v, "name")) << " (" << field(v, "kind") << "): " << t(field(v, "evidence"))
              << "\n";
  for (const auto& n : p["notes"]) std::cout << "Note:        " << t(n.get<std::string>()) << "\n";
}

void print_yara(const json& j, const std::string& indent) {
  for (const auto& m : j["yara"]) {
    std::string line = field(m, "rule") + " (" + field(m, "namespace") + ")";
    if (m.contains("member")) line += " in " + field(m, "member");
    if (m["meta"].contains("description")) line += ": " + m["meta"]["description"].get<std::string>().substr(0, 200);
    std::string hits;
    for (const auto& s : m["strings"])
      hits += (hits.empty() ? "" : ", ") + field(s, "id") + "@" + hex_string(s["offset"].get<uint64_t>());
    if (!hits.empty()) line += " [" + hits + "]";
    std::cout << indent << "YARA:        " << escape_terminal(line) << "\n";
  }
  if (j.contains("yara_error"))
    std::cout << indent << "YARA:        not scanned: " << escape_terminal(field(j, "yara_error")) << "\n";
}

void print_archive(const json& j, const std::string& indent) {
  if (!j.contains("archive")) {
    if (j.contains("archive_error"))
      std::cout << indent << "Archive:     not read: " << escape_terminal(field(j, "archive_error")) << "\n";
    return;
  }
  const auto& a = j["archive"];
  std::cout << indent << "Archive:     " << escape_terminal(field(a, "format")) << " at "
            << hex_string(a["offset"].get<uint64_t>()) << ", " << a["members"].get<size_t>() << " members\n";
  if (a.contains("sfx_script")) {
    const auto& s = a["sfx_script"];
    std::string line;
    for (const auto& c : s["commands"])
      line +=
          (line.empty() ? "" : "; ") + field(c, "command") + (field(c, "value").empty() ? "" : "=" + field(c, "value"));
    std::cout << indent << "SFX script:  " << escape_terminal(line) << "\n";
    for (const auto& r : s["runs"])
      std::cout << indent << "SFX runs:    " << escape_terminal(r.get<std::string>())
                << (s["silent"].get<bool>() ? " (silently, after extracting" : " (after extracting")
                << (field(s, "path").empty() ? "" : " into " + escape_terminal(field(s, "path"))) << ")\n";
  }
  for (const auto& n : a["notes"])
    std::cout << indent << "Note:        " << escape_terminal(n.get<std::string>()) << "\n";
  if (j.contains("skipped"))
    for (const auto& s : j["skipped"])
      std::cout << indent << "Skipped:     " << escape_terminal(field(s, "name")) << ": "
                << escape_terminal(field(s, "note")) << "\n";
}

// A child in the tree: one line that says what it is, then what matters about it, indented under its parent.
void print_child(const json& c, size_t level) {
  const std::string indent(level * 2, ' ');
  std::string what = field(c, "format");
  if (c.contains("pe"))
    for (const auto& t : c["pe"]["tools"]) what += ", " + field(t, "name");
  if (c.contains("pyinstaller")) what += ", PyInstaller (Python " + field(c["pyinstaller"], "python") + ")";
  if (c.contains("family")) what += ", family " + field(c, "family");
  std::cout << indent << "└─ " << escape_terminal(field(c, "name")) << " (" << c["size"].get<uint64_t>() << " bytes"
            << (what.empty() ? "" : ", " + escape_terminal(what)) << ")";
  if (c.contains("limit")) {
    std::cout << ": not analysed (" << field(c, "limit") << ")\n";
    return;
  }
  std::cout << "\n" << indent << "   SHA-256:     " << field(c, "sha256") << "\n";
  if (c.contains("extracted_to"))
    std::cout << indent << "   Written to:  " << escape_terminal(field(c, "extracted_to")) << "\n";
  if (c.contains("note")) std::cout << indent << "   Note:        " << escape_terminal(field(c, "note")) << "\n";
  for (const auto& k : c["intel"])
    std::cout << indent << "   Known:       "
              << escape_terminal(field(k, "type") + " of " +
                                 (field(k, "family").empty() ? "no family" : field(k, "family")))
              << "\n";
  size_t shown = 0;
  for (const auto& i : c["iocs"])
    if (shown++ < 10)
      std::cout << indent << "   IOC:         " << escape_terminal(field(i, "kind") + " " + field(i, "value")) << "\n";
  if (c["iocs"].size() > 10)
    std::cout << indent << "   IOC:         ... " << c["iocs"].size() - 10 << " more (--json)\n";
  print_yara(c, indent + "   ");
  print_archive(c, indent + "   ");
  for (const auto& g : c["children"]) print_child(g, level + 1);
}

void print_root(const json& j, const sample::Analysis& a) {
  std::cout << "File:        " << escape_terminal(field(j, "name")) << " (" << j["size"].get<uint64_t>() << " bytes, "
            << field(j, "format") << ", entropy " << fixed2(j["entropy"].get<double>()) << ")\n"
            << "MD5:         " << field(j, "md5") << "\nSHA-1:       " << field(j, "sha1")
            << "\nSHA-256:     " << field(j, "sha256") << "\n";
  if (!field(j, "ssdeep").empty()) std::cout << "ssdeep:      " << field(j, "ssdeep") << "\n";
  if (j.contains("encoding")) std::cout << "Encoding:    " << field(j, "encoding") << "\n";
  if (j.contains("pyc"))
    std::cout << "Python:      compiled for Python " << field(j["pyc"], "python") << " (pyc magic)\n";
  for (const auto& k : j["intel"])
    std::cout << "Known:       "
              << escape_terminal(field(k, "type") + " of " +
                                 (field(k, "family").empty() ? "no family" : field(k, "family")) + " (" +
                                 field(k, "confidence") + "; " + field(k, "source").substr(0, 200) + ")")
              << "\n";
  if (j.contains("pe")) print_pe(j["pe"]);
  if (j.contains("script")) {
    const auto& js = j["script"];
    std::string layers;
    for (const auto& l : js["layers"])
      layers +=
          (layers.empty() ? "" : ", ") + l["name"].get<std::string>() + " ×" + std::to_string(l["count"].get<size_t>());
    std::cout << "Script:      " << js["language"].get<std::string>()
              << (layers.empty() ? "" : ", layers undone: " + layers) << "\n";
    for (const auto& c : js["commands"]) {
      std::string line = c["kind"].get<std::string>() + " (" + c["attack"].get<std::string>() + ", line " +
                         std::to_string(c["line"].get<size_t>()) + "):";
      for (const auto& [k, v] : c["fields"].items())
        if (!v.get<std::string>().empty()) line += " " + k + "=" + v.get<std::string>().substr(0, 200);
      if (c.contains("intel")) {
        std::set<std::string> fams;
        for (const auto& hit : c["intel"]) fams.insert(hit["family"].get<std::string>());
        for (const auto& f : fams) line += " — known: " + (f.empty() ? std::string("no family") : f);
      }
      std::cout << "Command:     " << escape_terminal(line) << "\n";
    }
    for (const auto& [fam, n] : js["families"].items())
      std::cout << "Family:      " << escape_terminal(fam) << " (" << n.get<size_t>()
                << " of the script's indicators)\n";
  }
  if (j.contains("pyinstaller")) {
    const auto& jp = j["pyinstaller"];
    size_t scripts = 0, modules = 0, encrypted = 0;
    for (const auto& m : jp["members"]) {
      scripts += m["type"] == "s";
      modules += m["type"] == "p";
      encrypted += m["encrypted"].get<bool>();
    }
    std::cout << "PyInstaller: Python " << jp["python"].get<std::string>() << " ("
              << escape_terminal(jp["library"].get<std::string>()) << "), " << jp["members"].size()
              << " members: " << scripts << " entry scripts, " << modules << " PYZ modules"
              << (encrypted ? ", " + std::to_string(encrypted) + " encrypted (PyInstaller --key)" : "") << "\n";
    for (const auto& m : jp["members"])
      if (m["type"] == "s") std::cout << "Entry point: " << escape_terminal(m["name"].get<std::string>()) << "\n";
    for (const auto& n : jp["notes"]) std::cout << "Note:        " << escape_terminal(n.get<std::string>()) << "\n";
    if (jp.contains("extracted"))
      std::cout << "Extracted:   " << jp["extracted"]["files"].get<size_t>() << " files into "
                << escape_terminal(jp["extracted"]["folder"].get<std::string>())
                << " (code as .pyc with the header for Python " << jp["python"].get<std::string>() << ")\n";
  }
  if (j.contains("pyinstaller_error"))
    std::cout << "PyInstaller: not unpacked: " << escape_terminal(j["pyinstaller_error"].get<std::string>()) << "\n";
  std::cout << "Strings:     " << j["strings"]["count"].get<size_t>()
            << (j["strings"]["truncated"].get<bool>() ? " (cut at the limit)" : "") << ", " << j["iocs"].size()
            << " indicators\n";
  for (const auto& ji : j["iocs"]) {
    std::string line = ji["kind"].get<std::string>() + " " + ji["value"].get<std::string>() + " @" +
                       hex_string(ji["offset"].get<uint64_t>());
    if (!ji["detail"].get<std::string>().empty()) line += " (" + ji["detail"].get<std::string>() + ")";
    if (ji.contains("member")) line += " in " + ji["member"].get<std::string>();
    if (ji.contains("intel"))
      for (const auto& hit : ji["intel"])
        line += " — known: " + (hit["family"].get<std::string>().empty() ? std::string("no family")
                                                                         : hit["family"].get<std::string>());
    std::cout << "IOC:         " << escape_terminal(line) << "\n";
  }
  if (j.contains("pe_error"))
    std::cout << "PE:          not parsed: " << escape_terminal(j["pe_error"].get<std::string>()) << "\n";
  print_yara(j, "");
  print_archive(j, "");
  if (j.contains("family")) std::cout << "Family:      " << escape_terminal(field(j, "family")) << " (tree verdict)\n";
  if (!j["children"].empty()) {
    std::cout << "Contents:    " << a.nodes - 1 << " files inside\n";
    for (const auto& c : j["children"]) print_child(c, 0);
  }
  for (const auto& l : a.limits) std::cout << "Limit:       " << escape_terminal(l) << "\n";
}

}  // namespace

int run_sample(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.size() != 1) return usage_error("sample", "give exactly one FILE (or a FOLDER with --recursive)");
  std::error_code ec;
  std::optional<MappedFile> single;
  if (!fs::is_directory(pos[0], ec)) {
    auto file = MappedFile::open(pos[0]);
    if (!file) return input_error("sample", file.error());
    single = std::move(file).value();
  }
  Diagnostics diags;
  const intel::Matcher matcher = load_intel_matcher(inv, diags, nullptr);
  // YARA: the built-in rules always, the user's with --yara; compiled sets are cached.
  detect::yara::LoadReport yara_report;
  std::vector<std::string> yara_paths;
  if (auto y = inv.args.value("--yara")) yara_paths.push_back(*y);
  const std::string cache = inv.args.value("--yara-cache").value_or(detect::yara::default_cache_dir());
  auto rules = detect::yara::Rules::load(yara_paths, true, cache == "none" ? "" : cache, yara_report);
  if (!rules) return input_error("sample", rules.error());
  if (!inv.quiet && !inv.json && (!yara_paths.empty() || !yara_report.failed.empty())) {
    std::cerr << "YARA: " << yara_report.rules << " rules from " << yara_report.compiled << " of " << yara_report.files
              << " files" << (yara_report.from_cache ? " (cached)" : "") << "\n";
    for (const auto& f : yara_report.failed)
      std::cerr << "YARA: skipped " << escape_terminal(f.path) << ": " << escape_terminal(f.error) << "\n";
  }
  sample::Options options;
  options.matcher = &matcher;
  options.yara = &*rules;
  if (auto dir = inv.args.value("--extract")) options.extract_dir = fs::path(*dir);

  if (!single) {
    // A folder: every regular file under it, one summary line each (JSON Lines with --json), as `yara -r` would go.
    if (!inv.args.has("--recursive")) return usage_error("sample", pos[0] + " is a folder: add --recursive");
    if (options.extract_dir) return usage_error("sample", "--extract takes one FILE, not a folder");
    std::vector<fs::path> paths;
    for (fs::recursive_directory_iterator it(pos[0], fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) paths.push_back(it->path());
    std::sort(paths.begin(), paths.end());
    // Both cores: files are analysed in parallel in batches, and printed in path order.
    ThreadPool pool(resolve_thread_count(inv.threads));
    constexpr size_t kBatch = 64;
    bool any = false;
    size_t files = 0;
    for (size_t from = 0; from < paths.size(); from += kBatch) {
      const size_t n = std::min(kBatch, paths.size() - from);
      std::vector<std::string> lines(n);
      std::vector<char> suspicious(n, 0);
      pool.parallel_for(n, [&](size_t i) {
        const fs::path& path = paths[from + i];
        auto file = MappedFile::open(path.string());
        if (!file) return;
        auto a = sample::analyse(file->bytes(), path.string(), options);
        if (!a) return;
        suspicious[i] = a->suspicious;
        if (inv.json) {
          lines[i] = json_for_output(a->root) + "\n";
        } else {
          std::string what = field(a->root, "format");
          for (const auto& m : a->root["yara"]) what += ", YARA " + field(m, "rule");
          if (a->root.contains("family")) what += ", family " + field(a->root, "family");
          lines[i] = std::string(a->suspicious ? "! " : "  ") + escape_terminal(path.string()) + ": " +
                     escape_terminal(what) + "\n";
        }
      });
      for (size_t i = 0; i < n; ++i) {
        if (lines[i].empty()) continue;
        ++files;
        any = any || suspicious[i];
        std::cout << lines[i];
      }
    }
    if (!inv.quiet && !inv.json) std::cerr << files << " files analysed\n";
    return any ? kExitFindings : kExitClean;
  }

  auto a = sample::analyse(single->bytes(), pos[0], options);
  if (!a) return input_error("sample", a.error());
  json& j = a->root;
  j["path"] = pos[0];
  j["limits"] = a->limits;
  j["yara_rules"] = {{"rules", yara_report.rules},
                     {"files", yara_report.files},
                     {"failed", json::array()},
                     {"cached", yara_report.from_cache}};
  for (const auto& f : yara_report.failed) j["yara_rules"]["failed"].push_back({{"path", f.path}, {"error", f.error}});
  // --case: the sample as a case of its own, so `report`, `respond` and `intel export` work on it as on a scan.
  if (!inv.case_path.empty()) {
    pipeline::ScanOptions scan;
    scan.inputs = {pos[0]};
    scan.case_path = inv.case_path;
    scan.command_line = inv.command_line;
    scan.threads = inv.threads;
    scan.progress = false;
    scan.intel_path = inv.args.value("--intel").value_or("");
    scan.yara_paths = yara_paths;
    scan.yara_cache = cache == "none" ? "" : cache;
    auto stored = pipeline::run_scan(scan);
    if (!stored) return input_error("sample", stored.error());
    j["case"] = stored->case_path;
  }
  if (inv.json) {
    std::cout << json_for_output(j, 2) << "\n";
  } else {
    print_root(j, *a);
    if (j.contains("case")) std::cout << "Case:        " << escape_terminal(field(j, "case")) << " (its findings)\n";
  }
  return a->suspicious ? kExitFindings : kExitClean;
}

}  // namespace msw::cli
