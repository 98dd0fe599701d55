#include "evidence/evidence.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unordered_map>

#include <sys/stat.h>

#include "core/rooted_path.h"
#include "core/text.h"
#include "evidence/evidence_limits.h"
#include "evidence/windows_layout.h"
#include "formats/hosts/hosts_file.h"
#include "formats/regf/transaction_log.h"

namespace msw::evidence {
namespace fs = std::filesystem;

namespace {

struct KindInfo {
  ArtefactKind kind;
  std::string_view name;
};
constexpr KindInfo kKinds[] = {
#define MSW_ARTEFACT_KIND(id, name, parser, meaning) {ArtefactKind::id, name},
#include "evidence/artefact_kinds.def"
};
static_assert([] {
  for (size_t i = 0; i < std::size(kKinds); ++i)
    if (static_cast<size_t>(kKinds[i].kind) != i) return false;
  return true;
}());  // to_string() indexes by the enumerator
constexpr auto kAllKinds = [] {
  std::array<ArtefactKind, std::size(kKinds)> all{};
  for (size_t i = 0; i < all.size(); ++i) all[i] = kKinds[i].kind;
  return all;
}();

}  // namespace

std::string_view to_string(ArtefactKind k) {
  const auto i = static_cast<size_t>(k);
  return i < std::size(kKinds) ? kKinds[i].name : kKinds[0].name;
}

std::span<const ArtefactKind> all_artefact_kinds() { return kAllKinds; }

std::optional<ArtefactKind> artefact_kind_from_string(std::string_view s) {
  for (auto k : all_artefact_kinds())
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::string_view to_string(InputKind k) {
  switch (k) {
    case InputKind::File:
      return "file";
    case InputKind::Folder:
      return "folder";
    case InputKind::Bundle:
      return "bundle";
  }
  return "file";
}

namespace {

// Where artefacts live on a system volume, matched case-insensitively against the last components of a path
// relative to the evidence root; a '*' component matches any one name, a final "**" any depth below the folder
// before it. First match wins, so the Windows path precedes the shorter Unix one.
struct KnownLocation {
  std::string_view suffix;
  ArtefactKind kind;
  std::string_view platform;
  formats::FileFormat format;  // what the bytes must be for the location to count
};
constexpr KnownLocation kKnownLocations[] = {
#define MSW_ARTEFACT_LOCATION(path, id, platform, format) \
  {path, ArtefactKind::id, platform, formats::FileFormat::format},
#include "evidence/artefact_kinds.def"
};

bool matches_pattern(std::string_view rel, std::string_view pattern) {
  // "dir/sub/**": any file at any depth below dir/sub, wherever that folder is in the tree.
  if (pattern.ends_with("/**")) {
    const std::string folder = "/" + to_lower_ascii(pattern.substr(0, pattern.size() - 2));
    return ("/" + to_lower_ascii(rel)).find(folder) != std::string::npos;
  }
  // Compare components from the end.
  while (!pattern.empty()) {
    size_t ps = pattern.rfind('/');
    std::string_view pc = ps == std::string_view::npos ? pattern : pattern.substr(ps + 1);
    pattern = ps == std::string_view::npos ? std::string_view{} : pattern.substr(0, ps);
    size_t rs = rel.rfind('/');
    std::string_view rc = rs == std::string_view::npos ? rel : rel.substr(rs + 1);
    // '*' alone matches any name; a trailing '*' matches names that start with the rest (auth.log.2.gz).
    const bool prefix = pc.size() > 1 && pc.back() == '*';
    const bool match = pc == "*" || (prefix ? rc.size() >= pc.size() - 1 && iequals_ascii(rc.substr(0, pc.size() - 1),
                                                                                          pc.substr(0, pc.size() - 1))
                                            : iequals_ascii(pc, rc));
    if (rc.empty() || !match) return false;
    if (rs == std::string_view::npos && !pattern.empty()) return false;
    rel = rs == std::string_view::npos ? std::string_view{} : rel.substr(0, rs);
  }
  return true;
}

const KnownLocation* match_location(std::string_view rel) {
  for (const auto& loc : kKnownLocations)
    if (matches_pattern(rel, loc.suffix)) return &loc;
  return nullptr;
}

void add_bundle_or_folder(const fs::path& root, size_t index, Inventory& inv) {
  EvidenceItem& item = inv.items[index];
  // A bundle's manifest declares kinds and source paths; it is evidence too, so a bad one only downgrades the
  // input to a plain folder.
  std::unordered_map<std::string, const BundleArtefact*> declared;  // by bundle path: one lookup per file
  fs::path manifest_path = root / std::string(kManifestName);
  std::error_code manifest_ec;
  if (fs::is_regular_file(fs::symlink_status(manifest_path, manifest_ec))) {
    auto file = MappedFile::open(manifest_path.string());
    if (!file) {
      inv.diagnostics.add_error(file.error(), manifest_path.string());
    } else if (auto m = parse_manifest(file->bytes()); !m) {
      inv.diagnostics.add_error(m.error(), manifest_path.string(), DiagSeverity::Warning);
    } else {
      item.kind = InputKind::Bundle;
      item.manifest = std::move(m).value();
      for (const auto& a : item.manifest->artefacts) declared.emplace(a.path, &a);
      for (const auto& f : item.manifest->failures)
        inv.diagnostics.add("collect.failed", DiagSeverity::Warning, f.source, 0, "not collected: " + f.reason);
    }
  }

  size_t taken = 0;
  bool atime_changed = false;
  // A folder that cannot be read is a diagnostic, never silence: the verdict would otherwise speak for files
  // nobody looked at.
  auto unreadable = [&](const fs::path& p, const std::string& why) {
    ++item.unreadable;
    inv.diagnostics.add("evidence.unreadable", DiagSeverity::Error, p.string(), 0,
                        "folder not read: " + why + " (run as root, or give this user read access)");
  };
  // Depth first, each folder's entries in name order (reproducible). Folders are opened with O_NOATIME where the
  // kernel permits it (root, or the folder's owner), so listing the evidence does not change its access times.
  struct Pending {
    fs::path dir;
    size_t depth;
  };
  std::vector<Pending> stack{{root, 0}};
  bool stop = false;
  while (!stack.empty() && !stop) {
    const Pending at = std::move(stack.back());
    stack.pop_back();
    int fd = ::open(at.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) {
      fd = ::open(at.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      atime_changed = atime_changed || fd >= 0;
    }
    if (fd < 0) {
      unreadable(at.dir, std::strerror(errno));
      continue;
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      unreadable(at.dir, std::strerror(errno));
      continue;
    }
    std::vector<std::pair<std::string, struct stat>> entries;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      entries.emplace_back(std::string(name), st);
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Pending> subfolders;
    for (const auto& [name, st] : entries) {
      const fs::path path = at.dir / name;
      if (S_ISDIR(st.st_mode)) {
        if (at.depth + 1 >= kMaxWalkDepth) {
          inv.diagnostics.add("evidence.too_deep", DiagSeverity::Warning, path.string(), 0,
                              "deeper than " + std::to_string(kMaxWalkDepth) + " levels; not walked");
          continue;
        }
        subfolders.push_back({path, at.depth + 1});
        continue;
      }
      fs::path real = path;
      if (S_ISLNK(st.st_mode)) {
        std::string why;
        auto resolved = resolve_in_root(root, path, why);
        if (!resolved) {
          inv.diagnostics.add("evidence.symlink_escape", DiagSeverity::Warning, path.string(), 0,
                              "link not followed: " + why);
          continue;
        }
        std::error_code ec;
        fs::file_status target = fs::symlink_status(*resolved, ec);
        if (!fs::exists(target)) {
          inv.diagnostics.add("evidence.dangling_link", DiagSeverity::Info, path.string(), 0,
                              "link target is not in the evidence");
          continue;
        }
        if (!fs::is_regular_file(target)) continue;  // links to folders are not walked
        real = *resolved;
      } else if (!S_ISREG(st.st_mode)) {
        // Devices, sockets and FIFOs are not evidence files (reading one could hang or never end): said, not read.
        inv.diagnostics.add("evidence.not_regular", DiagSeverity::Info, path.string(), 0,
                            std::string(S_ISFIFO(st.st_mode)   ? "a FIFO"
                                        : S_ISSOCK(st.st_mode) ? "a socket"
                                                               : "a device") +
                                ", not a regular file: not read");
        continue;
      }
      std::string rel = path.lexically_relative(root).generic_string();
      if (item.kind == InputKind::Bundle && rel == kManifestName) continue;
      if (++taken > kMaxFilesPerInput) {
        inv.diagnostics.add("evidence.too_many_files", DiagSeverity::Warning, root.string(), 0,
                            "more than " + std::to_string(kMaxFilesPerInput) + " files; the rest is not analysed");
        stop = true;
        break;
      }
      Candidate c;
      c.disk_path = real.string();
      c.relative_path = rel;
      c.display_path = (fs::path(item.path) / rel).generic_string();
      c.evidence_index = index;
      if (item.manifest) c.declared_platform = item.manifest->platform;
      if (auto dd = declared.find(rel); dd != declared.end()) {
        c.declared_kind = artefact_kind_from_string(dd->second->kind);
        c.declared_sha256 = dd->second->sha256;
        if (!dd->second->source.empty()) c.display_path = dd->second->source;
      }
      inv.files.push_back(std::move(c));
    }
    for (auto it = subfolders.rbegin(); it != subfolders.rend(); ++it) stack.push_back(std::move(*it));
  }
  if (atime_changed)
    inv.diagnostics.add("evidence.atime", DiagSeverity::Info, root.string(), 0,
                        "folders this user does not own were listed without O_NOATIME, so their access times may "
                        "have changed (run as root to keep them)");
}

// What a file's name says it should be, for the formats recognised by their bytes ("" when the name says nothing).
std::string_view named_like(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  const std::string name = to_lower_ascii(slash == std::string_view::npos ? path : path.substr(slash + 1));
  auto ends = [&](std::string_view ext) { return name.size() > ext.size() && name.ends_with(ext); };
  if (ends(".evtx")) return "an EVTX event log";
  if (ends(".pcap") || ends(".pcapng")) return "a packet capture";
  if (ends(".pf")) return "a Prefetch file";
  if (ends(".hve") || name == "ntuser.dat" || name == "usrclass.dat") return "a registry hive";
  const std::string lower_path = to_lower_ascii(path);
  if (lower_path.find("system32/config/") != std::string::npos ||
      lower_path.find("system32\\config\\") != std::string::npos)
    for (std::string_view hive : {"system", "software", "sam", "security", "default"})
      if (name == hive) return "a registry hive";
  if (ends(".job") && lower_path.find("tasks") != std::string::npos) return "a scheduled task (.job)";
  return {};
}

}  // namespace

Result<Inventory> enumerate(std::span<const std::string> inputs) {
  Inventory inv;
  for (const auto& input : inputs) {
    std::error_code ec;
    // A link given as evidence is refused: `link -> /etc` would hash the analyst's own files into the case. The
    // message names the target, so giving it is one deliberate step.
    if (fs::is_symlink(fs::symlink_status(input, ec))) {
      const fs::path target = fs::read_symlink(input, ec);
      return Error::make("evidence.symlink", input + " is a symbolic link" +
                                                 (ec ? std::string() : " to " + target.string()) +
                                                 "; give the evidence's own path if that is what you mean");
    }
    fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st))
      return Error::make("evidence.missing", "input " + input + " does not exist or cannot be read" +
                                                 (ec ? " (" + ec.message() + ")" : std::string()));
    size_t index = inv.items.size();
    if (fs::is_directory(st)) {
      inv.items.push_back({input, InputKind::Folder, std::nullopt});
      fs::path root = fs::canonical(input, ec);
      if (ec) return Error::make("evidence.missing", "cannot resolve " + input + ": " + ec.message());
      add_bundle_or_folder(root, index, inv);
      if (const auto missing = missing_windows_artefacts(inv.files, index); !missing.empty()) {
        std::string list;
        for (const auto& m : missing)
          list += (list.empty() ? "" : "; ") + std::string(m.name) + " (" + std::string(m.where) + ": " +
                  std::string(m.why) + ")";
        inv.diagnostics.add(
            "evidence.windows_incomplete", DiagSeverity::Warning, input, 0,
            "this folder mirrors a Windows volume but lacks " + std::to_string(missing.size()) +
                " artefact(s) the analysis uses: " + list +
                ". Collect them from the host (KAPE !SANS_Triage, Velociraptor Windows.KapeFiles.Targets, "
                "or minesweep triage) if it still exists.");
      }
    } else if (fs::is_regular_file(st)) {
      inv.items.push_back({input, InputKind::File, std::nullopt});
      fs::path real = fs::canonical(input, ec);
      inv.files.push_back({ec ? input : real.string(), input, "", index, std::nullopt, "", ""});
    } else {
      return Error::make("evidence.unsupported", input + " is neither a file nor a folder");
    }
  }
  return inv;
}

Result<Examined> examine(const Candidate& candidate, Diagnostics& diags, bool defer_large_md5) {
  auto file = MappedFile::open(candidate.disk_path);
  if (!file) return file.error();
  Examined out;
  Artefact& a = out.artefact;
  a.source = candidate;
  a.size = file->size();
  a.format = formats::sniff(file->bytes());

  if (a.format == formats::FileFormat::Evtx) {
    a.kind = ArtefactKind::EventLog;  // wherever it lies: logs are copied around during collection
    a.platform = "windows";
  } else if (a.format == formats::FileFormat::Pcap || a.format == formats::FileFormat::Pcapng) {
    a.kind = ArtefactKind::PacketCapture;  // a sensor's or a responder's capture, whatever its name
  } else if (a.format == formats::FileFormat::Regf) {
    // A transaction log (.LOG1/.LOG2) shares the signature; it is read with its hive, not on its own.
    if (!formats::regf::is_transaction_log(file->bytes()))
      a.kind = ArtefactKind::RegistryHive;  // which hive: normalize
    a.platform = "windows";
  } else if (a.format == formats::FileFormat::Mbr) {
    a.kind = ArtefactKind::BootRecord;  // a disk image or a collector's copy of the boot sectors
  } else if (a.format == formats::FileFormat::TaskJob) {
    a.kind = ArtefactKind::ScheduledTask;  // a legacy .job (Windows\Tasks), wherever it lies
    a.platform = "windows";
  } else if (a.format == formats::FileFormat::Prefetch) {
    a.kind = ArtefactKind::Prefetch;  // copied out of Windows\Prefetch by collectors, often flattened
    a.platform = "windows";
  } else if (candidate.relative_path.empty()) {
    // A single file: only its bytes can say what it is.
    if (a.format == formats::FileFormat::Text && formats::hosts::looks_like_hosts(file->bytes()))
      a.kind = ArtefactKind::HostsFile;
  } else if (const KnownLocation* loc = match_location(candidate.relative_path)) {
    a.platform = loc->platform;
    // Rotated logs are often compressed: their parser inflates them.
    const bool compressed_log = loc->kind == ArtefactKind::AuthLog && a.format == formats::FileFormat::Gzip;
    // Windows editors save hosts as UTF-16 without a BOM too (NULs: not "text" to the sniffer); its parser decodes it.
    const bool wide_hosts = loc->kind == ArtefactKind::HostsFile && a.format == formats::FileFormat::Unknown;
    if (a.format == loc->format || compressed_log || wide_hosts || loc->kind == ArtefactKind::StartupItem ||
        (a.format == formats::FileFormat::Unknown && a.size == 0)) {
      a.kind = loc->kind;
    } else {
      diags.add("evidence.unexpected_format", DiagSeverity::Warning, candidate.display_path, 0,
                "expected " + std::string(formats::to_string(loc->format)) + " at this location, found " +
                    std::string(formats::to_string(a.format)));
    }
  }
  if (candidate.declared_kind && a.kind == ArtefactKind::File && *candidate.declared_kind != ArtefactKind::File &&
      (a.format == formats::FileFormat::Text || a.size == 0 ||
       (*candidate.declared_kind == ArtefactKind::AuthLog && a.format == formats::FileFormat::Gzip))) {
    a.kind = *candidate.declared_kind;  // collector said so and the bytes agree it is text
  }
  // Hashed once its kind is known (a large log's MD5 can wait, see examine's declaration).
  out.md5_deferred = defer_large_md5 && a.size >= kLargeLog &&
                     (a.kind == ArtefactKind::EventLog || a.kind == ArtefactKind::PacketCapture);
  a.hashes = hash_mapped(*file, !out.md5_deferred);
  if (!candidate.declared_sha256.empty() && !iequals_ascii(candidate.declared_sha256, a.hashes.sha256))
    diags.add("bundle.hash_mismatch", DiagSeverity::Error, candidate.display_path, 0,
              "SHA-256 " + a.hashes.sha256 + " differs from the manifest's " + candidate.declared_sha256.substr(0, 64) +
                  ": the bundle was changed after collection");
  if (a.platform.empty()) a.platform = candidate.declared_platform;
  // A file named like an artefact minesweep reads but without its content (0 bytes, cut inside its header, or
  // something else under the name) is said, not passed over: a wiped Security.evtx is itself a clue.
  if (a.kind == ArtefactKind::File)
    if (const std::string_view expected =
            named_like(candidate.relative_path.empty() ? candidate.display_path : candidate.relative_path);
        !expected.empty())
      diags.add("evidence.no_content", DiagSeverity::Warning, candidate.display_path, 0,
                "named like " + std::string(expected) + " but " +
                    (a.size == 0 ? std::string("empty (0 bytes)")
                                 : std::to_string(a.size) + " bytes that are not one (" +
                                       std::string(formats::to_string(a.format)) + ": truncated or not that format)") +
                    "; not read");
  out.file = std::move(file).value();
  return out;
}

}  // namespace msw::evidence
