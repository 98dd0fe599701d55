#include "intel/import.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "core/hash.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "core/time.h"

namespace msw::intel {
namespace fs = std::filesystem;
using nlohmann::json;

std::string_view to_string(FeedFormat f) {
  switch (f) {
    case FeedFormat::Stix:
      return "stix";
    case FeedFormat::Misp:
      return "misp";
    case FeedFormat::Csv:
      return "csv";
    case FeedFormat::SignatureBaseHash:
      return "signature-base hash list";
    case FeedFormat::SignatureBaseFilename:
      return "signature-base filename list";
    case FeedFormat::Plain:
      return "plain list";
    case FeedFormat::Unsupported:
      return "unsupported";
  }
  return "unsupported";
}

namespace {

std::string lower(std::string_view s) { return to_lower_ascii(s); }

// The type a file's name implies for its bare values (avast's mutexes.txt, samples.sha256, ...).
std::optional<IndicatorType> type_from_file_name(std::string_view name) {
  const std::string n = lower(name);
  if (n.find("mutex") != std::string::npos) return IndicatorType::Mutex;
  if (n.ends_with(".md5")) return IndicatorType::Md5;
  if (n.ends_with(".sha1")) return IndicatorType::Sha1;
  if (n.ends_with(".sha256")) return IndicatorType::Sha256;
  if (n.find("wallet") != std::string::npos) return IndicatorType::Wallet;
  return std::nullopt;
}

class Importer {
 public:
  Importer(std::string file, std::string family, ImportResult& out)
      : file_(std::move(file)), family_(std::move(family)), out_(out) {}

