// The triage bundle: what a collector writes and every analysis reads. A folder with `manifest.json` and the raw
// artefacts beside it, so a bundle from a customer's machine analyses exactly like a local one.
//
// manifest.json (format "minesweep-bundle", version 1):
//   { "format": "minesweep-bundle", "version": 1, "tool_version": "...", "collected_at": "ISO-8601",
//     "host": {"hostname": "...", "os": "...", "kernel": "...", "platform": "windows"},
//     "artefacts": [{"path": "etc/hosts", "source": "/etc/hosts", "kind": "hosts", "size": 123, "sha256": "..."}],
//     "failures": [{"source": "/etc/shadow", "reason": "..."}] }
// The manifest is read like any other evidence: it can be forged or damaged, so every field is checked and a bad
// manifest is a diagnostic, not a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::evidence {

inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::string_view kBundleFormat = "minesweep-bundle";
inline constexpr int kBundleVersion = 1;
// A manifest is a few KiB per thousand artefacts; anything larger is not ours.
inline constexpr size_t kMaxManifestBytes = 64u << 20;
inline constexpr size_t kMaxManifestArtefacts = 1'000'000;

struct BundleArtefact {
  std::string path;    // relative to the bundle root, '/'-separated, no '..'
  std::string source;  // where it was on the host
  std::string kind;    // artefact kind name (evidence::to_string(ArtefactKind))
  uint64_t size = 0;
  std::string sha256;
};

struct BundleFailure {
  std::string source;
  std::string reason;
};

struct BundleManifest {
  std::string tool_version;
  std::string collected_at;
  std::string hostname, os, kernel;
  std::string platform;  // "windows" or "linux"; empty in bundles from before the Windows collector (Linux)
  std::vector<BundleArtefact> artefacts;
  std::vector<BundleFailure> failures;
};

std::string write_manifest(const BundleManifest& m);
// Errors: bundle.bad_manifest (with what is wrong).
Result<BundleManifest> parse_manifest(Bytes json);

// True for a relative path that stays inside the bundle: no absolute paths, no '..', no empty components.
bool is_safe_relative_path(std::string_view p);

}  // namespace msw::evidence
