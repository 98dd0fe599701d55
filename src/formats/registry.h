// File-format identification from bytes (never from names). The sniffers live in one table in registry.cpp and are
// tried in its order: specific magic numbers first, text-based formats last.
#pragma once

#include <span>
#include <string_view>

#include "core/byte_reader.h"

namespace msw::formats {

enum class FileFormat {
  Unknown,
  Evtx,
  Regf,
  Pe,
  Elf,
  Pcap,
  Pcapng,
  Zip,
  SevenZip,
  Rar,
  Gzip,
  Xz,
  Cab,
  Ole,
  Sqlite,
  Lnk,
  Prefetch,
  TaskJob,
  Mbr,
  Text,
};

std::string_view to_string(FileFormat f);

// How many leading bytes sniff() needs at most; callers may pass fewer.
inline constexpr size_t kSniffBytes = 4096;

struct Sniffer {
  FileFormat format;
  bool (*matches)(Bytes head);
  std::string_view evidence;  // what the sniffer looks for, for --help and docs
};

std::span<const Sniffer> sniffers();
FileFormat sniff(Bytes head);

}  // namespace msw::formats
