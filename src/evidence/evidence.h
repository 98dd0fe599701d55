// evidence/: turns what the user hands us — single files, folders that mirror a Windows or Linux volume (KAPE,
// Velociraptor, a mounted image), minesweep triage bundles — into typed artefacts.
//
// Two steps, so the expensive one runs in parallel: enumerate() walks the inputs without reading file contents;
// examine() maps one file read-only, hashes it (MD5, SHA-1, SHA-256), sniffs its format from bytes and decides
// its artefact kind from format plus location (a text file at .../etc/hosts is a hosts file) or, for a single
// file, from its content alone.
//
// Evidence is never modified: files are opened O_RDONLY|O_NOATIME and mapped PROT_READ. Symbolic links are resolved
// as if the evidence root were '/', and a link that leads outside the root is refused (evidence.symlink_escape).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/hash.h"
#include "core/mapped_file.h"
#include "core/result.h"
#include "evidence/bundle.h"
#include "formats/registry.h"

namespace msw::evidence {

// Kinds of artefact minesweep knows how to analyse. `File` is any other file: hashed and inventoried only.
// What an artefact is: one row each in evidence/artefact_kinds.def.
enum class ArtefactKind {
#define MSW_ARTEFACT_KIND(id, name, parser, meaning) id,
#include "evidence/artefact_kinds.def"
};
// Every kind, in declaration order.
std::span<const ArtefactKind> all_artefact_kinds();
std::string_view to_string(ArtefactKind k);
std::optional<ArtefactKind> artefact_kind_from_string(std::string_view s);

enum class InputKind { File, Folder, Bundle };
std::string_view to_string(InputKind k);

struct EvidenceItem {
  std::string path;  // as the user gave it
  InputKind kind = InputKind::File;
  std::optional<BundleManifest> manifest;  // for bundles
  size_t unreadable = 0;                   // folders inside (or the input itself) that could not be listed
};

// A file found by enumerate(), not yet read.
struct Candidate {
  std::string disk_path;      // path to open
  std::string display_path;   // what the user sees: the input path, "<input>/<relative>", or the bundle's source
  std::string relative_path;  // '/'-separated, relative to the input root ("" for a single file)
  size_t evidence_index = 0;  // into Inventory::items
  std::optional<ArtefactKind> declared_kind;  // from a bundle manifest
  std::string declared_sha256;                // from a bundle manifest, verified by examine()
  std::string declared_platform;              // the bundle's host platform, for files whose location does not say
};

struct Inventory {
  std::vector<EvidenceItem> items;
  std::vector<Candidate> files;
  Diagnostics diagnostics;
};

// Errors: evidence.missing (an input does not exist — a usage error, nothing is analysed), evidence.unsupported
// (a device or socket), evidence.symlink (an input that is a link). Unreadable folders (evidence.unreadable) and
// refused links inside a folder are diagnostics.
Result<Inventory> enumerate(std::span<const std::string> inputs);

struct Artefact {
  Candidate source;
  ArtefactKind kind = ArtefactKind::File;
  formats::FileFormat format = formats::FileFormat::Unknown;
  std::string platform;  // "windows", "linux" or "" when the location does not say
  uint64_t size = 0;
  FileHashes hashes;
};

struct Examined {
  Artefact artefact;
  MappedFile file;            // kept open so the parser reads the same mapping that was hashed
  bool md5_deferred = false;  // artefact.hashes.md5 is left for the caller (see examine)
};

// Errors: the file could not be opened or read (file.*). A hash that differs from the bundle manifest is the
// diagnostic bundle.hash_mismatch (the bundle was altered after collection). `defer_large_md5`: an event log or
// capture of kLargeLog bytes or more gets its SHA-1 and SHA-256 here and its MD5 left to the caller, who computes it
// (md5_mapped) beside parsing: MD5 is the slowest digest, and nothing but the case's record of the file reads a
// log's MD5.
inline constexpr uint64_t kLargeLog = uint64_t{64} << 20;
Result<Examined> examine(const Candidate& candidate, Diagnostics& diags, bool defer_large_md5 = false);

}  // namespace msw::evidence
