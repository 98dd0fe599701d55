#include "sample/analyse.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "core/entropy.h"
#include "core/hash.h"
#include "core/text.h"
#include "core/time.h"
#include "data/tlds.h"
#include "formats/pe/authenticode.h"
#include "formats/pe/packers.h"
#include "formats/pe/pe.h"
#include "formats/pyinstaller/pyinstaller.h"
#include "formats/registry.h"
#include "formats/script/script.h"
#include "formats/strings/strings.h"
#include "intel/attribution.h"

namespace msw::sample {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Per family, what matched in a file (and its script, strings and members).
using Families = std::map<std::string, intel::FamilyEvidence>;

// The JSON view: each family's score.
json scores(const Families& families) {
  json j = json::object();
  for (const auto& [f, e] : families) j[f] = e.score();
  return j;
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
            {"image_base", hex_string(pe.image_base)},
            {"entry_point", hex_string(pe.entry_point)},
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
  for (auto va : pe.tls_callbacks) j["tls_callbacks"].push_back(hex_string(va));
  for (const auto& [k, v] : pe.version_info) j["version_info"][k] = v;
  for (const auto& s : pe.sections)
    j["sections"].push_back({{"name", s.name},
                             {"virtual_address", hex_string(s.virtual_address)},
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

// A member's name as a file name: letters, digits, '.', '_' and '-' only, no leading dot, at most 200 bytes.
std::string safe_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  while (!out.empty() && out.front() == '.') out.front() = '_';
  return out.empty() ? std::string("_") : out;
}

// Writes a new file (never over an existing one, never through a link), without execute permission.
Result<void> write_new_file(const fs::path& path, std::string_view bytes) {
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

bool is_archive(formats::FileFormat f) {
  using F = formats::FileFormat;
  return f == F::Zip || f == F::SevenZip || f == F::Rar || f == F::Cab || f == F::Gzip || f == F::Xz;
}

std::string extension_of(const std::string& name) {
  const auto slash = name.find_last_of("/\\");
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  const auto dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? "" : base.substr(dot + 1);
}

// A compiled Python file: its magic number's range names the version (CPython's Lib/importlib/_bootstrap_external.py).
std::string pyc_python_version(Bytes data) {
  if (data.size() < 16 || data[2] != std::byte{'\r'} || data[3] != std::byte{'\n'}) return "";
  const unsigned magic = wire::le16(data, 0);
  struct Range {
    unsigned from, to;
    const char* version;
  };
  static constexpr Range kRanges[] = {{62171, 62211, "2.7"}, {3250, 3310, "3.4"},  {3320, 3351, "3.5"},
                                      {3360, 3379, "3.6"},   {3390, 3394, "3.7"},  {3400, 3413, "3.8"},
                                      {3420, 3425, "3.9"},   {3430, 3439, "3.10"}, {3450, 3495, "3.11"},
                                      {3500, 3531, "3.12"},  {3550, 3571, "3.13"}};
  for (const auto& r : kRanges)
    if (magic >= r.from && magic <= r.to) return r.version;
  return "";
}

class Analyser {
 public:
  Analyser(const Options& o, Analysis& out) : o_(o), out_(out) {}

  Result<json> node(Bytes data, const std::string& name, size_t depth, const std::optional<fs::path>& extract_dir,
                    const FileHashes* known_hashes = nullptr);

 private:
  void limit(const std::string& what) {
    if (std::find(out_.limits.begin(), out_.limits.end(), what) == out_.limits.end()) out_.limits.push_back(what);
  }
  void look_up(const std::string& value, json& into, Families& families) {
    if (value.empty()) return;
    for (const auto& hit : o_.matcher->lookup(value)) {
      const auto& ind = o_.matcher->indicators()[hit.indicator];
      into["intel"].push_back(
          {{"value", value}, {"family", ind.family}, {"confidence", ind.confidence}, {"source", ind.source}});
      if (!ind.family.empty()) families[ind.family].add(ind.type, ind.value);
      out_.suspicious = true;
    }
  }
  void yara_of(Bytes data, const std::string& name, formats::FileFormat format, json& into, const std::string& member,
               Families& families);
  void iocs_of(Bytes data, json& into, const std::string& member, Families& families);
  Result<void> children_of_archive(Bytes data, uint64_t offset, bool single_stream, json& into, size_t depth,
                                   const std::optional<fs::path>& extract_dir);

  const Options& o_;
  Analysis& out_;
  uint64_t analysed_bytes_ = 0;
};

void Analyser::iocs_of(Bytes data, json& into, const std::string& member, Families& families) {
  const auto strings = formats::strings::extract(data);
  if (member.empty()) into["strings"] = {{"count", strings.strings.size()}, {"truncated", strings.truncated}};
  for (const auto& i : formats::strings::find_iocs(strings.strings, data::known_tld)) {
    json ji = {
        {"kind", formats::strings::to_string(i.kind)}, {"value", i.value}, {"offset", i.offset}, {"detail", i.detail}};
    if (!member.empty()) ji["member"] = member;
    if (i.kind != formats::strings::IocKind::Base64)
      for (const auto& hit : o_.matcher->lookup(i.value)) {
        const auto& ind = o_.matcher->indicators()[hit.indicator];
        ji["intel"].push_back({{"family", ind.family}, {"confidence", ind.confidence}, {"source", ind.source}});
        if (!ind.family.empty()) families[ind.family].add(ind.type, ind.value);
        out_.suspicious = true;
      }
    into["iocs"].push_back(std::move(ji));
  }
}

void Analyser::yara_of(Bytes data, const std::string& name, formats::FileFormat format, json& into,
                       const std::string& member, Families& families) {
  if (!o_.yara) return;
  detect::yara::FileContext ctx;
  const auto slash = name.find_last_of("/\\");
  ctx.filename = slash == std::string::npos ? name : name.substr(slash + 1);
  ctx.filepath = name;
  ctx.extension = extension_of(name);
  ctx.filetype = format == formats::FileFormat::Pe ? "EXE" : std::string(formats::to_string(format));
  auto matches = o_.yara->scan(data, ctx);
  if (!matches) {
    into["yara_error"] = matches.error().message;
    return;
  }
  for (const auto& m : *matches) {
    json jm = {{"rule", m.rule},
               {"namespace", m.rule_namespace},
               {"tags", m.tags},
               {"meta", json::object()},
               {"strings", json::array()}};
    if (!member.empty()) jm["member"] = member;
    for (const auto& [k, v] : m.meta) {
      jm["meta"][k] = v;
      if (k == "family" && !v.empty()) families[v].add_decisive(3);  // a rule written for the family
    }
    for (const auto& [id, off] : m.strings) jm["strings"].push_back({{"id", id}, {"offset", off}});
    into["yara"].push_back(std::move(jm));
    out_.suspicious = true;
  }
}

Result<void> Analyser::children_of_archive(Bytes data, uint64_t offset, bool single_stream, json& into, size_t depth,
                                           const std::optional<fs::path>& extract_dir) {
  const Bytes slice = data.subspan(static_cast<size_t>(offset));
  auto archive = formats::archive::read(slice, o_.archive_limits, single_stream);
  if (!archive) {
    into["archive_error"] = archive.error().message;
    return {};
  }
  std::string comment_note;
  const std::string comment = formats::archive::comment(slice, &comment_note);
  json ja = {{"format", archive->format},
             {"offset", offset},
             {"members", archive->members.size()},
             {"notes", archive->notes},
             {"comment", comment}};
  if (!comment_note.empty()) ja["notes"].push_back(comment_note);
  const auto script = formats::archive::parse_sfx_script(comment);
  if (!script.commands.empty()) {
    json js = {{"runs", script.runs},           {"path", script.path},           {"silent", script.silent},
               {"temp_mode", script.temp_mode}, {"overwrite", script.overwrite}, {"commands", json::array()}};
    for (const auto& [k, v] : script.commands) js["commands"].push_back({{"command", k}, {"value", v}});
    ja["sfx_script"] = std::move(js);
    if (!script.runs.empty() && script.silent) out_.suspicious = true;  // a silent installer that starts a program
  }
  into["archive"] = std::move(ja);
  std::set<std::string> used;
  for (auto& m : archive->members) {
    json skipped = {{"name", m.name}, {"size", m.size}};
    if (m.kind == formats::archive::MemberKind::Directory) continue;
    if (m.unsafe_path)
      skipped["note"] = "path leaves the extraction folder (absolute, drive or ..): not extracted";
    else if (!m.note.empty())
      skipped["note"] = m.note;
    if (m.kind != formats::archive::MemberKind::File || m.encrypted) {
      if (m.kind == formats::archive::MemberKind::Link) skipped["link_target"] = m.link_target;
      into["skipped"].push_back(std::move(skipped));
      continue;
    }
    std::optional<fs::path> child_dir;
    if (extract_dir && !m.unsafe_path) {
      std::string file = safe_name(m.name);
      for (int n = 2; !used.insert(file).second; ++n) file = safe_name(m.name) + "-" + std::to_string(n);
      std::error_code ec;
      fs::create_directories(*extract_dir, ec);
      if (ec) return Error::make("sample.extract", "cannot create " + extract_dir->string() + ": " + ec.message());
      if (auto w = write_new_file(*extract_dir / file, m.data); !w) return w.error();
      child_dir = *extract_dir / (file + ".d");
    }
    auto child = node(as_bytes(m.data), m.name, depth + 1, child_dir);
    if (!child) return child.error();
    if (m.unsafe_path) (*child)["note"] = skipped["note"];
    if (child_dir) (*child)["extracted_to"] = (child_dir->parent_path() / child_dir->stem()).string();
    into["children"].push_back(std::move(*child));
    m.data.clear();
    m.data.shrink_to_fit();
  }
  return {};
}

// The Python runtime PyInstaller bundles is not the malware; anything else it carries is analysed.
bool runtime_member(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return n.starts_with("python") || n.ends_with(".pyd") || n.ends_with(".so") || n.starts_with("vcruntime") ||
         n.starts_with("api-ms-") || n.starts_with("ucrtbase") || n.starts_with("libcrypto") ||
         n.starts_with("libssl") || n.starts_with("libffi") || n.starts_with("msvcp") || n == "base_library.zip" ||
         n.find(".so.") != std::string::npos || n.ends_with(".manifest");
}

Result<json> Analyser::node(Bytes data, const std::string& name, size_t depth,
                            const std::optional<fs::path>& extract_dir, const FileHashes* known_hashes) {
  json j = {{"name", name}, {"size", data.size()}};
  if (depth > kMaxDepth) {
    limit("nesting deeper than " + std::to_string(kMaxDepth) + " levels: the deeper files were not analysed");
    j["limit"] = "too deep";
    return j;
  }
  if (out_.nodes >= kMaxNodes) {
    limit("more than " + std::to_string(kMaxNodes) + " files in one sample: the rest were not analysed");
    j["limit"] = "too many files";
    return j;
  }
  if (analysed_bytes_ + data.size() > kMaxAnalysedBytes) {
    limit("more than " + std::to_string(kMaxAnalysedBytes >> 20) + " MiB in one sample: the rest were not analysed");
    j["limit"] = "too many bytes";
    return j;
  }
  ++out_.nodes;
  analysed_bytes_ += data.size();
  const auto format = formats::sniff(data.first(std::min(data.size(), formats::kSniffBytes)));
  const FileHashes hashes = known_hashes ? *known_hashes : hash_bytes(data);
  j.update({{"format", formats::to_string(format)},
            {"md5", hashes.md5},
            {"sha1", hashes.sha1},
            {"sha256", hashes.sha256},
            {"ssdeep", ssdeep(data)},
            {"entropy", shannon_entropy(data)},
            {"intel", json::array()},
            {"iocs", json::array()},
            {"yara", json::array()},
            {"children", json::array()}});
  Families families;
  // Known hashes: the knowledge base's vendor-report SHA-1s and MD5s, and the user's store.
  for (const auto& h : {hashes.md5, hashes.sha1, hashes.sha256})
    for (const auto& hit : o_.matcher->lookup(h)) {
      const auto& i = o_.matcher->indicators()[hit.indicator];
      out_.suspicious = true;
      if (!i.family.empty()) families[i.family].add_decisive(10);  // a hash is the strongest attribution there is
      j["intel"].push_back({{"indicator", i.value},
                            {"type", intel::to_string(i.type)},
                            {"family", i.family},
                            {"confidence", i.confidence},
                            {"source", i.source}});
    }
  iocs_of(data, j, "", families);
  if (const std::string py = pyc_python_version(data); !py.empty() && format != formats::FileFormat::Pe)
    j["pyc"] = {{"python", py}};
  if (format == formats::FileFormat::Text || (format == formats::FileFormat::Unknown && !j.contains("pyc")))
    j["encoding"] = std::string(to_string(decode_text(data.first(std::min<size_t>(data.size(), 64 << 10))).encoding));

  // A script: its layers undone, its commands as records, and what they name looked up (task and WMI names, URLs).
  if (format != formats::FileFormat::Pe &&
      formats::script::looks_like_script(as_chars(data.first(std::min<size_t>(data.size(), 64 << 10))))) {
    const auto sa = formats::script::analyse(as_chars(data));
    Families script_families;
    json js = {{"language", sa.language},
               {"layers", json::array()},
               {"commands", json::array()},
               {"urls", sa.urls},
               {"truncated", sa.truncated}};
    for (const auto& l : sa.layers) js["layers"].push_back({{"name", l.name}, {"count", l.count}});
    for (const auto& c : sa.commands) {
      json jc = {{"kind", c.kind}, {"attack", c.attack}, {"line", c.line}, {"text", c.text}, {"fields", c.fields}};
      for (const char* f : {"name", "url"})
        if (auto it = c.fields.find(f); it != c.fields.end()) look_up(it->second, jc, script_families);
      js["commands"].push_back(std::move(jc));
    }
    for (const auto& u : sa.urls) look_up(u, js, script_families);
    js["families"] = scores(script_families);
    for (const auto& [f, e] : script_families) families[f].merge(e);
    j["script"] = std::move(js);
  }

  std::vector<formats::pe::ToolVerdict> tools;
  std::optional<formats::pe::PeFile> pe;
  if (format == formats::FileFormat::Pe) {
    if (auto parsed = formats::pe::parse(data)) {
      pe = std::move(parsed).value();
      tools = formats::pe::identify_tools(*pe, data);
      j["pe"] = pe_json(*pe, tools);
      j["pe"]["signature"] = signature_json(formats::pe::read_signature(*pe, data));
      if (std::any_of(tools.begin(), tools.end(), [](const formats::pe::ToolVerdict& v) {
            return v.kind == formats::pe::ToolKind::Packer || v.kind == formats::pe::ToolKind::Protector;
          }))
        out_.suspicious = true;
    } else {
      j["pe_error"] = parsed.error().message;
    }
  }

  // A PyInstaller bundle: its members unpacked, code given back its pyc header, their strings searched as well.
  const bool pyinstaller =
      std::any_of(tools.begin(), tools.end(), [](const auto& t) { return t.name == "PyInstaller"; }) ||
      (format != formats::FileFormat::Pe &&
       as_chars(data).find(std::string_view("MEI\x0c\x0b\x0a\x0b\x0e", 8)) != std::string_view::npos);
  if (pyinstaller) {
    if (auto parsed = formats::pyinstaller::parse(data); !parsed) {
      j["pyinstaller_error"] = parsed.error().message;
    } else {
      const auto& bundle = *parsed;
      json jp = {{"python", std::to_string(bundle.py_major) + "." + std::to_string(bundle.py_minor)},
                 {"library", bundle.python_library},
                 {"archive_offset", bundle.archive_offset},
                 {"members", json::array()},
                 {"notes", bundle.notes}};
      size_t searched = 0;
      for (const auto& m : bundle.members) {
        jp["members"].push_back({{"name", m.name},
                                 {"type", std::string(1, m.type)},
                                 {"size", m.data.size()},
                                 {"stored", m.stored_size},
                                 {"compressed", m.compressed},
                                 {"encrypted", m.encrypted},
                                 {"note", m.note}});
        if (m.type == 'b' || m.data.empty() || searched > (64 << 20)) continue;  // the runtime is not the malware
        searched += m.data.size();
        iocs_of(as_bytes(m.data), j, m.name, families);
        yara_of(as_bytes(m.data), m.name, formats::FileFormat::Unknown, j, m.name, families);
      }
      if (extract_dir) {
        std::error_code ec;
        fs::create_directories(*extract_dir / "PYZ", ec);
        if (ec) return Error::make("sample.extract", "cannot create " + extract_dir->string() + ": " + ec.message());
        std::set<std::string> used;
        size_t written = 0;
        for (const auto& m : bundle.members) {
          if (m.data.empty()) continue;
          const std::string pyc = formats::pyinstaller::as_pyc(bundle, m);
          std::string file = safe_name(m.name) + (pyc.empty() ? "" : ".pyc");
          if (m.type == 'p') file = "PYZ/" + file;
          for (int n = 2; !used.insert(file).second; ++n)
            file = (m.type == 'p' ? "PYZ/" : "") + safe_name(m.name) + "-" + std::to_string(n) +
                   (pyc.empty() ? "" : ".pyc");
          if (auto w = write_new_file(*extract_dir / file, pyc.empty() ? m.data : pyc); !w) return w.error();
          ++written;
        }
        jp["extracted"] = {{"folder", extract_dir->string()}, {"files", written}};
      }
      // What the bundle carries besides Python's own runtime (a miner, a second stage) is a child of its own.
      for (const auto& m : bundle.members)
        if ((m.type == 'b' || m.type == 'x') && !m.data.empty() && !runtime_member(m.name)) {
          auto child = node(as_bytes(m.data), m.name, depth + 1, std::nullopt);
          if (!child) return child.error();
          j["children"].push_back(std::move(*child));
        }
      j["pyinstaller"] = std::move(jp);
    }
  }

  // Archives, and the archive in a self-extractor's overlay (WinRAR, 7-Zip, zip SFX).
  if (is_archive(format)) {
    const bool single = format == formats::FileFormat::Gzip || format == formats::FileFormat::Xz;
    if (auto r = children_of_archive(data, 0, single, j, depth, extract_dir); !r) return r.error();
  } else if (pe && pe->overlay_size && !pyinstaller) {
    for (const auto& e : formats::archive::find_embedded(data, pe->overlay_offset, 1)) {
      j["sfx"] = {{"kind", e.kind}, {"offset", e.offset}};
      if (auto r = children_of_archive(data, e.offset, false, j, depth, extract_dir); !r) return r.error();
    }
  }

  // YARA: the built-in rules and the user's, with LOKI/THOR's external variables describing this file.
  yara_of(data, name, format, j, "", families);

  // The tree's verdict: a member attributed to a family attributes its container too (a member's thinner hints
  // stay its own).
  for (const auto& c : j["children"])
    if (c.contains("family") && c.contains("families") && c["families"].contains(c["family"].get<std::string>()))
      families[c["family"].get<std::string>()].add_decisive(c["families"][c["family"].get<std::string>()].get<int>());
  j["families"] = scores(families);
  // The family is named only on evidence that attributes (intel::FamilyEvidence): a shared dropper URL, a pool or
  // a common file name alone names none.
  const Families::value_type* best = nullptr;
  for (const auto& entry : families)
    if (entry.second.attributes() && (!best || entry.second.score() > best->second.score())) best = &entry;
  if (best) j["family"] = best->first;
  return j;
}

}  // namespace

std::string field(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Analysis> analyse(Bytes data, const std::string& name, const Options& options, const FileHashes* hashes) {
  Analysis out;
  Analyser analyser(options, out);
  auto root = analyser.node(data, name, 0, options.extract_dir, hashes);
  if (!root) return root.error();
  out.root = std::move(*root);
  return out;
}

}  // namespace msw::sample