  // Adds one value; `type` when the feed says it, else inferred. Returns false with a rejection recorded.
  bool add(std::string_view raw, std::optional<IndicatorType> type, uint64_t line, Indicator meta = {}) {
    std::string v = refang(raw);
    if (v.empty()) return false;
    if (!type) type = infer_type(v);
    if (!type) {
      // "host/path" without a scheme (shorteners, paste sites): a URL when the part before the slash is a domain.
      const size_t slash = v.find('/');
      if (slash != std::string::npos && slash > 0 && v.find(' ') == std::string::npos &&
          normalize_value(IndicatorType::Domain, std::string_view(v).substr(0, slash))) {
        v = "http://" + v;
        type = IndicatorType::Url;
      }
    }
    if (!type) {
      reject(raw, line, "not an address, domain, URL, hash, e-mail or wallet");
      return false;
    }
    if (*type == IndicatorType::Ip && v.find('/') != std::string::npos) type = IndicatorType::Cidr;
    auto norm = normalize_value(*type, v);
    if (!norm) {
      reject(raw, line, norm.error().message);
      return false;
    }
    meta.type = *type;
    meta.value = *norm;
    if (meta.family.empty()) meta.family = family_;
    if (meta.source.empty()) meta.source = file_;
    if (meta.confidence.empty()) meta.confidence = "medium";
    out_.indicators.push_back(std::move(meta));
    return true;
  }
  void reject(std::string_view value, uint64_t line, std::string reason) {
    if (out_.rejected.size() < 100'000)
      out_.rejected.push_back({file_, line, std::string(value.substr(0, 200)), std::move(reason)});
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_, family_;
  ImportResult& out_;
};

std::vector<std::string> csv_fields(std::string_view line, char delim) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"' && out.back().empty()) {
      quoted = true;
    } else if (c == delim) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
    if (out.size() > 256) break;
  }
  return out;
}

void import_csv(std::string_view text, Importer& im) {
  // Delimiter: the most common of , ; tab in the first line.
  std::string_view first = text.substr(0, text.find('\n'));
  char delim = ',';
  size_t best = 0;
  for (char d : {',', ';', '\t'})
    if (size_t n = static_cast<size_t>(std::count(first.begin(), first.end(), d)); n > best) {
      best = n;
      delim = d;
    }
  std::map<std::string, size_t> col;
  bool header = false;
  for_each_line(text, [&](std::string_view line, uint64_t no) {
    if (trim(line).empty() || line.starts_with('#')) return;
    auto f = csv_fields(line, delim);
    if (no == 1 || (!header && col.empty() && no <= 3)) {
      for (size_t i = 0; i < f.size(); ++i) {
        const std::string h = lower(trim(f[i]));
        for (const char* k : {"value",      "indicator",   "ioc",
                              "observable", "type",        "indicator_type",
                              "family",     "malware",     "malware_family",
                              "source",     "confidence",  "tags",
                              "first_seen", "last_seen",   "expiry",
                              "comment",    "description", "ip",
                              "domain",     "url",         "md5",
                              "sha1",       "sha256",      "hash"})
          if (h == k && !col.count(k)) col[k] = i;
      }
      if (!col.empty()) {
        header = true;
        return;
      }
    }
    auto get = [&](std::initializer_list<const char*> keys) -> std::string {
      for (const char* k : keys)
        if (auto it = col.find(k); it != col.end() && it->second < f.size()) return std::string(trim(f[it->second]));
      return {};
    };
    Indicator meta;
    meta.family = lower(get({"family", "malware", "malware_family"}));
    meta.source = get({"source"});
    meta.confidence = lower(get({"confidence"}));
    if (meta.confidence != "high" && meta.confidence != "medium" && meta.confidence != "low") meta.confidence.clear();
    meta.tags = get({"tags"});
    meta.first_seen = get({"first_seen"});
    meta.last_seen = get({"last_seen"});
    meta.expiry = get({"expiry"});
    meta.description = get({"description", "comment"});
    if (!meta.source.empty()) meta.source = im.file() + ": " + meta.source;
    std::string value = get({"value", "indicator", "ioc", "observable"});
    std::optional<IndicatorType> type;
    if (auto t = get({"type", "indicator_type"}); !t.empty()) {
      type = indicator_type_from_string(t);
      if (!type) {
        im.reject(value.empty() ? line : std::string_view(value), no, "unknown indicator type '" + t + "'");
        return;
      }
    }
    if (value.empty()) {
      // Typed columns ("ip", "domain", "sha256", ...) or, without a header, the first field.
      bool any = false;
      for (const char* k : {"ip", "domain", "url", "md5", "sha1", "sha256", "hash"})
        if (auto v = get({k}); !v.empty()) {
          any = true;
          im.add(v, std::string_view(k) == "hash" ? std::nullopt : indicator_type_from_string(k), no, meta);
        }
      if (any) return;
      if (!header && !f.empty()) value = std::string(trim(f[0]));
    }
    if (value.empty()) {
      im.reject(line, no, "no value column");
      return;
    }
    im.add(value, type, no, meta);
  });
}

void import_plain(std::string_view text, Importer& im, std::optional<IndicatorType> forced) {
  for_each_line(text, [&](std::string_view line, uint64_t no) {
    std::string_view l = trim(line);
    if (l.empty() || l.starts_with('#') || l.starts_with("//") || l.starts_with(';')) return;
    // "value;comment", "value # comment" or "value<TAB>comment"
    std::string_view value = l.substr(0, l.find_first_of(";\t"));
    if (size_t hash = value.find(" #"); hash != std::string_view::npos) value = value.substr(0, hash);
    value = trim(value);
    Indicator meta;
    if (size_t semi = l.find(';'); semi != std::string_view::npos)
      meta.description = std::string(trim(l.substr(semi + 1)));
    if (forced || value.find(' ') == std::string_view::npos) {
      im.add(value, forced, no, meta);
    } else {
      im.reject(value, no, "contains spaces: not an indicator");
    }
  });
}

void import_signature_base_hashes(std::string_view text, Importer& im) {
  for_each_line(text, [&](std::string_view line, uint64_t no) {
    std::string_view l = trim(line);
    if (l.empty() || l.starts_with('#')) return;
    size_t semi = l.find(';');
    std::string_view h = trim(l.substr(0, semi));
    Indicator meta;
    if (semi != std::string_view::npos) meta.description = std::string(trim(l.substr(semi + 1)));
    std::optional<IndicatorType> t;
    if (h.size() == 32)
      t = IndicatorType::Md5;
    else if (h.size() == 40)
      t = IndicatorType::Sha1;
    else if (h.size() == 64)
      t = IndicatorType::Sha256;
    if (!t) {
      im.reject(h, no, "hash of unknown length " + std::to_string(h.size()));
      return;
    }
    im.add(h, t, no, meta);
  });
}

void import_signature_base_filenames(std::string_view text, Importer& im, std::vector<Indicator>& out) {
  // "regex;score[;false-positive regex]": a path pattern with the author's score (0-100).
  for_each_line(text, [&](std::string_view line, uint64_t no) {
    std::string_view l = trim(line);
    if (l.empty() || l.starts_with('#')) return;
    size_t semi = l.find(';');
    if (semi == std::string_view::npos) {
      im.reject(l, no, "no ';score' after the pattern");
      return;
    }
    std::string pattern(trim(l.substr(0, semi)));
    std::string_view rest = l.substr(semi + 1);
    std::string score(trim(rest.substr(0, rest.find(';'))));
    if (!regex_within_limits(pattern)) {
      im.reject(pattern, no, "regular expression longer than 512 characters or nested deeper than 16 groups");
      return;
    }
    try {
      std::regex check(pattern, std::regex::icase);
    } catch (const std::regex_error&) {
      im.reject(pattern, no, "regular expression does not compile");
      return;
    }
    Indicator i;
    i.type = IndicatorType::PathPattern;
    i.value = pattern;
    i.regex = true;
    i.source = im.file();
    int s = 0;
    for (char c : score.substr(0, 3))
      if (c >= '0' && c <= '9') s = s * 10 + (c - '0');
    i.confidence = s >= 75 ? "high" : s >= 50 ? "medium" : "low";
    i.tags = "score:" + score;
    out.push_back(std::move(i));
  });
}

// STIX pattern comparisons: [ipv4-addr:value = '1.2.3.4'] OR [file:hashes.'SHA-256' = '...'].
void import_stix_pattern(std::string_view pattern, const Indicator& meta, Importer& im) {
  static const std::regex kCmp(R"(([a-z0-9-]+):([A-Za-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)')");
  const std::string p(pattern.substr(0, 1u << 20));
  size_t matched = 0;
  for (auto it = std::sregex_iterator(p.begin(), p.end(), kCmp); it != std::sregex_iterator(); ++it) {
    const std::string obj = (*it)[1], path = lower((*it)[2].str());
    std::string value;  // STIX escapes ' and \ with a backslash inside string constants
    const std::string raw = (*it)[3];
    for (size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '\\' && k + 1 < raw.size()) ++k;
      value += raw[k];
    }
    std::optional<IndicatorType> t;
    if (obj == "ipv4-addr" || obj == "ipv6-addr")
      t = value.find('/') != std::string::npos ? IndicatorType::Cidr : IndicatorType::Ip;
    else if (obj == "domain-name")
      t = IndicatorType::Domain;
    else if (obj == "url")
      t = IndicatorType::Url;
    else if (obj == "email-addr")
      t = IndicatorType::Email;
    else if (obj == "mutex")
      t = IndicatorType::Mutex;
    else if (obj == "windows-registry-key")
      t = IndicatorType::RegistryKey;
    else if (obj == "file" && path == "name")
      t = IndicatorType::FileName;
    else if (obj == "file" && path.find("sha-256") != std::string::npos)
      t = IndicatorType::Sha256;
    else if (obj == "file" && path.find("sha256") != std::string::npos)
      t = IndicatorType::Sha256;
    else if (obj == "file" && (path.find("sha-1") != std::string::npos || path.find("sha1") != std::string::npos))
      t = IndicatorType::Sha1;
    else if (obj == "file" && path.find("md5") != std::string::npos)
      t = IndicatorType::Md5;
    if (!t) {
      im.reject(it->str(), 0, "STIX comparison on " + obj + ":" + path + " is not a supported indicator type");
      continue;
    }
    ++matched;
    im.add(value, t, 0, meta);
  }
  if (matched == 0 && !pattern.empty()) im.reject(pattern, 0, "no supported comparison in the STIX pattern");
}

