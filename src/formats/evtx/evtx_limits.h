// Caps for the EVTX parser. Every count and depth read from a (possibly hostile or damaged) log is bounded here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace msw::formats::evtx {

inline constexpr size_t kFileHeaderSize = 4096;
inline constexpr size_t kChunkSize = 65536;
inline constexpr size_t kChunkHeaderSize = 512;
inline constexpr size_t kRecordHeaderSize = 24;  // signature, size, id, written time

// Event XML nests ~5 levels (Event/EventData/Data); 64 leaves room for UserData and nested BinXml values.
inline constexpr size_t kMaxElementDepth = 64;
// Template instances inside BinXml values inside templates: real logs nest 2; more is a loop or an attack.
inline constexpr size_t kMaxTemplateNesting = 8;
// Substitution values in one template instance; Security 4624 uses ~28, the largest seen around 100.
inline constexpr size_t kMaxSubstitutions = 1024;
// Elements and attributes in one record; a 64 KiB chunk cannot hold more tokens than this.
inline constexpr size_t kMaxNodesPerRecord = 16384;
// Text one record's tree may hold. A 64 KiB record renders to a few hundred KiB; a template that repeats one large
// value thousands of times would otherwise build gigabytes.
inline constexpr size_t kMaxRecordText = 16u << 20;
// Chunks examined in one file: 64 KiB each, so this is a 256 GiB log.
inline constexpr size_t kMaxChunks = 4u << 20;

}  // namespace msw::formats::evtx
