#include "core/mapped_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/mman.h>
#include <sys/stat.h>

namespace msw {
namespace {

int open_read_only(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer that never comes (it is refused below, after fstat).
  // O_NOATIME is refused (EPERM) for files we do not own unless we are root; retry without it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  return fd;
}

std::string_view file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Error errno_error(const std::string& code, const std::string& path, int err) {
  std::string hint;
  if (err == EACCES || err == EPERM) hint = " (run as root or grant read access)";
  if (err == ELOOP) hint = " (it is a symbolic link; evidence links are resolved by the evidence walker)";
  return Error::make(code, "cannot open " + path + ": " + std::strerror(err) + hint);
}

}  // namespace

Result<MappedFile> MappedFile::open(const std::string& path) {
  int fd = open_read_only(path);
  if (fd < 0) return errno_error("file.open", path, errno);

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("file.stat", path, err);
  }
  // Only regular files are evidence: a FIFO or a device would hang the read or never end (/dev/zero). Files of
  // procfs and sysfs are regular files that report size 0; they are read below.
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::make("file.not_regular", path + " is " + std::string(file_type(st.st_mode)) +
                                               "; only regular files are read (copy the data into a file first)");
  }

  MappedFile file;
  file.path_ = path;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      file.data_ = static_cast<const std::byte*>(p);
      file.size_ = static_cast<size_t>(st.st_size);
      file.mapped_ = true;
      ::close(fd);
      return file;
    }
  }

  // Not mappable (procfs, sysfs, an empty file): read with a cap.
  std::byte chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_error("file.read", path, err);
    }
    if (n == 0) break;
    if (file.buffer_.size() + static_cast<size_t>(n) > kMaxUnmappableRead) {
      ::close(fd);
      return Error::make("file.too_large", path + " is not a regular file and exceeds the read cap of " +
                                               std::to_string(kMaxUnmappableRead) + " bytes");
    }
    file.buffer_.insert(file.buffer_.end(), chunk, chunk + n);
  }
  ::close(fd);
  file.data_ = file.buffer_.data();
  file.size_ = file.buffer_.size();
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this == &other) return *this;
  release();
  path_ = std::move(other.path_);
  mapped_ = other.mapped_;
  size_ = other.size_;
  buffer_ = std::move(other.buffer_);
  data_ = mapped_ ? other.data_ : buffer_.data();
  other.data_ = nullptr;
  other.size_ = 0;
  other.mapped_ = false;
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release(size_t offset, size_t length) const {
  if (!mapped_ || offset >= size_) return;
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t begin = (offset + page - 1) / page * page;  // only whole pages inside the range
  size_t end = std::min(size_, offset + length) / page * page;
  if (end > begin) ::madvise(const_cast<std::byte*>(data_) + begin, end - begin, MADV_DONTNEED);
}

void MappedFile::release() {
  if (mapped_ && data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
  mapped_ = false;
  buffer_.clear();
}

Result<std::string> read_file_text(const std::string& path, uint64_t max_bytes) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  if (file->size() > max_bytes)
    return Error::make("file.too_large", path + " is " + std::to_string(file->size()) + " bytes; the limit is " +
                                             std::to_string(max_bytes));
  return std::string(as_chars(file->bytes()));
}

}  // namespace msw