std::string jstr(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void import_stix(const json& bundle, Importer& im) {
  auto objs = bundle.find("objects");
  if (objs == bundle.end() || !objs->is_array()) {
    im.reject("", 0, "STIX bundle without objects");
    return;
  }
  for (const auto& o : *objs) {
    if (!o.is_object()) continue;
    const std::string type = jstr(o, "type");
    Indicator meta;
    meta.description = jstr(o, "description").substr(0, 1000);
    if (meta.description.empty()) meta.description = jstr(o, "name").substr(0, 1000);
    meta.first_seen = jstr(o, "valid_from");
    meta.expiry = jstr(o, "valid_until");
    meta.family = lower(jstr(o, "x_minesweep_family"));
    if (auto labels = o.find("labels"); labels != o.end() && labels->is_array())
      for (const auto& l : *labels)
        if (l.is_string()) meta.tags += (meta.tags.empty() ? "" : ",") + l.get<std::string>();
    if (auto c = o.find("confidence"); c != o.end() && c->is_number_integer()) {
      const int64_t v = c->get<int64_t>();
      meta.confidence = v >= 70 ? "high" : v >= 30 ? "medium" : "low";
    }
    if (type == "indicator") {
      const std::string pt = jstr(o, "pattern_type");
      if (!pt.empty() && pt != "stix") {
        im.reject(jstr(o, "pattern").substr(0, 200), 0, "pattern type '" + pt + "' is not STIX patterning");
        continue;
      }
      import_stix_pattern(jstr(o, "pattern"), meta, im);
    } else if (type == "ipv4-addr" || type == "ipv6-addr" || type == "domain-name" || type == "url" ||
               type == "email-addr") {
      im.add(jstr(o, "value"), std::nullopt, 0, meta);
    } else if (type == "file") {
      if (auto h = o.find("hashes"); h != o.end() && h->is_object())
        for (auto it = h->begin(); it != h->end(); ++it)
          if (it->is_string()) im.add(it->get<std::string>(), std::nullopt, 0, meta);
    }
  }
}

void import_misp_event(const json& ev, Importer& im) {
  Indicator base;
  base.description = jstr(ev, "info").substr(0, 1000);
  if (auto tags = ev.find("Tag"); tags != ev.end() && tags->is_array())
    for (const auto& t : *tags)
      if (t.is_object()) base.tags += (base.tags.empty() ? "" : ",") + jstr(t, "name");
  auto attr = [&](const json& a) {
    if (!a.is_object()) return;
    std::string type = lower(jstr(a, "type")), value = jstr(a, "value");
    Indicator meta = base;
    if (auto c = jstr(a, "comment"); !c.empty()) meta.description = c.substr(0, 1000);
    // Composite types carry two values: "filename|md5", "ip-dst|port", "domain|ip".
    if (size_t bar = type.find('|'); bar != std::string::npos) {
      const std::string left = type.substr(0, bar), right = type.substr(bar + 1);
      size_t vb = value.find('|');
      std::string lv = value.substr(0, vb), rv = vb == std::string::npos ? "" : value.substr(vb + 1);
      if (left == "filename") {
        im.add(lv, IndicatorType::FileName, 0, meta);
        im.add(rv, indicator_type_from_string(right), 0, meta);
      } else if (right == "port") {
        im.add(lv, indicator_type_from_string(left), 0, meta);
      } else {
        im.add(lv, indicator_type_from_string(left), 0, meta);
        im.add(rv, indicator_type_from_string(right), 0, meta);
      }
      return;
    }
    auto t = indicator_type_from_string(type);
    if (type == "link" || type == "text" || type == "comment" || type == "other" || type == "as" || type == "port") {
      im.reject(value, 0, "MISP type '" + type + "' is context, not an indicator");
      return;
    }
    if (!t && type != "hostname") {
      im.reject(value, 0, "MISP type '" + type + "' is not supported");
      return;
    }
    im.add(value, t ? t : std::optional(IndicatorType::Domain), 0, meta);
  };
  if (auto as = ev.find("Attribute"); as != ev.end() && as->is_array())
    for (const auto& a : *as) attr(a);
  if (auto os = ev.find("Object"); os != ev.end() && os->is_array())
    for (const auto& o : *os)
      if (o.is_object())
        if (auto as = o.find("Attribute"); as != o.end() && as->is_array())
          for (const auto& a : *as) attr(a);
}

}  // namespace

