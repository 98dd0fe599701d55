#include "evidence/bundle.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace msw::evidence {

using nlohmann::json;

std::string write_manifest(const BundleManifest& m) {
  json j;
  j["format"] = kBundleFormat;
  j["version"] = kBundleVersion;
  j["tool_version"] = m.tool_version;
  j["collected_at"] = m.collected_at;
  j["host"] = {{"hostname", m.hostname}, {"os", m.os}, {"kernel", m.kernel}};
  if (!m.platform.empty()) j["host"]["platform"] = m.platform;
  j["artefacts"] = json::array();
  for (const auto& a : m.artefacts)
    j["artefacts"].push_back(
        {{"path", a.path}, {"source", a.source}, {"kind", a.kind}, {"size", a.size}, {"sha256", a.sha256}});
  j["failures"] = json::array();
  for (const auto& f : m.failures) j["failures"].push_back({{"source", f.source}, {"reason", f.reason}});
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

bool is_safe_relative_path(std::string_view p) {
  // A backslash is an ordinary file-name character on Linux (systemd writes "system-systemd\x2dcryptsetup.slice"),
  // where bundles are read; only '/' separates.
  if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos)
    return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view part = p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

namespace {
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
Error bad(const std::string& why) { return Error::make("bundle.bad_manifest", "manifest.json: " + why); }

// Our manifest nests four levels; a hostile one nested a million deep would exhaust the stack of code that walks
// or destroys the tree recursively, so depth is checked on the raw text before parsing.
constexpr int kMaxManifestDepth = 16;
}  // namespace

Result<BundleManifest> parse_manifest(Bytes bytes) {
  if (bytes.size() > kMaxManifestBytes) return bad("larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  if (!json_nesting_within(as_chars(bytes), kMaxManifestDepth)) return bad("nested deeper than " + std::to_string(kMaxManifestDepth));
  json j = json::parse(as_chars(bytes), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (str(j, "format") != kBundleFormat) return bad("format is not \"minesweep-bundle\"");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) return bad("no integer version");
  if (version->get<int64_t>() > kBundleVersion)
    return bad("bundle version " + std::to_string(version->get<int64_t>()) + " is newer than this minesweep reads (" +
               std::to_string(kBundleVersion) + "); use a newer minesweep");
  BundleManifest m;
  m.tool_version = str(j, "tool_version");
  m.collected_at = str(j, "collected_at");
  if (auto host = j.find("host"); host != j.end() && host->is_object()) {
    m.hostname = str(*host, "hostname");
    m.os = str(*host, "os");
    m.kernel = str(*host, "kernel");
    if (const std::string p = str(*host, "platform"); p == "windows" || p == "linux") m.platform = p;
  }
  if (auto arts = j.find("artefacts"); arts != j.end() && arts->is_array()) {
    if (arts->size() > kMaxManifestArtefacts) return bad("more than " + std::to_string(kMaxManifestArtefacts) + " artefacts");
    for (const auto& a : *arts) {
      if (!a.is_object()) return bad("an artefact entry is not an object");
      BundleArtefact ba{str(a, "path"), str(a, "source"), str(a, "kind"), 0, str(a, "sha256")};
      if (!is_safe_relative_path(ba.path)) return bad("artefact path '" + ba.path.substr(0, 200) + "' leaves the bundle");
      if (auto size = a.find("size"); size != a.end() && size->is_number_unsigned()) ba.size = size->get<uint64_t>();
      m.artefacts.push_back(std::move(ba));
    }
  }
  if (auto fails = j.find("failures"); fails != j.end() && fails->is_array())
    for (const auto& f : *fails)
      if (f.is_object()) m.failures.push_back({str(f, "source"), str(f, "reason")});
  return m;
}

}  // namespace msw::evidence
