#include "formats/evtx/evtx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/escape.h"
#include "core/text.h"
#include "formats/evtx/evtx_limits.h"

namespace msw::formats::evtx {

uint32_t crc32(Bytes data, uint32_t seed) {
  uLong crc = seed;
  // zlib takes uInt lengths; chunks are 64 KiB, but stay correct for any span.
  for (size_t off = 0; off < data.size();) {
    auto n = static_cast<uInt>(std::min<size_t>(data.size() - off, 1u << 30));
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data.data() + off), n);
    off += n;
  }
  return static_cast<uint32_t>(crc);
}

namespace {

constexpr std::string_view kFileMagic("ElfFile\0", 8);
constexpr std::string_view kChunkMagic("ElfChnk\0", 8);
constexpr std::string_view kRecordMagic("**\0\0", 4);

bool starts_with(Bytes b, std::string_view magic, size_t at = 0) {
  return at <= b.size() && magic.size() <= b.size() - at && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

// The element start's 2-byte dependency identifier is documented as optional: BinXml values omit it, and so do
// records written without templates (issue_201.evtx in the parser corpus, which python-evtx and libevtx reject).
// The name offset that follows is either the position right after it (an inline name) or an earlier name in the
// chunk, so whichever reading makes the name offset consistent wins; the documented form wins a tie.
bool has_dependency_id(const ByteReader& r) {
  const size_t p = r.position();
  auto with = r.bytes_at(p + 6, 4);
  auto without = r.bytes_at(p + 4, 4);
  auto value = [](Bytes b) {
    uint32_t v = 0;
    std::memcpy(&v, b.data(), 4);
    return v;
  };
  // Names live in the record area (past the 512-byte chunk header); the data size must fit in what is left.
  auto consistent = [&](uint32_t data_size, uint32_t name_offset, size_t after) {
    return data_size <= r.size() - std::min(r.size(), after) + 4 &&
           (name_offset == after || (name_offset >= kChunkHeaderSize && name_offset < p));
  };
  auto with_size = r.bytes_at(p + 2, 4);
  auto without_size = r.bytes_at(p, 4);
  if (with && with_size && consistent(value(*with_size), value(*with), p + 10)) return true;
  if (without && without_size && consistent(value(*without_size), value(*without), p + 8)) return false;
  return true;
}

Error binxml_error(std::string what, size_t offset) {
  return Error::make("evtx.binxml", std::move(what), offset);
}

}  // namespace

Result<FileInfo> read_file_info(Bytes file, std::string_view evidence, Diagnostics& diags) {
  if (!starts_with(file, kFileMagic)) return Error::make("evtx.not_evtx", "no ElfFile signature");
  if (file.size() < 128) return Error::make("evtx.truncated", "file is shorter than the EVTX header");
  ByteReader r(file);
  FileHeader h;
  (void)r.skip(8);
  h.first_chunk = *r.u64le();
  h.last_chunk = *r.u64le();
  h.next_record_id = *r.u64le();
  h.header_size = *r.u32le();
  h.minor_version = *r.u16le();
  h.major_version = *r.u16le();
  h.header_block_size = *r.u16le();
  h.chunk_count = *r.u16le();
  (void)r.seek(120);
  h.flags = *r.u32le();
  h.checksum = *r.u32le();
  h.checksum_ok = crc32(file.first(120)) == h.checksum;
  const std::string ev(evidence);
  if (!h.checksum_ok)
    diags.add("evtx.header_crc_mismatch", DiagSeverity::Warning, ev, 124,
              "file header CRC32 does not match: the header was edited or damaged");
  if (h.dirty())
    diags.add("evtx.dirty", DiagSeverity::Info, ev, 120,
              "the log was not closed cleanly (dirty flag): the last chunk may hold records the header does not count");
  if (h.major_version != 3)
    diags.add("evtx.unknown_version", DiagSeverity::Warning, ev, 38,
              "format version " + std::to_string(h.major_version) + "." + std::to_string(h.minor_version) +
                  " is not 3.x; parsing as 3.x");
  FileInfo info;
  info.header = h;
  if (file.size() > kFileHeaderSize) {
    size_t chunks = (file.size() - kFileHeaderSize + kChunkSize - 1) / kChunkSize;
    if (chunks > kMaxChunks) {
      diags.add("evtx.limit", DiagSeverity::Warning, ev, 0,
                "more than " + std::to_string(kMaxChunks) + " chunks; the rest is not parsed");
      chunks = kMaxChunks;
    }
    info.chunks_in_file = chunks;
  }
  if (info.chunks_in_file > h.chunk_count && h.chunk_count != 0)
    diags.add("evtx.extra_chunks", DiagSeverity::Info, ev, 42,
              "file holds " + std::to_string(info.chunks_in_file) + " chunks, header counts " +
                  std::to_string(h.chunk_count) + "; all are parsed");
  return info;
}

// ---------------------------------------------------------------------------------------------------------------
// XmlTree

std::optional<std::string_view> XmlTree::attr(const Node& n, std::string_view attr_name) const {
  for (const auto& a : attrs(n))
    if (name(a) == attr_name) return value(a);
  return std::nullopt;
}

uint32_t XmlTree::child(uint32_t parent, std::string_view child_name) const {
  for (uint32_t i = parent == kNone ? 0 : parent + 1; i < nodes_.size(); ++i)
    if (nodes_[i].parent == parent && name(nodes_[i]) == child_name) return i;
  return kNone;
}

void XmlTree::to_xml(std::string& out) const {
  std::vector<uint32_t> open;
  auto close_one = [&] {
    out += "</";
    out += name(nodes_[open.back()]);
    out += '>';
    open.pop_back();
  };
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    while (!open.empty() && open.back() != n.parent) close_one();
    out += '<';
    out += name(n);
    for (const auto& a : attrs(n)) {
      out += ' ';
      out += name(a);
      out += "=\"";
      out += escape_xml(value(a));
      out += '"';
    }
    bool has_children = i + 1 < nodes_.size() && nodes_[i + 1].parent == i;
    if (n.text_len == 0 && !has_children) {
      out += "/>";
      continue;
    }
    out += '>';
    out += escape_xml(text(n));
    open.push_back(i);
  }
  while (!open.empty()) close_one();
}

