// `minesweep sample FILE`: what one suspicious file is, without running it — its format from its bytes, hashes and
// entropy, and for a PE its headers, sections, imports (imphash), Rich header, TLS callbacks, PDB path, overlay,
// signature table and the packers, protectors, installers, self-extractors and compilers it shows, each with its
// evidence; its hashes looked up in the knowledge base and the intel store.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/entropy.h"
#include "core/escape.h"
#include "core/hash.h"
#include "core/mapped_file.h"
#include "data/tlds.h"
#include "formats/pe/authenticode.h"
#include "formats/pe/packers.h"
#include "formats/pe/pe.h"
#include "formats/pyinstaller/pyinstaller.h"
#include "formats/registry.h"
#include "formats/script/script.h"
#include "formats/strings/strings.h"

namespace msw::cli {
namespace {

using nlohmann::json;

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

json signature_json(const formats::pe::Signature& s) {
  return {{"present", s.present},
          {"parsed", s.parsed},
          {"signer_subject", s.signer_subject},
          {"signer_issuer", s.signer_issuer},
          {"serial", s.serial},
          {"not_before", s.not_before},
          {"not_after", s.not_after},
          {"digest_algorithm", s.digest_algorithm},
          {"embedded_digest", s.embedded_digest},
          {"file_digest", s.file_digest},
          {"digest_matches", s.digest_matches},
          {"certificates", s.certificates},
          {"note", s.note}};
}

json pe_json(const formats::pe::PeFile& pe, const std::vector<formats::pe::ToolVerdict>& tools) {
  json j = {{"machine", formats::pe::machine_name(pe.machine)},
            {"bits", pe.is_64 ? 64 : 32},
            {"dll", pe.is_dll},
            {"driver", pe.is_driver},
            {"dotnet", pe.is_dotnet},
            {"subsystem", pe.subsystem},
            {"compile_time", to_iso8601(from_unix_seconds(pe.timestamp), 0)},
            {"image_base", hex(pe.image_base)},
            {"entry_point", hex(pe.entry_point)},
            {"entry_section", pe.entry_section},
            {"imphash", formats::pe::imphash(pe)},
            {"export_name", pe.export_name},
            {"exports", pe.exports},
            {"pdb_path", pe.pdb_path},
            {"file_version", pe.file_version},
            {"version_info", json::object()},
            {"tls_callbacks", json::array()},
            {"signed", pe.certificate_size != 0},
            {"certificate", {{"offset", pe.certificate_offset}, {"size", pe.certificate_size}}},
            {"overlay", {{"offset", pe.overlay_offset}, {"size", pe.overlay_size}, {"entropy", pe.overlay_entropy}}},
            {"sections", json::array()},
            {"imports", json::array()},
            {"rich", json::array()},
            {"tools", json::array()},
            {"notes", pe.notes}};
  for (auto va : pe.tls_callbacks) j["tls_callbacks"].push_back(hex(va));
  for (const auto& [k, v] : pe.version_info) j["version_info"][k] = v;
  for (const auto& s : pe.sections)
    j["sections"].push_back({{"name", s.name},
                             {"virtual_address", hex(s.virtual_address)},
                             {"virtual_size", s.virtual_size},
                             {"raw_offset", s.raw_offset},
                             {"raw_size", s.raw_size},
                             {"entropy", s.entropy},
                             {"executable", s.executable()},
                             {"writable", s.writable()}});
  for (const auto& i : pe.imports) j["imports"].push_back({{"dll", i.dll}, {"functions", i.functions}});
  for (const auto& r : pe.rich) j["rich"].push_back({{"product", r.product}, {"build", r.build}, {"count", r.count}});
  for (const auto& t : tools)
    j["tools"].push_back({{"name", t.name},
                          {"kind", formats::pe::to_string(t.kind)},
                          {"evidence", t.evidence},
                          {"payload_offset", t.payload_offset}});
  return j;
}

void print_pe(const formats::pe::PeFile& pe, const std::vector<formats::pe::ToolVerdict>& tools,
              const formats::pe::Signature& sig) {
  auto t = [](std::string_view s) { return escape_terminal(s); };
  std::cout << "PE:          " << formats::pe::machine_name(pe.machine) << ", " << (pe.is_64 ? "64" : "32") << "-bit "
            << (pe.is_driver ? "driver"
                : pe.is_dll  ? "DLL"
                             : "program")
            << (pe.is_dotnet ? " (.NET)" : "") << ", compiled " << to_iso8601(from_unix_seconds(pe.timestamp), 0)
            << "\n";
  std::cout << "Entry point: " << hex(pe.entry_point)
            << (pe.entry_section.empty() ? " (in no section)" : " in " + t(pe.entry_section)) << "\n";
  std::cout << "Sections:    ";
  for (const auto& s : pe.sections)
    std::cout << t(s.name.empty() ? "(unnamed)" : s.name) << " " << s.raw_size << " B, entropy " << fixed(s.entropy)
              << (s.executable() ? " x" : "") << (s.writable() ? "w" : "") << "; ";
  std::cout << "\n";
  size_t functions = 0;
  for (const auto& i : pe.imports) functions += i.functions.size();
  std::cout << "Imports:     " << pe.imports.size() << " DLLs, " << functions << " functions, imphash "
            << formats::pe::imphash(pe) << "\n";
  if (!pe.exports.empty()) std::cout << "Exports:     " << pe.exports.size() << " (" << t(pe.export_name) << ")\n";
  if (!pe.pdb_path.empty()) std::cout << "PDB:         " << t(pe.pdb_path) << "\n";
  if (!pe.version_info.empty() || !pe.file_version.empty()) {
    std::string v = pe.file_version.empty() ? "" : pe.file_version;
    for (const auto& [k, val] : pe.version_info) v += (v.empty() ? "" : "; ") + k + "=" + val;
    std::cout << "Version:     " << t(v) << "\n";
  }
  if (!pe.rich.empty()) std::cout << "Rich header: " << pe.rich.size() << " tool entries\n";
  if (!pe.tls_callbacks.empty())
    std::cout << "TLS:         " << pe.tls_callbacks.size() << " callbacks (run before the entry point)\n";
  if (pe.overlay_size)
    std::cout << "Overlay:     " << pe.overlay_size << " bytes at " << hex(pe.overlay_offset) << ", entropy "
              << fixed(pe.overlay_entropy) << "\n";
  if (!sig.present)
    std::cout << "Signature:   none\n";
  else if (!sig.parsed)
    std::cout << "Signature:   certificate table present but unreadable: " << t(sig.note) << "\n";
  else
    std::cout << "Signature:   signed by " << t(sig.signer_subject) << ", issued by " << t(sig.signer_issuer) << " ("
              << t(sig.not_before) << " to " << t(sig.not_after) << "); " << t(sig.digest_algorithm) << " digest "
              << (sig.embedded_digest.empty() ? "not found"
                  : sig.digest_matches        ? "matches the file"
                                              : "does NOT match: changed after signing")
              << " (chain not verified)\n";
  for (const auto& v : tools)
    std::cout << "Tool:        " << t(v.name) << " (" << formats::pe::to_string(v.kind) << "): " << t(v.evidence)
              << "\n";
  for (const auto& n : pe.notes) std::cout << "Note:        " << t(n) << "\n";
}

// A member's name as a file name: letters, digits, '.', '_' and '-' only, no leading dot, at most 200 bytes.
std::string safe_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  while (!out.empty() && out.front() == '.') out.front() = '_';
  return out.empty() ? std::string("_") : out;
}

// Writes a new file (never over an existing one, never through a link), without execute permission.
Result<void> write_new_file(const std::filesystem::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return Error::make("sample.extract", "cannot create " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Error::make("sample.extract", "cannot write " + path.string());
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return {};
}

// Writes a bundle's members into `dir`: code as .pyc with the repaired header (PYZ modules under PYZ/), the rest as
// stored. Returns how many files were written.
Result<size_t> extract_bundle(const formats::pyinstaller::Bundle& b, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "PYZ", ec);
  if (ec) return Error::make("sample.extract", "cannot create " + dir.string() + ": " + ec.message());
  std::set<std::string> used;
  size_t written = 0;
  for (const auto& m : b.members) {
    if (m.data.empty()) continue;
    const std::string pyc = formats::pyinstaller::as_pyc(b, m);
    std::string name = safe_name(m.name) + (pyc.empty() ? "" : ".pyc");
    if (m.type == 'p') name = "PYZ/" + name;
    for (int n = 2; !used.insert(name).second; ++n)
      name = safe_name(m.name) + "-" + std::to_string(n) + (pyc.empty() ? "" : ".pyc");
    if (auto w = write_new_file(dir / name, pyc.empty() ? m.data : pyc); !w) return w.error();
    ++written;
  }
  return written;
}

}  // namespace

