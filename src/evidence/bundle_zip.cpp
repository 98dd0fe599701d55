#include "evidence/bundle_zip.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/mapped_file.h"

namespace msw::evidence {
namespace fs = std::filesystem;

namespace {

void put16(std::string& o, uint32_t v) {
  o += static_cast<char>(v & 0xff);
  o += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& o, uint32_t v) {
  put16(o, v & 0xffff);
  put16(o, v >> 16);
}

Error zip_error(const std::string& what) { return Error::make("bundle.zip", what); }

// Paths are UTF-8 strings on every platform (Windows' narrow paths would be the ANSI code page).
fs::path from_utf8(const std::string& s) { return fs::path(std::u8string(s.begin(), s.end())); }
std::string to_utf8(const fs::path& p) {
  const std::u8string u = p.generic_u8string();
  return std::string(u.begin(), u.end());
}

// Raw deflate of a whole buffer (the zip entry carries no zlib header).
Result<std::string> deflate_raw(Bytes in) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return zip_error("zlib could not start");
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return zip_error("deflate failed");
  return out;
}

struct CentralEntry {
  std::string name;
  uint32_t crc = 0, compressed = 0, size = 0, offset = 0;
  uint16_t method = 0;
};

}  // namespace

Result<void> write_bundle_zip(const std::string& bundle_dir, const std::string& zip_path) {
  std::error_code ec;
  if (fs::exists(from_utf8(zip_path), ec)) return zip_error(zip_path + " exists; choose another name");
  std::vector<std::string> names;
  const fs::path root = from_utf8(bundle_dir);
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) names.push_back(to_utf8(it->path().lexically_relative(root)));
  if (ec) return zip_error("cannot list " + bundle_dir + ": " + ec.message());
  if (names.size() > kMaxZipEntries) return zip_error("more than 65,535 files: copy the bundle folder instead of --zip");
  std::sort(names.begin(), names.end());

  std::ofstream out(from_utf8(zip_path), std::ios::binary);
  if (!out) return zip_error("cannot create " + zip_path);
  std::vector<CentralEntry> central;
  uint64_t offset = 0;
  for (const auto& name : names) {
    auto file = MappedFile::open(to_utf8(root / from_utf8(name)));
    if (!file) return zip_error("cannot read " + name + ": " + file.error().message);
    Bytes data = file->bytes();
    if (data.size() > kMaxZipBytes) return zip_error(name + " is over 4 GiB: copy the bundle folder instead of --zip");
    CentralEntry e;
    e.name = name;
    e.size = static_cast<uint32_t>(data.size());
    e.crc = static_cast<uint32_t>(crc32_z(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
    auto packed = deflate_raw(data);
    if (!packed) return packed.error();
    const bool store = packed->size() >= data.size();  // incompressible: stored as is
    e.method = store ? 0 : 8;
    e.compressed = static_cast<uint32_t>(store ? data.size() : packed->size());
    e.offset = static_cast<uint32_t>(offset);
    std::string h;
    put32(h, 0x04034b50);
    put16(h, 20);        // version needed: 2.0
    put16(h, 1u << 11);  // names are UTF-8
    put16(h, e.method);
    put16(h, 0);
    put16(h, 0x21);  // 1980-01-01: times live in the manifest, not in the archive
    put32(h, e.crc);
    put32(h, e.compressed);
    put32(h, e.size);
    put16(h, static_cast<uint32_t>(name.size()));
    put16(h, 0);
    h += name;
    const size_t body = store ? data.size() : packed->size();
    offset += h.size() + body;
    if (offset > kMaxZipBytes) return zip_error("the bundle is over 4 GiB: copy the folder instead of --zip");
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    if (body > 0)
      out.write(store ? reinterpret_cast<const char*>(data.data()) : packed->data(), static_cast<std::streamsize>(body));
    if (!out) return zip_error("cannot write " + zip_path);
    central.push_back(std::move(e));
  }
  std::string cd;
  for (const auto& e : central) {
    put32(cd, 0x02014b50);
    put16(cd, (3u << 8) | 20);  // made by: Unix, 2.0
    put16(cd, 20);
    put16(cd, 1u << 11);
    put16(cd, e.method);
    put16(cd, 0);
    put16(cd, 0x21);
    put32(cd, e.crc);
    put32(cd, e.compressed);
    put32(cd, e.size);
    put16(cd, static_cast<uint32_t>(e.name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0100600u << 16);  // regular file, rw-------
    put32(cd, e.offset);
    cd += e.name;
  }
  if (offset + cd.size() > kMaxZipBytes) return zip_error("the bundle is over 4 GiB: copy the folder instead of --zip");
  put32(cd, 0x06054b50);
  put16(cd, 0);
  put16(cd, 0);
  put16(cd, static_cast<uint32_t>(central.size()));
  put16(cd, static_cast<uint32_t>(central.size()));
  put32(cd, static_cast<uint32_t>(cd.size() - 0));  // patched below: size of the central directory
  put32(cd, static_cast<uint32_t>(offset));
  put16(cd, 0);
  const uint32_t cd_size = static_cast<uint32_t>(cd.size() - 22);
  for (int i = 0; i < 4; ++i) cd[cd.size() - 10 + i] = static_cast<char>((cd_size >> (8 * i)) & 0xff);
  out.write(cd.data(), static_cast<std::streamsize>(cd.size()));
  out.flush();
  if (!out) return zip_error("cannot write " + zip_path);
  return {};
}

}  // namespace msw::evidence
