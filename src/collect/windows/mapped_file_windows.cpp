// core/mapped_file.h for the MinGW build: the same read-only mapping through CreateFileMapping, paths in UTF-8.
// (core/mapped_file.cpp is the POSIX one; the collector needs mappings only to zip the bundle it wrote.)
#include <windows.h>

#include "collect/windows/wide_text.h"
#include "core/mapped_file.h"

namespace msw {
namespace {

Error open_error(const std::string& path, DWORD err) {
  return Error::make("file.open", "cannot open " + path + " (Windows error " + std::to_string(err) + ")");
}

}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path) {
  HANDLE file = CreateFileW(collect::windows::wide(path).c_str(), GENERIC_READ,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                            FILE_FLAG_SEQUENTIAL_SCAN, nullptr);
  if (file == INVALID_HANDLE_VALUE) return open_error(path, GetLastError());
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(file, &size)) {
    const DWORD err = GetLastError();
    CloseHandle(file);
    return open_error(path, err);
  }
  MappedFile m;
  m.path_ = path;
  m.size_ = static_cast<size_t>(size.QuadPart);
  if (m.size_ > 0) {
    HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
    const void* view = mapping ? MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0) : nullptr;
    if (mapping) CloseHandle(mapping);  // the view keeps the mapping alive
    if (!view) {
      const DWORD err = GetLastError();
      CloseHandle(file);
      return open_error(path, err);
    }
    m.data_ = static_cast<const std::byte*>(view);
    m.mapped_ = true;
  }
  CloseHandle(file);
  return m;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    mapped_ = other.mapped_;
    buffer_ = std::move(other.buffer_);
    other.data_ = nullptr;
    other.size_ = 0;
    other.mapped_ = false;
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
  if (mapped_ && data_) UnmapViewOfFile(data_);
  data_ = nullptr;
  size_ = 0;
  mapped_ = false;
}

void MappedFile::release(size_t, size_t) const {}  // the collector's reads are small; nothing to hand back

Result<std::string> read_file_text(const std::string& path, uint64_t max_bytes) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  if (file->size() > max_bytes)
    return Error::make("file.too_large", path + " is over " + std::to_string(max_bytes) + " bytes");
  return std::string(as_chars(file->bytes()));
}

}  // namespace msw