// ---------------------------------------------------------------------------------------------------------------
// ChunkParser

ChunkParser::ChunkParser(Bytes file, std::string evidence) : file_(file), evidence_(std::move(evidence)) {
  tree_.names_ = &names_;
}

void ChunkParser::reset(Bytes file, std::string_view evidence) {
  file_ = file;
  evidence_.assign(evidence);
}

ChunkSummary ChunkParser::parse_chunk(uint32_t index, bool recover_slack, Diagnostics& diags, const RecordFn& fn) {
  ChunkSummary summary;
  const uint64_t off = kFileHeaderSize + uint64_t{index} * kChunkSize;
  if (off >= file_.size()) return summary;
  chunk_ = file_.subspan(off, std::min<size_t>(kChunkSize, file_.size() - off));
  chunk_file_offset_ = off;
  names_.clear();
  if (name_slot_.empty()) name_slot_.assign(kChunkSize, 0);
  for (uint32_t t : touched_) name_slot_[t] = 0;
  touched_.clear();

  if (chunk_.size() < kChunkHeaderSize) {
    diags.add("evtx.truncated", DiagSeverity::Warning, evidence_, off,
              "chunk " + std::to_string(index) + " is cut short at " + std::to_string(chunk_.size()) + " bytes");
    return summary;
  }
  if (!starts_with(chunk_, kChunkMagic)) {
    bool zero = std::all_of(chunk_.begin(), chunk_.begin() + 8, [](std::byte b) { return b == std::byte{0}; });
    if (!zero)
      diags.add("evtx.bad_chunk_magic", DiagSeverity::Warning, evidence_, off,
                "chunk " + std::to_string(index) + " has no ElfChnk signature; skipped");
    return summary;
  }

  ByteReader r(chunk_);
  ChunkHeader h;
  (void)r.skip(8);
  h.first_record_number = *r.u64le();
  h.last_record_number = *r.u64le();
  h.first_record_id = *r.u64le();
  h.last_record_id = *r.u64le();
  h.header_size = *r.u32le();
  h.last_record_offset = *r.u32le();
  h.free_space_offset = *r.u32le();
  h.records_checksum = *r.u32le();
  (void)r.seek(120);
  h.flags = *r.u32le();
  h.header_checksum = *r.u32le();
  h.header_checksum_ok = crc32(chunk_.subspan(128, kChunkHeaderSize - 128), crc32(chunk_.first(120))) ==
                         h.header_checksum;
  if (!h.header_checksum_ok)
    diags.add("evtx.chunk_crc_mismatch", DiagSeverity::Warning, evidence_, off + 124,
              "chunk " + std::to_string(index) + " header CRC32 does not match (edited or damaged)");

  size_t live_end = h.free_space_offset;
  if (live_end < kChunkHeaderSize || live_end > chunk_.size()) {
    diags.add("evtx.bad_chunk_header", DiagSeverity::Warning, evidence_, off + 48,
              "chunk " + std::to_string(index) + " free-space offset " + std::to_string(live_end) +
                  " is outside the chunk; records are read up to the chunk end");
    live_end = chunk_.size();
  } else {
    h.records_checksum_ok = crc32(chunk_.subspan(kChunkHeaderSize, live_end - kChunkHeaderSize)) == h.records_checksum;
    if (!h.records_checksum_ok)
      diags.add("evtx.records_crc_mismatch", DiagSeverity::Warning, evidence_, off + 52,
                "chunk " + std::to_string(index) +
                    " event-record CRC32 does not match: records were changed after they were written");
  }
  summary.header = h;

  auto emit = [&](size_t pos, bool recovered) {
    ByteReader rr(chunk_);
    (void)rr.seek(pos + 8);
    Record rec;
    rec.id = *rr.u64le();
    auto t = from_filetime(*rr.u64le());
    if (t) rec.written = *t;
    rec.file_offset = chunk_file_offset_ + pos;
    rec.chunk = index;
    rec.recovered = recovered;
    rec.tree = &tree_;
    fn(rec);
  };

  size_t pos = kChunkHeaderSize;
  while (pos + kRecordHeaderSize <= live_end) {
    if (!starts_with(chunk_, kRecordMagic, pos)) {
      if (!std::all_of(chunk_.begin() + static_cast<ptrdiff_t>(pos), chunk_.begin() + static_cast<ptrdiff_t>(live_end),
                       [](std::byte b) { return b == std::byte{0}; }))
        diags.add("evtx.bad_record", DiagSeverity::Warning, evidence_, off + pos,
                  "no record signature where a record should start; rest of chunk " + std::to_string(index) +
                      " read only by slack recovery");
      break;
    }
    uint32_t size = 0;
    std::memcpy(&size, chunk_.data() + pos + 4, 4);
    if (size < kRecordHeaderSize + 4 || size > live_end - pos) {
      diags.add("evtx.bad_record", DiagSeverity::Warning, evidence_, off + pos,
                "record size " + std::to_string(size) + " does not fit the chunk");
      ++summary.bad_records;
      break;
    }
    uint32_t copy = 0;
    std::memcpy(&copy, chunk_.data() + pos + size - 4, 4);
    if (copy != size)
      diags.add("evtx.bad_record", DiagSeverity::Info, evidence_, off + pos,
                "record size copy " + std::to_string(copy) + " differs from size " + std::to_string(size));
    if (parse_record(pos, size, diags)) {
      emit(pos, false);
      ++summary.records;
    } else {
      ++summary.bad_records;
    }
    pos += size;
  }

  if (recover_slack) {
    // Slack after the live records can hold older records that were overwritten only in the header's view. Each
    // candidate must carry a signature, a size that fits and a matching size copy.
    for (size_t p = std::max(pos, kChunkHeaderSize); p + kRecordHeaderSize + 4 <= chunk_.size();) {
      if (!starts_with(chunk_, kRecordMagic, p)) {
        ++p;
        continue;
      }
      uint32_t size = 0, copy = 0;
      std::memcpy(&size, chunk_.data() + p + 4, 4);
      if (size < kRecordHeaderSize + 4 || size > chunk_.size() - p) {
        ++p;
        continue;
      }
      std::memcpy(&copy, chunk_.data() + p + size - 4, 4);
      if (copy != size) {
        ++p;
        continue;
      }
      Diagnostics quiet;  // a false candidate is not worth a diagnostic
      if (parse_record(p, size, quiet)) {
        diags.add("evtx.recovered_record", DiagSeverity::Info, evidence_, off + p,
                  "record recovered from the slack of chunk " + std::to_string(index));
        emit(p, true);
        ++summary.recovered;
        p += size;
      } else {
        ++p;
      }
    }
  }
  return summary;
}

