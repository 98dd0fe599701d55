// The PE parser and the packer/installer identification, on PE files written by tests/support/pe_writer.
#include "formats/pe/pe.h"

#include <random>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/hash.h"
#include "formats/pe/authenticode.h"
#include "formats/pe/packers.h"
#include "support/pe_writer.h"

namespace msw::formats::pe {
namespace {

Bytes b(const std::string& s) { return as_bytes(s); }

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

std::vector<std::string> tool_names(const std::string& file) {
  auto pe = parse(b(file));
  EXPECT_TRUE(pe) << pe.error().message;
  std::vector<std::string> out;
  if (pe)
    for (const auto& v : identify_tools(*pe, b(file))) out.push_back(v.name);
  return out;
}

TEST(Pe, ReadsHeadersTablesAndOverlay) {
  test::PeSpec spec;
  spec.is_64 = true;
  spec.is_dll = true;
  spec.sections = {{".text", std::string(0x400, '\xCC'), 0x60000020, 0},
                   {".data", std::string(0x200, 'A'), 0xC0000040, 0}};
  spec.imports = {{"KERNEL32.dll", {"CreateProcessA", "VirtualAlloc"}}, {"WS2_32.dll", {"#115", "connect"}}};
  spec.rich = {{0x0104'7809u, 5}, {0x0105'7809u, 12}};
  spec.pdb_path = "C:\\build\\csrs\\Release\\csrs.pdb";
  spec.tls_callbacks = 2;
  spec.overlay = "overlay bytes";
  spec.certificate = std::string(64, '\x30');
  const std::string file = test::write_pe(spec);
  ASSERT_TRUE(looks_like_pe(b(file)));
  auto pe = parse(b(file));
  ASSERT_TRUE(pe) << pe.error().message;
  EXPECT_TRUE(pe->is_64);
  EXPECT_TRUE(pe->is_dll);
  EXPECT_EQ(machine_name(pe->machine), "x64");
  EXPECT_EQ(pe->timestamp, 0x5C7C9A40u);
  EXPECT_EQ(pe->entry_section, ".text");
  ASSERT_EQ(pe->sections.size(), 3u);  // and the writer's .meta
  EXPECT_EQ(pe->sections[1].name, ".data");
  EXPECT_TRUE(pe->sections[0].executable());
  EXPECT_TRUE(pe->sections[1].writable());
  EXPECT_DOUBLE_EQ(pe->sections[1].entropy, 0.0);
  ASSERT_EQ(pe->imports.size(), 2u);
  EXPECT_EQ(pe->imports[0].dll, "KERNEL32.dll");
  EXPECT_EQ(pe->imports[0].functions, (std::vector<std::string>{"CreateProcessA", "VirtualAlloc"}));
  EXPECT_EQ(pe->imports[1].functions, (std::vector<std::string>{"ord115", "connect"}));
  // imphash: MD5 of "kernel32.createprocessa,kernel32.virtualalloc,ws2_32.ord115,ws2_32.connect".
  EXPECT_EQ(imphash(*pe),
            hash_bytes(as_bytes("kernel32.createprocessa,kernel32.virtualalloc,ws2_32.ord115,ws2_32.connect")).md5);
  ASSERT_EQ(pe->rich.size(), 2u);
  EXPECT_EQ(pe->rich[1].product, 0x0105);
  EXPECT_EQ(pe->rich[1].build, 0x7809);
  EXPECT_EQ(pe->rich[1].count, 12u);
  EXPECT_EQ(pe->pdb_path, "C:\\build\\csrs\\Release\\csrs.pdb");
  ASSERT_EQ(pe->tls_callbacks.size(), 2u);
  EXPECT_EQ(pe->tls_callbacks[0], 0x140001000ULL);
  EXPECT_EQ(pe->overlay_size, spec.overlay.size());  // the signature is not overlay
  EXPECT_EQ(pe->certificate_size, 64u);
  EXPECT_EQ(pe->certificate_offset, file.size() - 64);
  EXPECT_TRUE(pe->notes.empty()) << pe->notes.front();
}

// The version resource MyKings droppers fill with a Microsoft binary's strings.
TEST(Pe, ReadsTheVersionResource) {
  test::PeSpec spec;
  spec.version_strings = {{"CompanyName", "Microsoft Corporation"},
                          {"OriginalFilename", "svchost.exe"},
                          {"FileDescription", "Host Process for Windows Services"}};
  spec.file_version[0] = 6, spec.file_version[1] = 1, spec.file_version[2] = 7601, spec.file_version[3] = 17514;
  const std::string file = test::write_pe(spec);
  auto pe = parse(b(file));
  ASSERT_TRUE(pe) << pe.error().message;
  EXPECT_EQ(pe->file_version, "6.1.7601.17514");
  ASSERT_EQ(pe->version_info.size(), 3u);
  EXPECT_EQ(pe->version_info[0], (std::pair<std::string, std::string>{"CompanyName", "Microsoft Corporation"}));
  EXPECT_EQ(pe->version_info[1].second, "svchost.exe");
  EXPECT_EQ(pe->version_info[2].second, "Host Process for Windows Services");
  // Lengths that lie: cut every block's wLength to 4 (below its header) — read what is sound, no crash.
  std::string bad = file;
  for (size_t at = 0; (at = bad.find(std::string("V\0S\0_\0", 6), at)) != std::string::npos; ++at) bad[at - 6] = 4;
  auto damaged = parse(b(bad));
  ASSERT_TRUE(damaged);
  EXPECT_TRUE(damaged->version_info.empty());
}

TEST(Pe, RejectsWhatIsNotPeAndSurvivesDamage) {
  EXPECT_FALSE(looks_like_pe(b("MZ")));
  EXPECT_EQ(parse(b(std::string(0x200, 'A'))).error().code, "pe.not_pe");
  std::string file = test::write_pe({});
  // Cut inside the last section's data: parsed, with a note. Inside the optional or COFF header: an error.
  auto cut_data = parse(b(file.substr(0, file.size() - 1)));
  ASSERT_TRUE(cut_data);
  ASSERT_FALSE(cut_data->notes.empty());
  EXPECT_NE(cut_data->notes.front().find("runs past the end"), std::string::npos);
  EXPECT_EQ(parse(b(file.substr(0, 0x100 + 4 + 20 + 50))).error().code, "pe.truncated");
  EXPECT_EQ(parse(b(file.substr(0, 0x100 + 10))).error().code, "pe.truncated");
  // Absurd counts: 0xFFFF sections, import directory pointing anywhere.
  std::string bad = file;
  bad[0x100 + 4 + 2] = '\xFF';
  bad[0x100 + 4 + 3] = '\xFF';
  auto r = parse(b(bad));
  ASSERT_TRUE(r);
  EXPECT_LE(r->sections.size(), kMaxSections);
  EXPECT_FALSE(r->notes.empty());
}

TEST(PePackers, NamesEachWithItsEvidence) {
  auto with_sections = [](std::vector<test::PeSectionSpec> s) {
    test::PeSpec spec;
    spec.sections = std::move(s);
    return spec;
  };
  {  // UPX, its version from the pack header in the first section.
    auto spec = with_sections({{"UPX0", "", 0xE0000080, 0x10000},
                               {"UPX1", std::string("3.96\0UPX!", 9) + random_bytes(0x1000, 1), 0xE0000040, 0}});
    spec.entry_section = 1;
    const std::string file = test::write_pe(spec);
    auto pe = parse(b(file));
    ASSERT_TRUE(pe);
    auto tools = identify_tools(*pe, b(file));
    ASSERT_FALSE(tools.empty());
    EXPECT_EQ(tools[0].name, "UPX 3.96");
    EXPECT_NE(tools[0].evidence.find("sections UPX0, UPX1"), std::string::npos) << tools[0].evidence;
  }
  EXPECT_EQ(
      tool_names(test::write_pe(with_sections({{".text", "x"}, {".vmp0", random_bytes(0x800, 2)}, {".vmp1", "y"}}))),
      std::vector<std::string>{"VMProtect"});
  EXPECT_EQ(
      tool_names(test::write_pe(with_sections({{".text1", "x"}, {".adata", "y"}, {".data1", "z"}, {".pdata", "w"}}))),
      std::vector<std::string>{"Armadillo"});
  EXPECT_EQ(tool_names(test::write_pe(with_sections({{".MPRESS1", random_bytes(0x400, 3)}, {".MPRESS2", "y"}}))),
            std::vector<std::string>{"MPRESS"});
  EXPECT_EQ(tool_names(test::write_pe(with_sections({{".text", "x"}, {".themida", "y"}}))),
            std::vector<std::string>{"Themida/WinLicense"});
  {  // Unnamed packer: a high-entropy executable section, with the number.
    const std::string file = test::write_pe(with_sections({{".text", random_bytes(0x2000, 4), 0xE0000020, 0}}));
    auto pe = parse(b(file));
    auto tools = identify_tools(*pe, b(file));
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(tools[0].name, "unknown packer");
    EXPECT_NE(tools[0].evidence.find("entropy 7.9"), std::string::npos) << tools[0].evidence;
  }
  // A plain program shows nothing.
  EXPECT_TRUE(tool_names(test::write_pe({})).empty());
}

TEST(PePackers, FindsSelfExtractorsInstallersAndBundlers) {
  auto overlaid = [](std::string overlay) {
    test::PeSpec spec;
    spec.overlay = std::move(overlay);
    return test::write_pe(spec);
  };
  EXPECT_EQ(tool_names(overlaid(std::string("Rar!\x1a\x07\x01\x00", 8) + "rest")),
            std::vector<std::string>{"WinRAR SFX"});
  EXPECT_EQ(tool_names(overlaid(std::string(16, '\0') + std::string("7z\xBC\xAF\x27\x1C", 6))),
            std::vector<std::string>{"7-Zip SFX"});
  EXPECT_EQ(tool_names(overlaid(std::string("PK\x03\x04", 4) + "zip")), std::vector<std::string>{"Zip SFX"});
  EXPECT_EQ(tool_names(overlaid(std::string("\0\0\0\0\xEF\xBE\xAD\xDE", 8) + "NullsoftInst")),
            std::vector<std::string>{"NSIS"});
  EXPECT_EQ(tool_names(overlaid("zlb\x1a Inno Setup Setup Data (5.5.7)")), std::vector<std::string>{"Inno Setup"});
  {  // PyInstaller 2.1+: the cookie at the end names the Python version and its DLL.
    std::string archive = "PYZ-00.pyz....";
    std::string cookie = std::string("MEI\x0c\x0b\x0a\x0b\x0e", 8);
    auto be32 = [](uint32_t v) {
      return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                         static_cast<char>(v)};
    };
    const uint32_t length = static_cast<uint32_t>(archive.size() + 88);
    cookie += be32(length) + be32(0) + be32(0) + be32(38);
    std::string lib = "python38.dll";
    lib.resize(64, '\0');
    cookie += lib;
    const std::string file = overlaid(archive + cookie);
    auto pe = parse(b(file));
    auto tools = identify_tools(*pe, b(file));
    ASSERT_EQ(tools.size(), 1u);
    EXPECT_EQ(tools[0].name, "PyInstaller");
    EXPECT_NE(tools[0].evidence.find("Python 3.8, python38.dll"), std::string::npos) << tools[0].evidence;
    EXPECT_EQ(tools[0].payload_offset, pe->overlay_offset);  // the archive starts where the overlay does
  }
  {  // Compilers, from their markers inside a section.
    test::PeSpec spec;
    spec.sections = {
        {".text", std::string(64, 'x') + "WTNE / MADE BY E COMPILER - WUTAO" + std::string(64, 'x')},
        {".rdata", std::string("\xff Go buildinf:", 14) + "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library"}};
    EXPECT_EQ(tool_names(test::write_pe(spec)), (std::vector<std::string>{"Go", "Rust", "E-language (易语言)"}));
  }
}

}  // namespace
}  // namespace msw::formats::pe