FeedFormat detect_format(std::string_view file_name, std::string_view text) {
  const std::string name = lower(file_name);
  std::string_view head = trim(text.substr(0, 4096));
  if (head.starts_with('{') || head.starts_with('[')) {
    if (head.find("\"bundle\"") != std::string_view::npos || head.find("\"spec_version\"") != std::string_view::npos)
      return FeedFormat::Stix;
    if (head.find("\"Event\"") != std::string_view::npos || head.find("\"response\"") != std::string_view::npos)
      return FeedFormat::Misp;
    return FeedFormat::Unsupported;
  }
  if (name.ends_with(".md") || name.starts_with("readme") || name.starts_with("license") ||
      name.find("licen") != std::string::npos || name.find("keyword") != std::string::npos || name.ends_with(".pdf") ||
      name.ends_with(".yar") || name.ends_with(".yara"))
    return FeedFormat::Unsupported;
  if (name.find("hash") != std::string::npos && name.ends_with(".txt")) return FeedFormat::SignatureBaseHash;
  if (name.find("filename") != std::string::npos && name.ends_with(".txt")) return FeedFormat::SignatureBaseFilename;
  if (name.ends_with(".csv") || name.ends_with(".tsv")) return FeedFormat::Csv;
  return FeedFormat::Plain;
}