bool ChunkParser::parse_record(size_t pos, size_t size, Diagnostics& diags) {
  tree_.nodes_.clear();
  tree_.attrs_.clear();
  tree_.pool_.clear();
  open_.clear();
  subs_storage_.clear();
  auto r = parse_binxml(pos + kRecordHeaderSize, pos + size - 4, 0, 0, 0, false);
  if (!r) {
    diags.add(r.error().code, DiagSeverity::Warning, evidence_, chunk_file_offset_ + r.error().offset,
              "record at chunk offset " + std::to_string(pos) + ": " + r.error().message);
    // Keep what was understood: a damaged record's System block is still evidence.
    while (!open_.empty()) {
      XmlTree::Node& n = tree_.nodes_[open_.back()];
      n.text_off = static_cast<uint32_t>(tree_.pool_.size());
      n.text_len = static_cast<uint32_t>(text_stack_[open_.size() - 1].size());
      tree_.pool_ += text_stack_[open_.size() - 1];
      open_.pop_back();
    }
    return !tree_.nodes_.empty();
  }
  return !tree_.nodes_.empty();
}

Result<uint32_t> ChunkParser::read_name(ByteReader& r, uint32_t name_offset) {
  const bool inline_name = name_offset == r.position();
  const uint32_t cached = name_offset < name_slot_.size() ? name_slot_[name_offset] : 0;
  if (cached != 0 && !inline_name) return cached - 1;  // the hot path: a name seen before
  // Name structure: unknown (4), hash (2), character count (2), UTF-16 characters, NUL (2).
  auto nr = ByteReader(chunk_).sub_at(name_offset, chunk_.size() > name_offset ? chunk_.size() - name_offset : 0,
                                     "element name");
  if (!nr) return nr.error();
  if (!nr->skip(6)) return binxml_error("name header beyond the chunk", name_offset);
  auto count = nr->u16le("name length");
  if (!count) return count.error();
  auto chars = nr->bytes(size_t{*count} * 2, "name characters");
  if (!chars) return chars.error();
  if (inline_name && !r.skip(8 + size_t{*count} * 2 + 2, "inline name")) return binxml_error("inline name cut short", r.position());
  if (cached != 0) return cached - 1;
  names_.push_back(utf16le_to_utf8(*chars).utf8);
  auto idx = static_cast<uint32_t>(names_.size() - 1);
  // name_offset < chunk size: the sub_at above succeeded. A 64 KiB chunk holds at most ~6,500 names of 10 bytes
  // each, so the slot's 16 bits always suffice; a name past them would only be read again, not cached.
  if (idx + 1 <= 0xFFFF) {
    name_slot_[name_offset] = static_cast<uint16_t>(idx + 1);
    touched_.push_back(name_offset);
  }
  return idx;
}

