// Deep analysis of one suspicious file, never executing it: what it is from its bytes, hashes (MD5, SHA-1, SHA-256,
// ssdeep) and entropy; for a PE its headers, packers and signature; a script's layers and commands; strings and the
// indicators in them; YARA matches; intel and knowledge-base hits — and then the same for everything inside it: an
// SFX's or archive's members, a PyInstaller bundle's code. The result is a tree (sample → SFX → members →
// PyInstaller → modules), each node complete in JSON, with depth and size limits reported when hit.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "detect/yara/yara_rules.h"
#include "formats/archive/archive.h"
#include "intel/matcher.h"

namespace msw::sample {

inline constexpr size_t kMaxDepth = 6;                     // sample → SFX → member → bundle → module is 4
inline constexpr size_t kMaxNodes = 2'000;                 // files analysed from one sample
inline constexpr uint64_t kMaxAnalysedBytes = 1ull << 30;  // bytes analysed from one sample, children included

struct Options {
  const intel::Matcher* matcher = nullptr;    // the knowledge base and the user's intel (required)
  const detect::yara::Rules* yara = nullptr;  // none: no YARA
  formats::archive::Limits archive_limits;
  // Where extracted children go (never over an existing file, never executable); none: nothing is written.
  std::optional<std::filesystem::path> extract_dir;
};

struct Analysis {
  nlohmann::json root;      // the sample's node; children under "children"
  bool suspicious = false;  // a packer or protector, a known hash or indicator, a YARA match, anywhere in the tree
  size_t nodes = 0;         // files analysed
  std::vector<std::string> limits;  // limits hit (depth, nodes, bytes), each said once
};

// Errors only for the extraction folder (sample.extract); damaged input is described in the nodes. `hashes`, when
// the caller has them already (the pipeline hashed the file when it examined it), are used for the sample itself.
Result<Analysis> analyse(Bytes data, const std::string& name, const Options& options,
                         const FileHashes* hashes = nullptr);

// A string field of a node ("" when absent): the tree's readers (the CLI, findings) take fields this way.
std::string field(const nlohmann::json& node, const char* key);

}  // namespace msw::sample
