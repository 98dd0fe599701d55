#include "support/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>

namespace msw::test {
namespace {

la_ssize_t append(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

}  // namespace

std::string write_archive(const std::string& format, const std::vector<ArchiveEntry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  if (format == "zip")
    archive_write_set_format_zip(a);
  else if (format == "7z")
    archive_write_set_format_7zip(a);
  else
    archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, &out, nullptr, append, nullptr) != ARCHIVE_OK)
    throw std::runtime_error("archive_write_open failed");
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_mtime(entry, 1551661632, 0);
    if (!e.symlink.empty()) {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.symlink.c_str());
      archive_entry_set_perm(entry, 0777);
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    }
    archive_write_header(a, entry);
    if (e.symlink.empty() && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string with_zip_comment(std::string zip, const std::string& comment) {
  const auto eocd = zip.rfind(std::string("PK\x05\x06", 4));
  if (eocd == std::string::npos || eocd + 22 != zip.size()) throw std::runtime_error("zip without a bare end record");
  zip[eocd + 20] = static_cast<char>(comment.size() & 0xff);
  zip[eocd + 21] = static_cast<char>(comment.size() >> 8);
  return zip + comment;
}

}  // namespace msw::test
