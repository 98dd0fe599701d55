// MappedFile: a read-only view of a file's bytes.
//
// Evidence is opened O_RDONLY (with O_NOATIME where the kernel allows it, so reading does not even change the access
// time) and mapped PROT_READ. Files that cannot be mapped — /proc entries that report size 0, pipes — are read into
// memory up to a cap instead. Nothing here can write to the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw {

// Files that cannot be mapped are read into memory; this bounds that copy (a /proc file is a few KiB).
inline constexpr uint64_t kMaxUnmappableRead = 64ull << 20;

class MappedFile {
 public:
  // Opens `path` read-only. Errors: file.open (with errno text), file.not_regular, file.too_large.
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  Bytes bytes() const { return {data_, size_}; }
  // Tells the kernel the pages of [offset, offset+length) are done with, so a streaming reader of a multi-GB file
  // keeps a flat resident set. The bytes stay readable: they are paged in again from the file if touched.
  void release(size_t offset, size_t length) const;
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void release();

  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::byte> buffer_;  // used when the file could not be mapped
};

// Reads a whole (small) file through MappedFile and returns a copy; for configuration and text artefacts.
Result<std::string> read_file_text(const std::string& path, uint64_t max_bytes);

}  // namespace msw