Result<void> ChunkParser::append_substitution(const Substitution& s, size_t nesting, std::string& out) {
  if (s.type == 0x21) return {};  // BinXml values become elements, handled by the caller
  if (!render_value(s.type, s.data, out)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (std::byte b : s.data) {
      out += kHex[static_cast<unsigned>(b) >> 4];
      out += kHex[static_cast<unsigned>(b) & 0xF];
    }
  }
  (void)nesting;
  return {};
}

Result<void> ChunkParser::parse_template_instance(ByteReader& r, size_t nesting) {
  if (nesting >= kMaxTemplateNesting) return binxml_error("templates nested deeper than the limit", r.position());
  if (!r.skip(1, "template instance") ) return binxml_error("template instance cut short", r.position());
  auto template_id = r.u32le("template id");
  auto def_offset = r.u32le("template definition offset");
  if (!template_id || !def_offset) return binxml_error("template instance cut short", r.position());
  size_t body_begin, body_end;
  ByteReader def(chunk_);
  if (!def.seek(*def_offset)) return binxml_error("template definition outside the chunk", r.position());
  // Definition: next definition offset (4), GUID (16), data size (4), then the BinXml body.
  if (!def.skip(20)) return binxml_error("template definition cut short", *def_offset);
  auto data_size = def.u32le("template data size");
  if (!data_size || *data_size > def.remaining()) return binxml_error("template body beyond the chunk", *def_offset);
  body_begin = def.position();
  body_end = body_begin + *data_size;
  if (*def_offset == r.position()) {
    // Defined inline here: the instance data follows the definition.
    if (!r.seek(body_end)) return binxml_error("template body beyond the chunk", body_end);
  }
  auto count = r.u32le("substitution count");
  if (!count) return binxml_error("substitution count cut short", r.position());
  if (*count > kMaxSubstitutions)
    return binxml_error("template instance has " + std::to_string(*count) + " values (limit " +
                            std::to_string(kMaxSubstitutions) + ")",
                        r.position());
  auto descriptors = r.bytes(size_t{*count} * 4, "substitution descriptors");
  if (!descriptors) return binxml_error("substitution descriptors cut short", r.position());
  const size_t base = subs_storage_.size();
  for (uint32_t i = 0; i < *count; ++i) {
    uint16_t size = 0;
    std::memcpy(&size, descriptors->data() + 4 * i, 2);
    auto type = static_cast<uint8_t>((*descriptors)[4 * i + 2]);
    auto offset = static_cast<uint32_t>(r.position());
    auto data = r.bytes(size, "substitution value");
    if (!data) return binxml_error("substitution value " + std::to_string(i) + " cut short", r.position());
    subs_storage_.push_back({type, *data, offset});
  }
  auto result = parse_binxml(body_begin, body_end, base, *count, nesting + 1, false);
  subs_storage_.resize(base);
  return result;
}