void import_text(std::string_view file_name, std::string_view text, std::string_view family_hint, ImportResult& out) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  const FeedFormat format = detect_format(fs::path(file_name).filename().string(), text);
  Importer im(std::string(file_name), std::string(family_hint), out);
  switch (format) {
    case FeedFormat::Stix:
    case FeedFormat::Misp: {
      if (!json_nesting_within(text, kMaxFeedJsonDepth)) {
        im.reject("", 0, "JSON nested deeper than " + std::to_string(kMaxFeedJsonDepth));
        return;
      }
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded()) {
        im.reject("", 0, "not valid JSON");
        return;
      }
      if (format == FeedFormat::Stix) {
        import_stix(j, im);
      } else if (j.is_object() && j.contains("Event")) {
        import_misp_event(j["Event"], im);
      } else if (j.is_object() && j.contains("response") && j["response"].is_array()) {
        for (const auto& e : j["response"])
          if (e.is_object() && e.contains("Event")) import_misp_event(e["Event"], im);
      } else if (j.is_array()) {
        for (const auto& e : j)
          if (e.is_object() && e.contains("Event")) import_misp_event(e["Event"], im);
      }
      break;
    }
    case FeedFormat::Csv:
      import_csv(text, im);
      break;
    case FeedFormat::SignatureBaseHash:
      import_signature_base_hashes(text, im);
      break;
    case FeedFormat::SignatureBaseFilename:
      import_signature_base_filenames(text, im, out.indicators);
      break;
    case FeedFormat::Plain:
      import_plain(text, im, type_from_file_name(fs::path(file_name).filename().string()));
      break;
    case FeedFormat::Unsupported:
      break;
  }
}

Result<ImportResult> import_path(const std::string& path) {
  ImportResult out;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return Error::make("intel.import", path + " is neither a file nor a folder");
  }
  for (const auto& f : files) {
    auto file = MappedFile::open(f.string());
    if (!file) {
      out.skipped_files.push_back(f.string() + ": " + file.error().message);
      continue;
    }
    if (file->size() > kMaxFeedBytes) {
      out.skipped_files.push_back(f.string() + ": larger than 512 MiB");
      continue;
    }
    std::string_view text = as_chars(file->bytes());
    if (text.substr(0, 4096).find('\0') != std::string_view::npos) {
      out.skipped_files.push_back(f.string() + ": binary file, not a feed");
      continue;
    }
    if (detect_format(f.filename().string(), text) == FeedFormat::Unsupported) {
      out.skipped_files.push_back(f.string() + ": not a feed (documentation, keywords or an unknown JSON shape)");
      continue;
    }
    // The folder a list sits in names its family (avast/<Family>/network.txt); a file given alone has no hint.
    std::string family;
    if (f.parent_path() != fs::path(path) || fs::is_directory(path))
      family = lower(f.parent_path().filename().string());
    if (!fs::is_directory(path) || f.parent_path() == fs::path(path)) family.clear();
    out.files.push_back(f.string());
    import_text(f.string(), text, family, out);
  }
  return out;
}

