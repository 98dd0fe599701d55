#include "support/wmi_writer.h"

#include <algorithm>

#include "core/text.h"
#include "formats/wmi/wmi_repository.h"
#include "support/bytes.h"

namespace msw::test {
namespace {

using namespace bytes;
std::string u32(uint32_t v) { return le32(v); }

std::string record(const WmiInstanceSpec& spec, bool sha256) {
  std::string heap;
  std::vector<uint32_t> slots;
  // CreatorSID: an array of bytes (S-1-5-32-544), which holds NULs and text-like bytes.
  slots.push_back(static_cast<uint32_t>(heap.size()));
  const std::string sid("\x01\x02\x00\x00\x00\x00\x00\x05\x20\x00\x00\x00\x20\x02\x00\x00", 16);
  heap += u32(static_cast<uint32_t>(sid.size())) + sid;
  for (const auto& s : spec.strings) {
    slots.push_back(static_cast<uint32_t>(heap.size()));
    const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      heap += '\0' + s + '\0';
    } else {
      heap += '\x01';
      for (char32_t cp : [&] {
             std::u32string u;
             for (size_t i = 0; i < s.size();) {  // minimal UTF-8 decode for the test's strings (BMP)
               const auto c = static_cast<unsigned char>(s[i]);
               if (c < 0x80) u += c, i += 1;
               else if (c < 0xE0) u += static_cast<char32_t>((c & 0x1F) << 6 | (s[i + 1] & 0x3F)), i += 2;
               else u += static_cast<char32_t>((c & 0x0F) << 12 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F)), i += 3;
             }
             return u;
           }()) {
        heap += static_cast<char>(cp & 0xFF);
        heap += static_cast<char>(cp >> 8);
      }
      heap += std::string(2, '\0');
    }
  }
  std::string block = u32(0) + '\0' + std::string((slots.size() + 3) / 4, '\x55');
  for (uint32_t s : slots) block += u32(s);
  block += u32(4);  // qualifiers: none
  block += '\x01';  // dynamic block type
  block += u32(0x80000000u | static_cast<uint32_t>(heap.size())) + heap;
  std::string rec = formats::wmi::class_digest_utf16(spec.class_name, sha256);
  rec += std::string("\x00\x80\x3e\xd5\xde\xb1\xd5\x01", 8);  // 2020-01-01
  rec += std::string("\x00\x80\x3e\xd5\xde\xb1\xd5\x01", 8);
  rec += u32(static_cast<uint32_t>(block.size() + 4)) + block;
  return rec;
}

}  // namespace

std::string write_objects_data(const std::vector<WmiInstanceSpec>& instances, bool sha256) {
  constexpr size_t kPage = formats::wmi::kPageBytes;
  std::string out;
  std::string page(kPage, '\0');
  size_t descriptors = 0, data_at = 0;
  uint32_t next_id = 1;
  auto flush = [&] {
    out += page;
    page.assign(kPage, '\0');
    descriptors = 0;
    data_at = 0;
  };
  // Room for up to 16 descriptors and the terminator at the page start.
  constexpr size_t kTable = 17 * 16;
  for (const auto& spec : instances) {
    const std::string rec = record(spec, sha256);
    if (data_at == 0) data_at = kTable;
    if (data_at + rec.size() > kPage || descriptors == 16) {
      flush();
      data_at = kTable;
    }
    page.replace(data_at, rec.size(), rec);
    if (spec.listed) {
      const size_t d = descriptors++ * 16;
      put32(page, d, next_id++);
      put32(page, d + 4, static_cast<uint32_t>(data_at));
      put32(page, d + 8, static_cast<uint32_t>(rec.size()));
      put32(page, d + 12, 0);
    }
    data_at += rec.size();
  }
  flush();
  return out;
}

}  // namespace msw::test
