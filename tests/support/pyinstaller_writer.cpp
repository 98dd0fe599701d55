#include "support/pyinstaller_writer.h"

#include <zlib.h>

namespace msw::test {
namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}

std::string deflate(const std::string& in) {
  uLongf n = compressBound(static_cast<uLong>(in.size()));
  std::string out(n, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()),
           static_cast<uLong>(in.size()));
  out.resize(n);
  return out;
}

}  // namespace

std::string write_pyz(const std::string& pyc_magic, const std::vector<PyzModule>& modules) {
  std::string body;
  std::string table = "[" + le32(static_cast<uint32_t>(modules.size()));
  const size_t header = 12;
  for (const auto& m : modules) {
    const std::string stored = m.encrypted ? std::string("\x11\x22\x33\x44", 4) + m.code : deflate(m.code);
    // (name, (ispkg, pos, length)) as marshal writes it: small tuples, a short ASCII string, 32-bit ints.
    table += ")\x02" + std::string("z") + static_cast<char>(m.name.size()) + m.name + ")\x03" + "i" + le32(0) + "i" +
             le32(static_cast<uint32_t>(header + body.size())) + "i" + le32(static_cast<uint32_t>(stored.size()));
    body += stored;
  }
  return std::string("PYZ\0", 4) + pyc_magic + be32(static_cast<uint32_t>(header + body.size())) + body + table;
}

std::string write_carchive(const std::vector<PyiMember>& members, int pyvers, const std::string& python_library) {
  std::string data, toc;
  for (const auto& m : members) {
    const std::string stored = m.compress ? deflate(m.data) : m.data;
    std::string name = m.name + std::string(1, '\0');
    while ((18 + name.size()) % 16) name += '\0';
    toc += be32(static_cast<uint32_t>(18 + name.size())) + be32(static_cast<uint32_t>(data.size())) +
           be32(static_cast<uint32_t>(stored.size())) + be32(static_cast<uint32_t>(m.data.size())) +
           static_cast<char>(m.compress ? 1 : 0) + m.type + name;
    data += stored;
  }
  std::string lib = python_library;
  lib.resize(64, '\0');
  const uint32_t length = static_cast<uint32_t>(data.size() + toc.size() + 88);
  return data + toc + std::string("MEI\x0c\x0b\x0a\x0b\x0e", 8) + be32(length) +
         be32(static_cast<uint32_t>(data.size())) + be32(static_cast<uint32_t>(toc.size())) +
         be32(static_cast<uint32_t>(pyvers)) + lib;
}

}  // namespace msw::test
