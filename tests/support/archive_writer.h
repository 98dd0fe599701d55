// Archives for tests, written with libarchive's writers at test time (nothing binary is committed): zip, 7z and tar
// with files, symlinks and hostile names, and a zip comment patched into the end record (libarchive cannot write one)
// so self-extractor scripts can be tested.
#pragma once

#include <string>
#include <vector>

namespace msw::test {

struct ArchiveEntry {
  std::string name;
  std::string data;
  std::string symlink;  // non-empty: the entry is a symlink to this
};

// format: "zip", "7z" or "tar".
std::string write_archive(const std::string& format, const std::vector<ArchiveEntry>& entries);

// A zip with `comment` in its end-of-central-directory record.
std::string with_zip_comment(std::string zip, const std::string& comment);

}  // namespace msw::test
