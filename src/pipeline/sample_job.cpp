#include "pipeline/sample_job.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/escape.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "core/thread_pool.h"

namespace msw::pipeline {
namespace {

using nlohmann::json;
using sample::field;
namespace fs = std::filesystem;

void print_pe(const json& p, std::ostream& out) {
  auto t = [](std::string_view s) { return escape_terminal(s); };
  out << "PE:          " << field(p, "machine") << ", " << p["bits"].get<int>() << "-bit "
      << (p["driver"].get<bool>() ? "driver"
          : p["dll"].get<bool>()  ? "DLL"
                                  : "program")
      << (p["dotnet"].get<bool>() ? " (.NET)" : "") << ", compiled " << field(p, "compile_time") << "\n";
  out << "Entry point: " << field(p, "entry_point")
      << (field(p, "entry_section").empty() ? " (in no section)" : " in " + t(field(p, "entry_section"))) << "\n";
  out << "Sections:    ";
  for (const auto& s : p["sections"])
    out << t(field(s, "name").empty() ? "(unnamed)" : field(s, "name")) << " " << s["raw_size"].get<uint64_t>()
        << " B, entropy " << fixed2(s["entropy"].get<double>()) << (s["executable"].get<bool>() ? " x" : "")
        << (s["writable"].get<bool>() ? "w" : "") << "; ";
  out << "\n";
  size_t functions = 0;
  for (const auto& i : p["imports"]) functions += i["functions"].size();
  out << "Imports:     " << p["imports"].size() << " DLLs, " << functions << " functions, imphash "
      << field(p, "imphash") << "\n";
  if (!p["exports"].empty())
    out << "Exports:     " << p["exports"].size() << " (" << t(field(p, "export_name")) << ")\n";
  if (!field(p, "pdb_path").empty()) out << "PDB:         " << t(field(p, "pdb_path")) << "\n";
  if (!p["version_info"].empty() || !field(p, "file_version").empty()) {
    std::string v = field(p, "file_version");
    for (const auto& [k, val] : p["version_info"].items())
      v += (v.empty() ? "" : "; ") + k + "=" + val.get<std::string>();
    out << "Version:     " << t(v) << "\n";
  }
  if (!p["rich"].empty()) out << "Rich header: " << p["rich"].size() << " tool entries\n";
  if (!p["tls_callbacks"].empty())
    out << "TLS:         " << p["tls_callbacks"].size() << " callbacks (run before the entry point)\n";
  const auto& ov = p["overlay"];
  if (ov["size"].get<uint64_t>())
    out << "Overlay:     " << ov["size"].get<uint64_t>() << " bytes at " << hex_string(ov["offset"].get<uint64_t>())
        << ", entropy " << fixed2(ov["entropy"].get<double>()) << "\n";
  const auto& sig = p["signature"];
  if (!sig["present"].get<bool>())
    out << "Signature:   none\n";
  else if (!sig["parsed"].get<bool>())
    out << "Signature:   certificate table present but unreadable: " << t(field(sig, "note")) << "\n";
  else
    out << "Signature:   signed by " << t(field(sig, "signer_subject")) << ", issued by "
        << t(field(sig, "signer_issuer")) << " (" << t(field(sig, "not_before")) << " to " << t(field(sig, "not_after"))
        << "); " << t(field(sig, "digest_algorithm")) << " digest "
        << (field(sig, "embedded_digest").empty() ? "not found"
            : sig["digest_matches"].get<bool>()   ? "matches the file"
                                                  : "does NOT match: changed after signing")
        << " (chain not verified)\n";
  for (const auto& v : p["tools"])
    out << "Tool:        " << t(field(v, "name")) << " (" << field(v, "kind") << "): " << t(field(v, "evidence"))
        << "\n";
  for (const auto& n : p["notes"]) out << "Note:        " << t(n.get<std::string>()) << "\n";
}

void print_yara(const json& j, const std::string& indent, std::ostream& out) {
  for (const auto& m : j["yara"]) {
    std::string line = field(m, "rule") + " (" + field(m, "namespace") + ")";
    if (m.contains("member")) line += " in " + field(m, "member");
    if (m["meta"].contains("description")) line += ": " + m["meta"]["description"].get<std::string>().substr(0, 200);
    std::string hits;
    for (const auto& s : m["strings"])
      hits += (hits.empty() ? "" : ", ") + field(s, "id") + "@" + hex_string(s["offset"].get<uint64_t>());
    if (!hits.empty()) line += " [" + hits + "]";
    out << indent << "YARA:        " << escape_terminal(line) << "\n";
  }
  if (j.contains("yara_error"))
    out << indent << "YARA:        not scanned: " << escape_terminal(field(j, "yara_error")) << "\n";
}

void print_archive(const json& j, const std::string& indent, std::ostream& out) {
  if (!j.contains("archive")) {
    if (j.contains("archive_error"))
      out << indent << "Archive:     not read: " << escape_terminal(field(j, "archive_error")) << "\n";
    return;
  }
  const auto& a = j["archive"];
  out << indent << "Archive:     " << escape_terminal(field(a, "format")) << " at "
      << hex_string(a["offset"].get<uint64_t>()) << ", " << a["members"].get<size_t>() << " members\n";
  if (a.contains("sfx_script")) {
    const auto& s = a["sfx_script"];
    std::string line;
    for (const auto& c : s["commands"])
      line +=
          (line.empty() ? "" : "; ") + field(c, "command") + (field(c, "value").empty() ? "" : "=" + field(c, "value"));
    out << indent << "SFX script:  " << escape_terminal(line) << "\n";
    for (const auto& r : s["runs"])
      out << indent << "SFX runs:    " << escape_terminal(r.get<std::string>())
          << (s["silent"].get<bool>() ? " (silently, after extracting" : " (after extracting")
          << (field(s, "path").empty() ? "" : " into " + escape_terminal(field(s, "path"))) << ")\n";
  }
  for (const auto& n : a["notes"]) out << indent << "Note:        " << escape_terminal(n.get<std::string>()) << "\n";
  if (j.contains("skipped"))
    for (const auto& s : j["skipped"])
      out << indent << "Skipped:     " << escape_terminal(field(s, "name")) << ": " << escape_terminal(field(s, "note"))
          << "\n";
}

// A child in the tree: one line that says what it is, then what matters about it, indented under its parent.
void print_child(const json& c, size_t level, std::ostream& out) {
  const std::string indent(level * 2, ' ');
  std::string what = field(c, "format");
  if (c.contains("pe"))
    for (const auto& t : c["pe"]["tools"]) what += ", " + field(t, "name");
  if (c.contains("pyinstaller")) what += ", PyInstaller (Python " + field(c["pyinstaller"], "python") + ")";
  if (c.contains("family")) what += ", family " + field(c, "family");
  out << indent << "└─ " << escape_terminal(field(c, "name")) << " (" << c["size"].get<uint64_t>() << " bytes"
      << (what.empty() ? "" : ", " + escape_terminal(what)) << ")";
  if (c.contains("limit")) {
    out << ": not analysed (" << field(c, "limit") << ")\n";
    return;
  }
  out << "\n" << indent << "   SHA-256:     " << field(c, "sha256") << "\n";
  if (c.contains("extracted_to"))
    out << indent << "   Written to:  " << escape_terminal(field(c, "extracted_to")) << "\n";
  if (c.contains("note")) out << indent << "   Note:        " << escape_terminal(field(c, "note")) << "\n";
  for (const auto& k : c["intel"])
    out << indent << "   Known:       "
        << escape_terminal(field(k, "type") + " of " + (field(k, "family").empty() ? "no family" : field(k, "family")))
        << "\n";
  size_t shown = 0;
  for (const auto& i : c["iocs"])
    if (shown++ < 10)
      out << indent << "   IOC:         " << escape_terminal(field(i, "kind") + " " + field(i, "value")) << "\n";
  if (c["iocs"].size() > 10) out << indent << "   IOC:         ... " << c["iocs"].size() - 10 << " more (--json)\n";
  print_yara(c, indent + "   ", out);
  print_archive(c, indent + "   ", out);
  for (const auto& g : c["children"]) print_child(g, level + 1, out);
}

}  // namespace

void print_sample(const json& j, const sample::Analysis& a, std::ostream& out) {
  out << "File:        " << escape_terminal(field(j, "name")) << " (" << j["size"].get<uint64_t>() << " bytes, "
      << field(j, "format") << ", entropy " << fixed2(j["entropy"].get<double>()) << ")\n"
      << "MD5:         " << field(j, "md5") << "\nSHA-1:       " << field(j, "sha1")
      << "\nSHA-256:     " << field(j, "sha256") << "\n";
  if (!field(j, "ssdeep").empty()) out << "ssdeep:      " << field(j, "ssdeep") << "\n";
  if (j.contains("encoding")) out << "Encoding:    " << field(j, "encoding") << "\n";
  if (j.contains("pyc")) out << "Python:      compiled for Python " << field(j["pyc"], "python") << " (pyc magic)\n";
  for (const auto& k : j["intel"])
    out << "Known:       "
        << escape_terminal(field(k, "type") + " of " + (field(k, "family").empty() ? "no family" : field(k, "family")) +
                           " (" + field(k, "confidence") + "; " + field(k, "source").substr(0, 200) + ")")
        << "\n";
  if (j.contains("pe")) print_pe(j["pe"], out);
  if (j.contains("script")) {
    const auto& js = j["script"];
    std::string layers;
    for (const auto& l : js["layers"])
      layers +=
          (layers.empty() ? "" : ", ") + l["name"].get<std::string>() + " ×" + std::to_string(l["count"].get<size_t>());
    out << "Script:      " << js["language"].get<std::string>() << (layers.empty() ? "" : ", layers undone: " + layers)
        << "\n";
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
      out << "Command:     " << escape_terminal(line) << "\n";
    }
    for (const auto& [fam, n] : js["families"].items())
      out << "Family:      " << escape_terminal(fam) << " (" << n.get<size_t>() << " of the script's indicators)\n";
  }
  if (j.contains("pyinstaller")) {
    const auto& jp = j["pyinstaller"];
    size_t scripts = 0, modules = 0, encrypted = 0;
    for (const auto& m : jp["members"]) {
      scripts += m["type"] == "s";
      modules += m["type"] == "p";
      encrypted += m["encrypted"].get<bool>();
    }
    out << "PyInstaller: Python " << jp["python"].get<std::string>() << " ("
        << escape_terminal(jp["library"].get<std::string>()) << "), " << jp["members"].size() << " members: " << scripts
        << " entry scripts, " << modules << " PYZ modules"
        << (encrypted ? ", " + std::to_string(encrypted) + " encrypted (PyInstaller --key)" : "") << "\n";
    for (const auto& m : jp["members"])
      if (m["type"] == "s") out << "Entry point: " << escape_terminal(m["name"].get<std::string>()) << "\n";
    for (const auto& n : jp["notes"]) out << "Note:        " << escape_terminal(n.get<std::string>()) << "\n";
    if (jp.contains("extracted"))
      out << "Extracted:   " << jp["extracted"]["files"].get<size_t>() << " files into "
          << escape_terminal(jp["extracted"]["folder"].get<std::string>())
          << " (code as .pyc with the header for Python " << jp["python"].get<std::string>() << ")\n";
  }
  if (j.contains("pyinstaller_error"))
    out << "PyInstaller: not unpacked: " << escape_terminal(j["pyinstaller_error"].get<std::string>()) << "\n";
  out << "Strings:     " << j["strings"]["count"].get<size_t>()
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
    out << "IOC:         " << escape_terminal(line) << "\n";
  }
  if (j.contains("pe_error"))
    out << "PE:          not parsed: " << escape_terminal(j["pe_error"].get<std::string>()) << "\n";
  print_yara(j, "", out);
  print_archive(j, "", out);
  if (j.contains("family")) out << "Family:      " << escape_terminal(field(j, "family")) << " (tree verdict)\n";
  if (!j["children"].empty()) {
    out << "Contents:    " << a.nodes - 1 << " files inside\n";
    for (const auto& c : j["children"]) print_child(c, 0, out);
  }
  for (const auto& l : a.limits) out << "Limit:       " << escape_terminal(l) << "\n";
}

SampleFolderSummary sample_folder(const std::string& folder, const sample::Options& options, int threads, bool json,
                                  std::ostream& out) {
  std::error_code ec;
  std::vector<fs::path> paths;
  for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  // Both cores: files are analysed in parallel in batches, and printed in path order.
  ThreadPool pool(resolve_thread_count(threads));
  constexpr size_t kBatch = 64;
  SampleFolderSummary summary;
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
      if (json) {
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
      ++summary.files;
      summary.suspicious = summary.suspicious || suspicious[i];
      out << lines[i];
    }
  }
  return summary;
}

}  // namespace msw::pipeline