// Authenticode: a PE signed in the test with a throw-away self-signed certificate (OpenSSL), whose signed content
// carries the SHA-256 of the file as Authenticode hashes it — computed here independently from the PE layout.

namespace msw::formats::pe {
namespace {

std::string authenticode_sha256(const std::string& pe, size_t opt, bool is_64, size_t cert_offset) {
  const size_t checksum = opt + 64, security = opt + (is_64 ? 112 : 96) + 32;
  std::string hashed = pe.substr(0, checksum) + pe.substr(checksum + 4, security - checksum - 4) +
                       pe.substr(security + 8, cert_offset - security - 8);
  return hash_bytes(as_bytes(hashed)).sha256;
}

std::string signed_certificate_table(const std::string& digest_hex) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x1234);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Test Signer"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("minesweep tests"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  // The content ends as SpcIndirectDataContent does: a DigestInfo whose last element is OCTET STRING <digest>.
  std::string content = std::string("\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20", 19);
  for (size_t i = 0; i < digest_hex.size(); i += 2)
    content += static_cast<char>(std::stoi(digest_hex.substr(i, 2), nullptr, 16));
  BIO* in = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  PKCS7* p7 = PKCS7_sign(cert, key, nullptr, in, PKCS7_BINARY | PKCS7_NOATTR);
  unsigned char* der = nullptr;
  const int len = i2d_PKCS7(p7, &der);
  std::string table(8, '\0');
  const uint32_t total = static_cast<uint32_t>(8 + len);
  for (int i = 0; i < 4; ++i) table[static_cast<size_t>(i)] = static_cast<char>(total >> (8 * i));
  table[4] = 0x00, table[5] = 0x02, table[6] = 0x02, table[7] = 0x00;  // revision 2.0, PKCS_SIGNED_DATA
  table.append(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  while (table.size() % 8) table += '\0';
  OPENSSL_free(der);
  PKCS7_free(p7);
  BIO_free(in);
  X509_free(cert);
  EVP_PKEY_free(key);
  return table;
}

TEST(PeAuthenticode, ReadsTheSignerAndChecksTheDigest) {
  test::PeSpec spec;
  spec.certificate = std::string(16, '\0');  // placeholder: the digest does not cover the table
  const std::string unsigned_pe = test::write_pe(spec);
  const size_t cert_offset = unsigned_pe.size() - 16;
  const std::string digest = authenticode_sha256(unsigned_pe, 0x100 + 4 + 20, false, cert_offset);
  spec.certificate = signed_certificate_table(digest);
  std::string file = test::write_pe(spec);
  auto pe = parse(as_bytes(file));
  ASSERT_TRUE(pe);
  auto sig = read_signature(*pe, as_bytes(file));
  EXPECT_TRUE(sig.present);
  ASSERT_TRUE(sig.parsed) << sig.note;
  EXPECT_EQ(sig.signer_subject, "O=minesweep tests,CN=Test Signer");
  EXPECT_EQ(sig.signer_issuer, sig.signer_subject);  // self-signed: read, not trusted
  EXPECT_EQ(sig.serial, "1234");
  EXPECT_EQ(sig.digest_algorithm, "SHA256");
  EXPECT_EQ(sig.embedded_digest, digest);
  EXPECT_TRUE(sig.digest_matches);
  // One byte changed in a section after signing: the digest no longer matches.
  file[0x400 + 10] ^= 1;
  auto changed = read_signature(*parse(as_bytes(file)), as_bytes(file));
  EXPECT_FALSE(changed.digest_matches);
  EXPECT_EQ(changed.embedded_digest, digest);
  // No table, or garbage in it.
  EXPECT_FALSE(read_signature(*parse(as_bytes(test::write_pe({}))), as_bytes(test::write_pe({}))).present);
  test::PeSpec junk;
  junk.certificate = std::string("\x10\0\0\0\0\x02\x02\0garbage!", 16);
  const std::string jf = test::write_pe(junk);
  auto js = read_signature(*parse(as_bytes(jf)), as_bytes(jf));
  EXPECT_TRUE(js.present);
  EXPECT_FALSE(js.parsed);
  EXPECT_FALSE(js.note.empty());
}

}  // namespace
}  // namespace msw::formats::pe