Result<void> ChunkParser::parse_binxml(size_t begin, size_t end, size_t subs_base, size_t subs_count, size_t nesting,
                                       bool in_value) {
  ByteReader r(chunk_.first(end));
  if (!r.seek(begin)) return binxml_error("BinXml starts outside its record", begin);

  enum class Target { None, Text, Attr } target = Target::None;
  bool drop_attr = false;
  const size_t base_depth = open_.size();
  auto& scratch = scratch_;

  auto commit_attr = [&] {
    if (target != Target::Attr) return;
    if (!drop_attr && !open_.empty()) {
      XmlTree::Attr& a = tree_.attrs_.back();
      a.value_off = static_cast<uint32_t>(tree_.pool_.size());
      a.value_len = static_cast<uint32_t>(scratch.size());
      tree_.pool_ += scratch;
    } else if (drop_attr && !open_.empty()) {
      tree_.attrs_.pop_back();
      --tree_.nodes_[open_.back()].attr_count;
    }
    scratch.clear();
    drop_attr = false;
    target = Target::Text;
  };
  auto text_out = [&]() -> std::string* {
    if (target == Target::Attr) return &scratch;
    if (open_.empty()) return nullptr;
    return &text_stack_[open_.size() - 1];
  };
  auto close_element = [&]() -> Result<void> {
    if (open_.size() <= base_depth) return binxml_error("end of an element that is not open", r.position());
    XmlTree::Node& n = tree_.nodes_[open_.back()];
    std::string& t = text_stack_[open_.size() - 1];
    n.text_off = static_cast<uint32_t>(tree_.pool_.size());
    n.text_len = static_cast<uint32_t>(t.size());
    tree_.pool_ += t;
    t.clear();
    open_.pop_back();
    target = Target::Text;
    return {};
  };

  while (!r.at_end()) {
    const size_t token_at = r.position();
    const auto token = *r.u8();
    const uint8_t base = token & 0xBF;  // 0x40 is the "more data / has attributes" flag
    switch (base) {
      case 0x00:  // end of stream
        commit_attr();
        return {};
      case 0x0f:  // fragment header: major, minor, flags
        if (!r.skip(3)) return binxml_error("fragment header cut short", token_at);
        break;
      case 0x01: {  // open start element
        commit_attr();
        if (!in_value && has_dependency_id(r)) (void)r.skip(2);
        auto data_size = r.u32le();
        auto name_offset = r.u32le();
        if (!data_size || !name_offset) return binxml_error("element start cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        if (token & 0x40) {
          if (!r.skip(4)) return binxml_error("attribute list size cut short", r.position());
        }
        if (open_.size() >= kMaxElementDepth) return binxml_error("elements nested deeper than the limit", token_at);
        if (tree_.nodes_.size() >= kMaxNodesPerRecord) return binxml_error("too many elements in one record", token_at);
        XmlTree::Node n;
        n.name = *name;
        n.parent = open_.empty() ? XmlTree::kNone : open_.back();
        n.first_attr = static_cast<uint32_t>(tree_.attrs_.size());
        tree_.nodes_.push_back(n);
        open_.push_back(static_cast<uint32_t>(tree_.nodes_.size() - 1));
        if (text_stack_.size() < open_.size()) text_stack_.resize(open_.size());
        text_stack_[open_.size() - 1].clear();
        target = Target::Text;
        break;
      }
      case 0x06: {  // attribute
        commit_attr();
        auto name_offset = r.u32le();
        if (!name_offset) return binxml_error("attribute cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        if (open_.size() <= base_depth && open_.empty()) return binxml_error("attribute outside an element", token_at);
        if (tree_.attrs_.size() >= kMaxNodesPerRecord) return binxml_error("too many attributes in one record", token_at);
        tree_.attrs_.push_back({*name, 0, 0});
        ++tree_.nodes_[open_.back()].attr_count;
        target = Target::Attr;
        scratch.clear();
        break;
      }
      case 0x02:  // close start element: content follows
        commit_attr();
        break;
      case 0x03:  // close empty element
      case 0x04: {  // end element
        commit_attr();
        if (auto c = close_element(); !c) return c;
        break;
      }
      case 0x05:    // value text
      case 0x07: {  // CDATA
        uint8_t type = 1;
        if (base == 0x05) {
          auto t = r.u8();
          if (!t) return binxml_error("value cut short", token_at);
          type = *t;
        }
        if (type == 0) break;  // NULL value: nothing follows (seen in forwarded-event logs)
        if (type != 1) return binxml_error("value token of type " + std::to_string(type) + " (only strings appear here)", token_at);
        auto count = r.u16le();
        if (!count) return binxml_error("value cut short", token_at);
        auto chars = r.bytes(size_t{*count} * 2);
        if (!chars) return binxml_error("value text beyond the record", token_at);
        if (std::string* out = text_out()) append_utf16le_as_utf8(*out, *chars);
        break;
      }
      case 0x08: {  // character reference
        auto v = r.u16le();
        if (!v) return binxml_error("character reference cut short", token_at);
        if (std::string* out = text_out()) append_utf8(*out, *v);
        break;
      }
      case 0x09: {  // entity reference
        auto name_offset = r.u32le();
        if (!name_offset) return binxml_error("entity reference cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        std::string_view n = names_[*name];
        const char* text = n == "lt" ? "<" : n == "gt" ? ">" : n == "amp" ? "&" : n == "quot" ? "\"" : n == "apos" ? "'" : "";
        if (std::string* out = text_out()) *out += text;
        break;
      }
      case 0x0a: {  // processing instruction target
        auto name_offset = r.u32le();
        if (!name_offset) return binxml_error("PI target cut short", token_at);
        if (auto name = read_name(r, *name_offset); !name) return name.error();
        break;
      }
      case 0x0b: {  // processing instruction data
        auto count = r.u16le();
        if (!count || !r.skip(size_t{*count} * 2)) return binxml_error("PI data cut short", token_at);
        break;
      }
      case 0x0c: {  // template instance
        commit_attr();
        auto t = parse_template_instance(r, nesting);
        if (!t) return t;
        break;
      }
      case 0x0d:    // normal substitution
      case 0x0e: {  // optional substitution
        auto id = r.u16le();
        auto type = r.u8();
        if (!id || !type) return binxml_error("substitution cut short", token_at);
        if (*id >= subs_count) break;  // outside a template, or an id past the values: nothing to substitute
        // By index, not by reference: a nested instance may grow subs_storage_ and move it.
        const Substitution s = subs_storage_[subs_base + *id];
        if (s.type == 0x00 || (s.data.empty() && s.type != 0x01)) {
          if (base == 0x0e && target == Target::Attr) drop_attr = true;
          break;
        }
        if (s.type == 0x21) {
          if (target == Target::Attr) break;
          if (nesting >= kMaxTemplateNesting) return binxml_error("BinXml values nested deeper than the limit", token_at);
          auto nested = parse_binxml(s.chunk_offset, s.chunk_offset + s.data.size(), 0, 0, nesting + 1, true);
          if (!nested) return nested;
          break;
        }
        if (std::string* out = text_out()) {
          if (auto a = append_substitution(s, nesting, *out); !a) return a;
        }
        break;
      }
      default:
        return binxml_error("unknown BinXml token " + std::to_string(token), token_at);
    }
  }
  commit_attr();
  return {};
}

}  // namespace msw::formats::evtx