int run_sample(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.size() != 1) return usage_error("sample", "give exactly one FILE");
  auto file = MappedFile::open(pos[0]);
  if (!file) return input_error("sample", file.error());
  const Bytes data = file->bytes();
  const auto format = formats::sniff(data.first(std::min(data.size(), formats::kSniffBytes)));
  const FileHashes hashes = hash_bytes(data);
  json j = {{"path", pos[0]},
            {"size", data.size()},
            {"format", formats::to_string(format)},
            {"md5", hashes.md5},
            {"sha1", hashes.sha1},
            {"sha256", hashes.sha256},
            {"entropy", shannon_entropy(data)},
            {"intel", json::array()}};
  // Known hashes: the knowledge base's vendor-report SHA-1s and MD5s, and the user's store.
  Diagnostics diags;
  std::vector<intel::FamilyInfo> families;
  const intel::Matcher matcher = load_intel_matcher(inv, diags, &families);
  bool known = false;
  for (const auto& h : {hashes.md5, hashes.sha1, hashes.sha256})
    for (const auto& hit : matcher.lookup(h)) {
      const auto& i = matcher.indicators()[hit.indicator];
      known = true;
      j["intel"].push_back({{"indicator", i.value},
                            {"type", intel::to_string(i.type)},
                            {"family", i.family},
                            {"confidence", i.confidence},
                            {"source", i.source}});
    }
  // Strings and the indicators in them, each looked up in the intel too.
  const auto strings = formats::strings::extract(data);
  const auto iocs = formats::strings::find_iocs(strings.strings, data::known_tld);
  j["strings"] = {{"count", strings.strings.size()}, {"truncated", strings.truncated}};
  j["iocs"] = json::array();
  for (const auto& i : iocs) {
    json ji = {
        {"kind", formats::strings::to_string(i.kind)}, {"value", i.value}, {"offset", i.offset}, {"detail", i.detail}};
    std::string lookup = i.value;
    if (i.kind == formats::strings::IocKind::Base64) lookup.clear();
    for (const auto& hit : lookup.empty() ? std::vector<intel::Match>{} : matcher.lookup(lookup)) {
      const auto& ind = matcher.indicators()[hit.indicator];
      ji["intel"].push_back({{"family", ind.family}, {"confidence", ind.confidence}, {"source", ind.source}});
      known = true;
    }
    j["iocs"].push_back(std::move(ji));
  }
  // A script: its layers undone, its commands as records, and what they name looked up (task and WMI names, URLs).
  std::map<std::string, size_t> script_families;
  if (format != formats::FileFormat::Pe &&
      formats::script::looks_like_script(as_chars(data.first(std::min<size_t>(data.size(), 64 << 10))))) {
    const auto sa = formats::script::analyse(as_chars(data));
    json js = {{"language", sa.language},
               {"layers", json::array()},
               {"commands", json::array()},
               {"urls", sa.urls},
               {"truncated", sa.truncated}};
    for (const auto& l : sa.layers) js["layers"].push_back({{"name", l.name}, {"count", l.count}});
    auto look_up = [&](const std::string& v, json& into) {
      if (v.empty()) return;
      for (const auto& hit : matcher.lookup(v)) {
        const auto& ind = matcher.indicators()[hit.indicator];
        into["intel"].push_back({{"value", v}, {"family", ind.family}, {"confidence", ind.confidence}});
        if (!ind.family.empty()) ++script_families[ind.family];
        known = true;
      }
    };
    for (const auto& c : sa.commands) {
      json jc = {{"kind", c.kind}, {"attack", c.attack}, {"line", c.line}, {"text", c.text}, {"fields", c.fields}};
      for (const char* f : {"name", "url"})
        if (auto it = c.fields.find(f); it != c.fields.end()) look_up(it->second, jc);
      js["commands"].push_back(std::move(jc));
    }
    for (const auto& u : sa.urls) look_up(u, js);
    js["families"] = script_families;
    j["script"] = std::move(js);
  }
  std::optional<formats::pe::PeFile> pe;
  std::vector<formats::pe::ToolVerdict> tools;
  formats::pe::Signature signature;
  if (format == formats::FileFormat::Pe) {
    auto parsed = formats::pe::parse(data);
    if (parsed) {
      pe = std::move(parsed).value();
      tools = formats::pe::identify_tools(*pe, data);
      signature = formats::pe::read_signature(*pe, data);
      j["pe"] = pe_json(*pe, tools);
      j["pe"]["signature"] = signature_json(signature);
    } else {
      j["pe_error"] = parsed.error().message;
    }
  }
  // A PyInstaller bundle: its members unpacked, code given back its pyc header, their strings searched as well.
  std::optional<formats::pyinstaller::Bundle> bundle;
  const bool pyinstaller =
      std::any_of(tools.begin(), tools.end(), [](const auto& t) { return t.name == "PyInstaller"; }) ||
      (format != formats::FileFormat::Pe &&
       as_chars(data).find(std::string_view("MEI\x0c\x0b\x0a\x0b\x0e", 8)) != std::string_view::npos);
  if (pyinstaller) {
    auto parsed = formats::pyinstaller::parse(data);
    if (!parsed) {
      j["pyinstaller_error"] = parsed.error().message;
    } else {
      bundle = std::move(parsed).value();
      json jp = {{"python", std::to_string(bundle->py_major) + "." + std::to_string(bundle->py_minor)},
                 {"library", bundle->python_library},
                 {"archive_offset", bundle->archive_offset},
                 {"members", json::array()},
                 {"notes", bundle->notes}};
      size_t searched = 0;
      for (const auto& m : bundle->members) {
        jp["members"].push_back({{"name", m.name},
                                 {"type", std::string(1, m.type)},
                                 {"size", m.data.size()},
                                 {"stored", m.stored_size},
                                 {"compressed", m.compressed},
                                 {"encrypted", m.encrypted},
                                 {"note", m.note}});
        if (m.type == 'b' || m.data.empty() || searched > (64 << 20))
          continue;  // the bundled runtime is not the malware
        searched += m.data.size();
        const auto ms = formats::strings::extract(as_bytes(m.data));
        for (const auto& i : formats::strings::find_iocs(ms.strings, data::known_tld)) {
          json ji = {{"kind", formats::strings::to_string(i.kind)},
                     {"value", i.value},
                     {"offset", i.offset},
                     {"detail", i.detail},
                     {"member", m.name}};
          if (i.kind != formats::strings::IocKind::Base64)
            for (const auto& hit : matcher.lookup(i.value)) {
              const auto& ind = matcher.indicators()[hit.indicator];
              ji["intel"].push_back({{"family", ind.family}, {"confidence", ind.confidence}, {"source", ind.source}});
              known = true;
            }
          j["iocs"].push_back(std::move(ji));
        }
      }
      if (auto dir = inv.args.value("--extract")) {
        auto written = extract_bundle(*bundle, *dir);
        if (!written) return input_error("sample", written.error());
        jp["extracted"] = {{"folder", *dir}, {"files", *written}};
      }
      j["pyinstaller"] = std::move(jp);
    }
  }
  if (inv.json) {
    std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "File:        " << escape_terminal(pos[0]) << " (" << data.size() << " bytes, "
              << formats::to_string(format) << ", entropy " << fixed(shannon_entropy(data)) << ")\n"
              << "MD5:         " << hashes.md5 << "\nSHA-1:       " << hashes.sha1 << "\nSHA-256:     " << hashes.sha256
              << "\n";
    for (const auto& k : j["intel"])
      std::cout << "Known:       "
                << escape_terminal(
                       k["type"].get<std::string>() + " of " +
                       (k["family"].get<std::string>().empty() ? "no family" : k["family"].get<std::string>()) + " (" +
                       k["confidence"].get<std::string>() + "; " + k["source"].get<std::string>().substr(0, 200) + ")")
                << "\n";
    if (pe) print_pe(*pe, tools, signature);
    if (j.contains("script")) {
      const auto& js = j["script"];
      std::string layers;
      for (const auto& l : js["layers"])
        layers += (layers.empty() ? "" : ", ") + l["name"].get<std::string>() + " ×" +
                  std::to_string(l["count"].get<size_t>());
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
      for (const auto& [fam, n] : script_families)
        std::cout << "Family:      " << escape_terminal(fam) << " (" << n << " of the script's indicators)\n";
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
              << (strings.truncated ? " (cut at the limit)" : "") << ", " << iocs.size() << " indicators\n";
    for (const auto& ji : j["iocs"]) {
      std::string line = ji["kind"].get<std::string>() + " " + ji["value"].get<std::string>() + " @" +
                         hex(ji["offset"].get<uint64_t>());
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
  }
  const bool suspicious =
      known || std::any_of(tools.begin(), tools.end(), [](const formats::pe::ToolVerdict& v) {
        return v.kind == formats::pe::ToolKind::Packer || v.kind == formats::pe::ToolKind::Protector;
      });
  return suspicious ? kExitFindings : kExitClean;
}

}  // namespace msw::cli
