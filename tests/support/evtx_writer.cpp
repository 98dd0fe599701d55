#include "support/evtx_writer.h"

#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

#include "core/byte_reader.h"
#include "core/crc32.h"
#include "formats/evtx/evtx.h"

namespace msw::test {
namespace {

constexpr size_t kChunk = 65536;
constexpr size_t kFileHeader = 4096;

void put8(std::string& b, uint8_t v) { b += static_cast<char>(v); }
void put16(std::string& b, uint16_t v) { b.append(reinterpret_cast<const char*>(&v), 2); }
void put32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
void set32(std::string& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void set64(std::string& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

void put_utf16(std::string& b, std::string_view s) {
  for (char16_t u : to_utf16(s)) put16(b, static_cast<uint16_t>(u));
}

std::string sid_bytes(std::string_view sid) {
  // "S-1-5-21-a-b-c": revision, count, 48-bit big-endian authority, little-endian sub-authorities.
  std::vector<uint64_t> parts;
  size_t pos = 2;
  while (pos < sid.size()) {
    size_t dash = sid.find('-', pos);
    parts.push_back(std::stoull(std::string(sid.substr(pos, dash - pos))));
    if (dash == std::string_view::npos) break;
    pos = dash + 1;
  }
  std::string b;
  put8(b, static_cast<uint8_t>(parts.at(0)));
  put8(b, static_cast<uint8_t>(parts.size() - 2));
  for (int i = 5; i >= 0; --i) put8(b, static_cast<uint8_t>(parts.at(1) >> (8 * i)));
  for (size_t i = 2; i < parts.size(); ++i) put32(b, static_cast<uint32_t>(parts[i]));
  return b;
}

class ChunkBuilder {
 public:
  ChunkBuilder() { c_.assign(512, '\0'); }
  std::string& bytes() { return c_; }

  // Appends one record; returns false (and leaves the chunk unchanged) when it does not fit.
  bool add(const EvtxEvent& e, uint64_t id) {
    const std::string saved_bytes = c_;
    const auto saved_names = names_;
    const auto saved_templates = templates_;
    write_record(e, id);
    if (c_.size() > kChunk) {
      c_ = saved_bytes;
      names_ = saved_names;
      templates_ = saved_templates;
      return false;
    }
    return true;
  }

  size_t last_record_offset() const { return last_record_; }

 private:
  void name_ref(const std::string& n) {
    if (auto it = names_.find(n); it != names_.end()) {
      put32(c_, it->second);
      return;
    }
    auto off = static_cast<uint32_t>(c_.size() + 4);  // inline: the name follows its own offset
    put32(c_, off);
    names_[n] = off;
    put32(c_, 0);                                      // unknown
    put16(c_, static_cast<uint16_t>(n.size() * 31));  // hash: not checked by readers
    put16(c_, static_cast<uint16_t>(to_utf16(n).size()));
    put_utf16(c_, n);
    put16(c_, 0);
  }

  size_t open(const std::string& name, bool attrs) {
    put8(c_, attrs ? 0x41 : 0x01);
    put16(c_, 0xFFFF);  // dependency identifier: not set
    size_t size_at = c_.size();
    put32(c_, 0);
    name_ref(name);
    return size_at;
  }
  void finish(size_t size_at) { set32(c_, size_at, static_cast<uint32_t>(c_.size() - size_at - 4)); }
  size_t begin_attrs() {
    size_t at = c_.size();
    put32(c_, 0);
    return at;
  }
  void end_attrs(size_t at) { set32(c_, at, static_cast<uint32_t>(c_.size() - at - 4)); }
  void attr(const std::string& name, bool more) {
    put8(c_, more ? 0x46 : 0x06);
    name_ref(name);
  }
  void text(std::string_view s) {
    put8(c_, 0x05);
    put8(c_, 0x01);
    put16(c_, static_cast<uint16_t>(to_utf16(s).size()));
    put_utf16(c_, s);
  }
  void sub(uint16_t id, uint8_t type) {
    put8(c_, 0x0e);
    put16(c_, id);
    put8(c_, type);
  }
  // <name>%id</name>
  void leaf(const std::string& name, uint16_t id, uint8_t type) {
    size_t s = open(name, false);
    put8(c_, 0x02);
    sub(id, type);
    put8(c_, 0x04);
    finish(s);
  }
  // <name attr=%id/>
  void empty_with_attr(const std::string& name, const std::string& attr_name, uint16_t id, uint8_t type) {
    size_t s = open(name, true);
    size_t a = begin_attrs();
    attr(attr_name, false);
    sub(id, type);
    end_attrs(a);
    put8(c_, 0x03);
    finish(s);
  }

  void write_template_body(const EvtxEvent& e) {
    put8(c_, 0x0f), put8(c_, 1), put8(c_, 1), put8(c_, 0);
    size_t ev = open("Event", true);
    size_t a = begin_attrs();
    attr("xmlns", false);
    text("http://schemas.microsoft.com/win/2004/08/events/event");
    end_attrs(a);
    put8(c_, 0x02);
    size_t sys = open("System", false);
    put8(c_, 0x02);
    empty_with_attr("Provider", "Name", 0, 0x01);
    leaf("EventID", 1, 0x06);
    empty_with_attr("TimeCreated", "SystemTime", 2, 0x11);
    leaf("EventRecordID", 3, 0x0a);
    leaf("Channel", 4, 0x01);
    leaf("Computer", 5, 0x01);
    empty_with_attr("Security", "UserID", 6, 0x13);
    put8(c_, 0x04);
    finish(sys);
    if (!e.user_data.empty()) {
      // <UserData><Element><key>%i</key>...</Element></UserData>
      size_t ud = open("UserData", false);
      put8(c_, 0x02);
      size_t el = open(e.user_data, false);
      put8(c_, 0x02);
      for (size_t i = 0; i < e.data.size(); ++i) leaf(e.data[i].first, static_cast<uint16_t>(7 + i), 0x01);
      put8(c_, 0x04);
      finish(el);
      put8(c_, 0x04);
      finish(ud);
    } else {
      size_t data = open("EventData", false);
      put8(c_, 0x02);
      for (size_t i = 0; i < e.data.size(); ++i) {
        const bool named = !e.data[i].first.empty();  // an empty key writes <Data> without a Name
        size_t d = open("Data", named);
        if (named) {
          size_t da = begin_attrs();
          attr("Name", false);
          text(e.data[i].first);
          end_attrs(da);
        }
        put8(c_, 0x02);
        sub(static_cast<uint16_t>(7 + i), 0x01);
        put8(c_, 0x04);
        finish(d);
      }
      put8(c_, 0x04);
      finish(data);
    }
    put8(c_, 0x04);
    finish(ev);
    put8(c_, 0x00);
  }

  void write_record(const EvtxEvent& e, uint64_t id) {
    const size_t start = c_.size();
    last_record_ = start;
    c_ += std::string("**\0\0", 4);
    put32(c_, 0);
    put64(c_, id);
    put64(c_, e.filetime);
    put8(c_, 0x0f), put8(c_, 1), put8(c_, 1), put8(c_, 0);
    put8(c_, 0x0c);
    put8(c_, 0x01);
    std::string key = e.provider + "|" + std::to_string(e.event_id) + "|" + e.user_data;
    for (const auto& [k, v] : e.data) key += "|" + k;
    auto tid = static_cast<uint32_t>(std::hash<std::string>{}(key));
    put32(c_, tid);
    if (auto it = templates_.find(key); it != templates_.end()) {
      put32(c_, it->second);
    } else {
      auto def = static_cast<uint32_t>(c_.size() + 4);
      put32(c_, def);
      templates_[key] = def;
      put32(c_, 0);  // next definition
      for (int i = 0; i < 4; ++i) put32(c_, tid + static_cast<uint32_t>(i));  // GUID
      size_t size_at = c_.size();
      put32(c_, 0);
      write_template_body(e);
      set32(c_, size_at, static_cast<uint32_t>(c_.size() - size_at - 4));
    }
    // Values: Provider, EventID, TimeCreated, EventRecordID, Channel, Computer, UserID, Data...
    std::vector<std::pair<uint8_t, std::string>> values;
    auto wstr = [](std::string_view s) {
      std::string b;
      put_utf16(b, s);
      return b;
    };
    std::string u16v, u64v, ftv;
    put16(u16v, e.event_id);
    put64(u64v, id);
    put64(ftv, e.filetime);
    values.emplace_back(0x01, wstr(e.provider));
    values.emplace_back(0x06, u16v);
    values.emplace_back(0x11, ftv);
    values.emplace_back(0x0a, u64v);
    values.emplace_back(0x01, wstr(e.channel));
    values.emplace_back(0x01, wstr(e.computer));
    if (e.user_sid.empty()) values.emplace_back(0x00, std::string());
    else values.emplace_back(0x13, sid_bytes(e.user_sid));
    for (const auto& [k, v] : e.data) values.emplace_back(0x01, wstr(v));
    put32(c_, static_cast<uint32_t>(values.size()));
    for (const auto& [type, bytes] : values) {
      put16(c_, static_cast<uint16_t>(bytes.size()));
      put8(c_, type);
      put8(c_, 0);
    }
    for (const auto& [type, bytes] : values) c_ += bytes;
    put8(c_, 0x00);  // end of stream
    const auto size = static_cast<uint32_t>(c_.size() - start + 4);
    put32(c_, size);
    set32(c_, start + 4, size);
  }

  std::string c_;
  std::map<std::string, uint32_t> names_;
  std::map<std::string, uint32_t> templates_;
  size_t last_record_ = 0;
};

void finish_chunk(std::string& c, uint64_t first_id, uint64_t last_id, size_t last_record) {
  std::memcpy(c.data(), "ElfChnk\0", 8);
  set64(c, 8, first_id);
  set64(c, 16, last_id);
  set64(c, 24, first_id);
  set64(c, 32, last_id);
  set32(c, 40, 128);
  set32(c, 44, static_cast<uint32_t>(last_record));
  set32(c, 48, static_cast<uint32_t>(c.size()));
  c.resize(kChunk, '\0');
}

}  // namespace

void fix_evtx_checksums(std::string& f) {
  using msw::crc32;
  auto bytes = [&](size_t at, size_t n) { return Bytes(reinterpret_cast<const std::byte*>(f.data() + at), n); };
  set32(f, 124, crc32(bytes(0, 120)));
  for (size_t off = kFileHeader; off + 512 <= f.size(); off += kChunk) {
    if (std::memcmp(f.data() + off, "ElfChnk", 7) != 0) continue;
    uint32_t free_space = 0;
    std::memcpy(&free_space, f.data() + off + 48, 4);
    size_t avail = std::min(kChunk, f.size() - off);
    if (free_space >= 512 && free_space <= avail) set32(f, off + 52, crc32(bytes(off + 512, free_space - 512)));
    set32(f, off + 124, crc32(bytes(off + 128, 384), crc32(bytes(off, 120))));
  }
}

namespace {

// The file header for `count` chunks, then the chunks, with every CRC set.
std::string file_with_chunks(const std::string& chunks, size_t count, uint64_t next_id) {
  std::string header(kFileHeader, '\0');
  std::memcpy(header.data(), "ElfFile\0", 8);
  set64(header, 8, 0);
  set64(header, 16, count ? count - 1 : 0);
  set64(header, 24, next_id);
  set32(header, 32, 128);
  uint16_t minor = 1, major = 3, block = kFileHeader, chunk_count = static_cast<uint16_t>(count);
  std::memcpy(header.data() + 36, &minor, 2);
  std::memcpy(header.data() + 38, &major, 2);
  std::memcpy(header.data() + 40, &block, 2);
  std::memcpy(header.data() + 42, &chunk_count, 2);
  std::string file = header + chunks;
  fix_evtx_checksums(file);
  return file;
}

}  // namespace

EvtxFile write_evtx(const std::vector<EvtxEvent>& events, uint64_t first_record_id) {
  EvtxFile out;
  std::string chunks;
  uint64_t id = first_record_id;
  size_t i = 0;
  while (i < events.size()) {
    ChunkBuilder b;
    const uint64_t chunk_first = id;
    std::vector<size_t> offsets;
    while (i < events.size()) {
      size_t before = b.bytes().size();
      if (!b.add(events[i], id)) break;
      offsets.push_back(before);
      ++i;
      ++id;
    }
    if (offsets.empty()) throw std::runtime_error("event too large for one EVTX chunk");
    for (size_t o : offsets) out.record_offsets.push_back(kFileHeader + chunks.size() + o);
    finish_chunk(b.bytes(), chunk_first, id - 1, b.last_record_offset());
    chunks += b.bytes();
    ++out.chunks;
  }
  out.bytes = file_with_chunks(chunks, out.chunks, id);
  return out;
}

EvtxFile write_evtx_raw(const std::vector<std::function<std::string(size_t)>>& records) {
  EvtxFile out;
  std::string c(512, '\0');
  size_t last = 512;
  uint64_t id = 1;
  for (const auto& binxml : records) {
    last = c.size();
    out.record_offsets.push_back(kFileHeader + last);
    c += std::string("**\0\0", 4);
    put32(c, 0);
    put64(c, id++);
    put64(c, 132223104000000000ull);
    c += binxml(c.size());
    const auto size = static_cast<uint32_t>(c.size() - last + 4);
    put32(c, size);
    set32(c, last + 4, size);
    if (c.size() > kChunk) throw std::runtime_error("records too large for one EVTX chunk");
  }
  finish_chunk(c, 1, id - 1, last);
  out.chunks = 1;
  out.bytes = file_with_chunks(c, 1, id);
  return out;
}

}  // namespace msw::test
