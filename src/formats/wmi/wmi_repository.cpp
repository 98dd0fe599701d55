#include "formats/wmi/wmi_repository.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include "core/hash.h"
#include "core/text.h"

namespace msw::formats::wmi {
namespace {

constexpr size_t kDescriptorBytes = 16;
constexpr size_t kMaxDescriptorsPerPage = kPageBytes / kDescriptorBytes;

struct ClassInfo {
  ClassKind kind;
  std::string_view name;
};
constexpr ClassInfo kClasses[] = {
    {ClassKind::EventFilter, "__EventFilter"},
    {ClassKind::CommandLineConsumer, "CommandLineEventConsumer"},
    {ClassKind::ActiveScriptConsumer, "ActiveScriptEventConsumer"},
    {ClassKind::Binding, "__FilterToConsumerBinding"},
};

// Record header after the digest: two FILETIMEs and the instance block size.
struct Format {
  bool sha256;
  size_t digest_bytes;  // UTF-16 hex: 64 characters (SHA-256) or 32 (MD5)
};
constexpr Format kFormats[] = {{true, 128}, {false, 64}};

bool printable(unsigned char c) { return c >= 0x20 || c == '\t' || c == '\r' || c == '\n'; }

// CIM strings in the instance block: a flag byte (0: 8-bit text, 1: UTF-16), the text, a terminator. Fixed value
// slots and arrays sit in the same bytes, so only runs that are entirely text and terminated are taken.
std::vector<std::string> carve_strings(Bytes block) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i + 2 < block.size() && out.size() < kMaxStringsPerInstance) {
    const auto flag = static_cast<unsigned char>(block[i]);
    if (flag == 0) {
      size_t n = i + 1;
      while (n < block.size() && block[n] != std::byte{0} && printable(static_cast<unsigned char>(block[n]))) ++n;
      if (n < block.size() && block[n] == std::byte{0} && n - (i + 1) >= 2) {
        out.push_back(sanitize_utf8(block.subspan(i + 1, n - i - 1)).utf8);
        i = n + 1;  // past the terminator; the next string has its own flag byte
        continue;
      }
    } else if (flag == 1) {
      size_t n = i + 1;
      while (n + 1 < block.size() && !(block[n] == std::byte{0} && block[n + 1] == std::byte{0})) {
        const uint16_t cu = wire::le16(block, n);
        if (cu < 0x20 && cu != '\t' && cu != '\r' && cu != '\n') break;
        n += 2;
      }
      if (n + 1 < block.size() && block[n] == std::byte{0} && block[n + 1] == std::byte{0} && n - (i + 1) >= 4) {
        out.push_back(utf16le_to_utf8(block.subspan(i + 1, n - i - 1)).utf8);
        i = n + 2;
        continue;
      }
    }
    ++i;
  }
  return out;
}

// The heap is the block's tail, announced by its size with the top bit set: find the offset where that holds.
Bytes heap_of(Bytes block) {
  for (size_t p = 0; p + 4 <= block.size(); ++p) {
    const uint32_t v = wire::le32(block, p);
    if ((v & 0x80000000u) && (v & 0x7FFFFFFFu) == block.size() - p - 4) return block.subspan(p + 4);
  }
  return block;  // not found (cut or unusual record): carve the whole block
}

// `Class.Name="value"` (optionally after a namespace path and a colon) → class and value.
bool parse_reference(std::string_view ref, std::string& cls, std::string& value) {
  const size_t dot = ref.find(".Name=");
  if (dot == std::string_view::npos) return false;
  std::string_view c = ref.substr(0, dot);
  if (const size_t colon = c.rfind(':'); colon != std::string_view::npos) c = c.substr(colon + 1);
  std::string_view v = ref.substr(dot + 6);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  cls = std::string(c);
  value.clear();
  for (size_t i = 0; i < v.size(); ++i) {  // \" and \\ are escaped in object paths
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '"' || v[i + 1] == '\\')) ++i;
    value += v[i];
  }
  return !cls.empty();
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}
bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals_ascii(s.substr(s.size() - suffix.size()), suffix);
}

struct Found {
  Instance inst;
  std::vector<std::string> strings;
};

}  // namespace

std::string_view class_name(ClassKind k) {
  for (const auto& c : kClasses)
    if (c.kind == k) return c.name;
  return "";
}

