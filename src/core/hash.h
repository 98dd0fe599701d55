// Streaming MD5, SHA-1 and SHA-256 (OpenSSL EVP), computed together in one pass over the bytes.
// All three are kept because responders compare against vendor reports that use any of them (the MyKings write-up
// matched SHA-1s by eye).
#pragma once

#include <memory>
#include <string>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw {

struct FileHashes {
  std::string md5;  // lower-case hex
  std::string sha1;
  std::string sha256;
};

class MultiHasher {
 public:
  MultiHasher();
  ~MultiHasher();
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;

  void update(Bytes data);
  FileHashes finish();  // the hasher is reset and can be reused

 private:
  struct State;
  std::unique_ptr<State> state_;
};

FileHashes hash_bytes(Bytes data);
std::string sha256_hex(Bytes data);
class MappedFile;
// A mapped file's hashes, a window at a time: each window's pages leave memory once hashed, so hashing a
// multi-gigabyte log costs a window, not its size. Without `md5`, FileHashes::md5 is left empty (md5_mapped() gives
// it later: the slowest digest can run beside other work).
FileHashes hash_mapped(const MappedFile& file, bool md5 = true);
std::string md5_mapped(const MappedFile& file);
// Hashes a file through a read-only mapping. Errors as MappedFile::open.
Result<FileHashes> hash_file(const std::string& path);

std::string to_hex(Bytes data);

// The ssdeep context-triggered piecewise hash (libfuzzy), which still matches a sample after small edits — how
// variants of one dropper are grouped. "" when libfuzzy cannot hash the bytes.
std::string ssdeep(Bytes data);

// Marvin32 (Microsoft's seeded 64-bit hash): registry transaction logs checksum their entries with it.
uint64_t marvin32(Bytes data, uint64_t seed);

}  // namespace msw