namespace {

std::string uuid_for(std::string_view seed) {
  std::string h = sha256_hex(as_bytes(seed));
  // RFC 4122 layout with version 5 and the variant bits set, from a hash of the indicator (stable across exports).
  h[12] = '5';
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

std::string stix_escape(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\'' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

std::optional<std::string> stix_pattern(const Indicator& i) {
  const std::string v = stix_escape(i.value);
  switch (i.type) {
    case IndicatorType::Ip:
      return std::string("[") + (i.value.find(':') != std::string::npos ? "ipv6-addr" : "ipv4-addr") + ":value = '" +
             v + "']";
    case IndicatorType::Cidr:
      return std::string("[") + (i.value.find(':') != std::string::npos ? "ipv6-addr" : "ipv4-addr") + ":value = '" +
             v + "']";
    case IndicatorType::Domain:
      return "[domain-name:value = '" + v + "']";
    case IndicatorType::Url:
      return "[url:value = '" + v + "']";
    case IndicatorType::Md5:
      return "[file:hashes.MD5 = '" + v + "']";
    case IndicatorType::Sha1:
      return "[file:hashes.'SHA-1' = '" + v + "']";
    case IndicatorType::Sha256:
      return "[file:hashes.'SHA-256' = '" + v + "']";
    case IndicatorType::FileName:
      return "[file:name = '" + v + "']";
    case IndicatorType::Email:
      return "[email-addr:value = '" + v + "']";
    case IndicatorType::Mutex:
      return "[mutex:name = '" + v + "']";
    case IndicatorType::RegistryKey:
      return "[windows-registry-key:key = '" + v + "']";
    default:
      return std::nullopt;  // task, service, WMI names and wallets have no STIX cyber-observable pattern
  }
}

}  // namespace

std::string export_stix(const std::vector<Indicator>& inds, std::string_view bundle_name) {
  const std::string now = to_iso8601(now_utc(), 3);
  json objects = json::array();
  for (const auto& i : inds) {
    auto pattern = stix_pattern(i);
    if (!pattern) continue;
    json o = {{"type", "indicator"},
              {"spec_version", "2.1"},
              {"id", "indicator--" + uuid_for(std::string(to_string(i.type)) + ":" + i.value)},
              {"created", now},
              {"modified", now},
              {"name", std::string(to_string(i.type)) + " " + i.value},
              {"pattern", *pattern},
              {"pattern_type", "stix"},
              {"valid_from", i.first_seen.empty() ? now : i.first_seen},
              {"indicator_types", json::array({"malicious-activity"})}};
    if (!i.family.empty()) o["x_minesweep_family"] = i.family;
    if (!i.description.empty()) o["description"] = i.description;
    objects.push_back(std::move(o));
  }
  json bundle = {
      {"type", "bundle"}, {"id", "bundle--" + uuid_for(std::string(bundle_name) + now)}, {"objects", objects}};
  return json_for_output(bundle, 2) + "\n";
}

std::string export_misp(const std::vector<Indicator>& inds, std::string_view info) {
  json attrs = json::array();
  for (const auto& i : inds) {
    std::string type, category = "Network activity";
    switch (i.type) {
      case IndicatorType::Ip:
        type = "ip-dst";
        break;
      case IndicatorType::Cidr:
        type = "ip-dst";
        break;
      case IndicatorType::Domain:
        type = "domain";
        break;
      case IndicatorType::Url:
        type = "url";
        break;
      case IndicatorType::Md5:
        type = "md5";
        category = "Payload delivery";
        break;
      case IndicatorType::Sha1:
        type = "sha1";
        category = "Payload delivery";
        break;
      case IndicatorType::Sha256:
        type = "sha256";
        category = "Payload delivery";
        break;
      case IndicatorType::FileName:
        type = "filename";
        category = "Artifacts dropped";
        break;
      case IndicatorType::Mutex:
        type = "mutex";
        category = "Artifacts dropped";
        break;
      case IndicatorType::RegistryKey:
        type = "regkey";
        category = "Persistence mechanism";
        break;
      case IndicatorType::Email:
        type = "email-src";
        break;
      case IndicatorType::Wallet:
        type = "xmr";
        category = "Financial fraud";
        break;
      default:
        type = "text";
        category = "Other";
        break;
    }
    attrs.push_back({{"type", type},
                     {"category", category},
                     {"value", i.value},
                     {"to_ids", type != "text"},
                     {"uuid", uuid_for(std::string(to_string(i.type)) + ":" + i.value)},
                     {"comment", (i.family.empty() ? std::string() : i.family + "; ") + i.source.substr(0, 500)}});
  }
  std::string date = to_iso8601(now_utc(), 0).substr(0, 10);
  json ev = {{"Event",
              {{"info", std::string(info)},
               {"date", date},
               {"threat_level_id", "2"},
               {"analysis", "2"},
               {"distribution", "0"},
               {"uuid", uuid_for(std::string(info) + date)},
               {"Attribute", attrs}}}};
  return json_for_output(ev, 2) + "\n";
}

std::string export_csv(const std::vector<Indicator>& inds) {
  std::string out = "type,value,family,source,confidence,tags\n";
  auto cell = [](std::string_view s) { return escape_csv(s); };
  for (const auto& i : inds)
    out += std::string(to_string(i.type)) + "," + cell(i.value) + "," + cell(i.family) + "," + cell(i.source) + "," +
           cell(i.confidence) + "," + cell(i.tags) + "\n";
  return out;
}

}  // namespace msw::intel