std::string class_digest_utf16(std::string_view name, bool sha256) {
  std::string upper_utf16;
  for (char c : name) {
    upper_utf16 += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    upper_utf16 += '\0';
  }
  const FileHashes h = hash_bytes(as_bytes(upper_utf16));
  std::string out;
  for (char c : sha256 ? h.sha256 : h.md5) {
    out += static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c);
    out += '\0';
  }
  return out;
}

Result<Repository> read_subscriptions(Bytes data, std::string_view evidence, Diagnostics& diags) {
  Repository repo;
  repo.pages = (data.size() + kPageBytes - 1) / kPageBytes;
  // Records the pages list: offset in the file → size.
  std::map<uint64_t, uint32_t> listed;
  size_t damaged_pages = 0;
  for (size_t page = 0; page < repo.pages; ++page) {
    const size_t base = page * kPageBytes;
    const size_t avail = std::min(kPageBytes, data.size() - base);
    for (size_t i = 0; i < kMaxDescriptorsPerPage && (i + 1) * kDescriptorBytes <= avail; ++i) {
      const size_t at = base + i * kDescriptorBytes;
      const uint32_t id = wire::le32(data, at), off = wire::le32(data, at + 4), size = wire::le32(data, at + 8);
      if (id == 0 && off == 0 && size == 0) break;  // the terminator
      if (off < (i + 1) * kDescriptorBytes || off >= kPageBytes || size == 0) {
        ++damaged_pages;  // not a descriptor table: a continuation page, or damage
        break;
      }
      listed[base + off] = size;
      ++repo.descriptors;
    }
  }

  std::vector<Found> found;
  bool any_sha = false, any_md5 = false;
  for (const auto& fmt : kFormats) {
    const size_t header = fmt.digest_bytes + 8 + 8 + 4;
    for (const auto& cls : kClasses) {
      const std::string digest = class_digest_utf16(cls.name, fmt.sha256);
      const std::string lower = [&] {
        std::string l = digest;
        for (char& c : l) c = static_cast<char>(c >= 'A' && c <= 'F' ? c + 32 : c);
        return l;
      }();
      size_t per_class = 0;
      for (const std::string* pattern : {&digest, &lower}) {
        const auto* begin = reinterpret_cast<const char*>(data.data());
        const char* end = begin + data.size();
        for (const char* hit = begin; (hit = static_cast<const char*>(
                                           memmem(hit, static_cast<size_t>(end - hit), pattern->data(), pattern->size())));
             hit += pattern->size()) {
          const auto at = static_cast<size_t>(hit - begin);
          if (per_class >= kMaxInstances) {
            diags.add("wmi.too_many", DiagSeverity::Warning, std::string(evidence), at,
                      "more than " + std::to_string(kMaxInstances) + " " + std::string(cls.name) + " records; the rest skipped");
            break;
          }
          if (data.size() - at < header) continue;
          Found f;
          f.inst.kind = cls.kind;
          f.inst.offset = at;
          f.inst.written = wire::le64(data, at + fmt.digest_bytes);
          const auto it = listed.find(at);
          f.inst.recovered = it == listed.end();
          const uint32_t block_size = wire::le32(data, at + fmt.digest_bytes + 16);
          size_t record_end = it != listed.end() ? at + it->second : at + fmt.digest_bytes + 16 + size_t{block_size};
          if (record_end > data.size() || record_end - at > kMaxInstanceBytes || record_end < at + header) {
            diags.add("wmi.cut_record", DiagSeverity::Warning, std::string(evidence), at,
                      std::string(cls.name) + " record runs past the file or its limit; read what is there");
            record_end = std::min(data.size(), at + kMaxInstanceBytes);
          }
          const Bytes block = data.subspan(at + header, record_end - (at + header));
          f.strings = carve_strings(heap_of(block));
          (fmt.sha256 ? any_sha : any_md5) = true;
          found.push_back(std::move(f));
          ++per_class;
        }
      }
    }
  }
  if (found.empty() && repo.descriptors == 0)
    return Error::make("wmi.not_objects_data", "no object descriptor table and no subscription records found");
  repo.vista_or_later = any_sha || !any_md5;
  if (damaged_pages > 0)
    diags.add("wmi.pages_without_descriptors", DiagSeverity::Info, std::string(evidence), 0,
              std::to_string(damaged_pages) + " of " + std::to_string(repo.pages) +
                  " pages open without a valid descriptor table (continuation pages, free pages or damage)");

  // Bindings first: the names they reference tell which string of a filter or consumer is its name.
  std::set<std::string> bound_filters, bound_consumers;
  for (auto& f : found) {
    if (f.inst.kind != ClassKind::Binding) continue;
    for (const auto& s : f.strings) {
      std::string cls, value;
      if (!parse_reference(s, cls, value)) continue;
      if (iequals_ascii(cls, "__EventFilter")) {
        f.inst.filter = value;
        bound_filters.insert(value);
      } else if (iends_with(cls, "EventConsumer")) {
        f.inst.consumer_class = cls;
        f.inst.consumer = value;
        bound_consumers.insert(value);
      }
    }
  }
  auto take_name = [](std::vector<std::string>& rest, const std::set<std::string>& bound) {
    for (size_t i = 0; i < rest.size(); ++i)
      if (bound.count(rest[i])) {
        std::string n = rest[i];
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
        return n;
      }
    if (rest.empty()) return std::string();
    std::string n = rest.front();  // unbound: the first string that is nothing else
    rest.erase(rest.begin());
    return n;
  };
  for (auto& f : found) {
    Instance& in = f.inst;
    std::vector<std::string> rest;
    switch (in.kind) {
      case ClassKind::Binding: continue;
      case ClassKind::EventFilter:
        for (auto& s : f.strings) {
          const std::string_view t = trim(s);
          if (in.query.empty() && istarts_with(t, "select ")) in.query = s;
          else if (in.query_language.empty() && iequals_ascii(t, "WQL")) in.query_language = s;
          else if (in.event_namespace.empty() && (istarts_with(t, "root\\") || istarts_with(t, "root/") || iequals_ascii(t, "root"))) in.event_namespace = s;
          else rest.push_back(s);
        }
        in.name = take_name(rest, bound_filters);
        break;
      case ClassKind::CommandLineConsumer:
      case ClassKind::ActiveScriptConsumer: {
        const bool script = in.kind == ClassKind::ActiveScriptConsumer;
        for (auto& s : f.strings) {
          const std::string_view t = trim(s);
          if (script && in.script_engine.empty() && (iequals_ascii(t, "VBScript") || iequals_ascii(t, "JScript")))
            in.script_engine = s;
          else
            rest.push_back(s);
        }
        // The name first (a binding names it, or it is the first short string), then the longest string is the
        // command line or the script; a path to a program or script file is the executable.
        std::string name;
        for (const auto& s : rest)
          if (bound_consumers.count(s)) name = s;
        if (!name.empty()) rest.erase(std::find(rest.begin(), rest.end(), name));
        auto longest = std::max_element(rest.begin(), rest.end(), [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        if (longest != rest.end()) {
          in.command = *longest;
          rest.erase(longest);
        }
        for (auto it = rest.begin(); it != rest.end(); ++it)
          if (iends_with(*it, ".exe") || iends_with(*it, ".vbs") || iends_with(*it, ".js") || iends_with(*it, ".bat") ||
              iends_with(*it, ".cmd") || iends_with(*it, ".ps1")) {
            in.executable = *it;
            rest.erase(it);
            break;
          }
        in.name = name.empty() ? take_name(rest, bound_consumers) : name;
        break;
      }
    }
  }
  // One instance per distinct content, in file order; listed beats recovered.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.inst.offset < b.inst.offset; });
  std::map<std::tuple<int, std::string, std::string, std::string, std::string>, size_t> seen;
  for (auto& f : found) {
    const Instance& in = f.inst;
    auto key = std::make_tuple(static_cast<int>(in.kind), in.name + "\x1f" + in.filter, in.query + in.command,
                               in.consumer + "\x1f" + in.consumer_class, in.executable + in.script_engine + in.event_namespace);
    if (auto it = seen.find(key); it != seen.end()) {
      if (!in.recovered) repo.instances[it->second].recovered = false;
      continue;
    }
    seen.emplace(key, repo.instances.size());
    repo.instances.push_back(in);
  }
  return repo;
}

}  // namespace msw::formats::wmi
