#include "formats/evtx/evtx.h"

#include <algorithm>
#include <cstring>

#include "core/crc32.h"
#include "core/escape.h"
#include "core/text.h"
#include "formats/evtx/evtx_limits.h"

namespace msw::formats::evtx {

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

// The five entities XML predefines; any other name renders as nothing.
std::string_view entity_text(std::string_view name) {
  return name == "lt" ? "<" : name == "gt" ? ">" : name == "amp" ? "&" : name == "quot" ? "\"" : name == "apos" ? "'" : "";
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

WellKnownName classify_name(std::string_view name) {
  static constexpr std::pair<std::string_view, WellKnownName> kNames[] = {
      {"System", WellKnownName::System},         {"EventData", WellKnownName::EventData},
      {"UserData", WellKnownName::UserData},     {"Provider", WellKnownName::Provider},
      {"TimeCreated", WellKnownName::TimeCreated}, {"Security", WellKnownName::Security},
      {"Execution", WellKnownName::Execution},   {"Correlation", WellKnownName::Correlation},
      {"Data", WellKnownName::Data},             {"Name", WellKnownName::Name},
      {"SystemTime", WellKnownName::SystemTime}, {"UserID", WellKnownName::UserID},
      {"ProcessID", WellKnownName::ProcessID},   {"ThreadID", WellKnownName::ThreadID},
      {"ActivityID", WellKnownName::ActivityID},
  };
  for (const auto& [text, kind] : kNames)
    if (name == text) return kind;
  return WellKnownName::Other;
}

std::optional<std::string_view> XmlTree::attr(const Node& n, WellKnownName attr_name) const {
  for (const auto& a : attrs(n))
    if (kind(a) == attr_name) return value(a);
  return std::nullopt;
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
  tree_.kinds_ = &name_kinds_;
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
  name_kinds_.clear();
  if (name_slot_.empty()) name_slot_.assign(kChunkSize, 0);
  for (uint32_t t : touched_) name_slot_[t] = 0;
  touched_.clear();
  for (uint32_t t : template_touched_) template_slot_[t] = 0;
  template_touched_.clear();
  templates_.clear();
  steps_.clear();
  literals_.clear();

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
    // Keep what was understood, open elements' text included: a damaged record's System block is still evidence.
    return !tree_.nodes_.empty();
  }
  // A record that ends with elements still open keeps them, without the text they had collected.
  for (uint32_t n : open_) tree_.nodes_[n].text_len = 0;
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
  name_kinds_.push_back(classify_name(names_.back()));
  auto idx = static_cast<uint32_t>(names_.size() - 1);
  // name_offset < chunk size: the sub_at above succeeded. A 64 KiB chunk holds at most ~6,500 names of 10 bytes
  // each, so the slot's 16 bits always suffice; a name past them would only be read again, not cached.
  if (idx + 1 <= 0xFFFF) {
    name_slot_[name_offset] = static_cast<uint16_t>(idx + 1);
    touched_.push_back(name_offset);
  }
  return idx;
}

// ---------------------------------------------------------------------------------------------------------------
// Tree building, shared by the interpreter and compiled templates. The steps return false after leaving the reason
// in error_, so the hot path carries a bool instead of a Result.

bool ChunkParser::fail(const char* what, size_t offset) {
  error_ = binxml_error(what, offset);
  return false;
}

inline void ChunkParser::commit_attribute(Fill& f) {
  if (!f.in_attribute) return;
  if (!open_.empty()) {
    if (f.drop_attribute) {
      tree_.attrs_.pop_back();
      --tree_.nodes_[open_.back()].attr_count;
    } else {
      tree_.attrs_.back().value_off = f.attribute_off;
      tree_.attrs_.back().value_len = f.attribute_len;
    }
  }
  f.drop_attribute = false;
  f.in_attribute = false;
}

// Text is written straight into the tree's pool. The text being collected (the pending attribute value, or the
// innermost open element's text) normally sits at the pool's end; when an element's text resumes after a child's
// (mixed content, which event logs do not write), what it has so far moves to the end first.
inline std::string* ChunkParser::begin_text(Fill& f) {
  uint32_t *off, *len;
  if (f.in_attribute) {
    off = &f.attribute_off;
    len = &f.attribute_len;
  } else if (!open_.empty()) {
    XmlTree::Node& n = tree_.nodes_[open_.back()];
    off = &n.text_off;
    len = &n.text_len;
  } else {
    return nullptr;  // text outside every element is not kept
  }
  std::string& pool = tree_.pool_;
  if (*len == 0) {
    *off = static_cast<uint32_t>(pool.size());
  } else if (*off + *len != pool.size()) {
    const uint32_t from = *off;
    *off = static_cast<uint32_t>(pool.size());
    pool.append(pool, from, *len);
  }
  return &pool;
}

inline bool ChunkParser::end_text(Fill& f, size_t token_at) {
  const auto size = static_cast<uint32_t>(tree_.pool_.size());
  if (f.in_attribute)
    f.attribute_len = size - f.attribute_off;
  else
    tree_.nodes_[open_.back()].text_len = size - tree_.nodes_[open_.back()].text_off;
  // Substitutions can repeat one value many times and mixed content moves text: cap what one record can build.
  if (size > kMaxRecordText) return fail("record text larger than the limit", token_at);
  return true;
}

template <typename Write>
inline bool ChunkParser::write_text(Fill& f, size_t token_at, const Write& write) {
  std::string* pool = begin_text(f);
  if (!pool) return true;
  write(*pool);
  return end_text(f, token_at);
}

inline bool ChunkParser::open_element(Fill& f, uint32_t name, size_t token_at) {
  commit_attribute(f);
  if (open_.size() >= kMaxElementDepth) return fail("elements nested deeper than the limit", token_at);
  if (tree_.nodes_.size() >= kMaxNodesPerRecord) return fail("too many elements in one record", token_at);
  XmlTree::Node n;
  n.name = name;
  n.parent = open_.empty() ? XmlTree::kNone : open_.back();
  n.first_attr = static_cast<uint32_t>(tree_.attrs_.size());
  tree_.nodes_.push_back(n);
  open_.push_back(static_cast<uint32_t>(tree_.nodes_.size() - 1));
  return true;
}

inline bool ChunkParser::open_attribute(Fill& f, uint32_t name, size_t token_at) {
  commit_attribute(f);
  if (open_.empty()) return fail("attribute outside an element", token_at);
  if (tree_.attrs_.size() >= kMaxNodesPerRecord) return fail("too many attributes in one record", token_at);
  tree_.attrs_.push_back({name, 0, 0});
  ++tree_.nodes_[open_.back()].attr_count;
  f.in_attribute = true;
  f.attribute_off = f.attribute_len = 0;
  return true;
}

inline bool ChunkParser::close_element(Fill& f, size_t at) {
  commit_attribute(f);
  if (open_.size() <= f.base_depth) return fail("end of an element that is not open", at);
  open_.pop_back();
  return true;
}

bool ChunkParser::substitute(Fill& f, uint16_t id, bool optional, size_t subs_base, size_t subs_count, size_t nesting,
                             size_t token_at) {
  if (id >= subs_count) return true;  // outside a template, or an id past the values: nothing to substitute
  const Substitution& s = subs_storage_[subs_base + id];
  if (s.type == 0x00 || (s.data.empty() && s.type != 0x01)) {
    if (optional && f.in_attribute) f.drop_attribute = true;
    return true;
  }
  if (s.type == 0x21) {
    if (f.in_attribute) return true;
    if (nesting >= kMaxTemplateNesting) return fail("BinXml values nested deeper than the limit", token_at);
    // Copied before parsing: a nested instance may grow subs_storage_ and move `s`.
    const auto begin = static_cast<size_t>(s.data.data() - chunk_.data()), end = begin + s.data.size();
    auto nested = parse_binxml(begin, end, 0, 0, nesting + 1, true);
    if (!nested) error_ = nested.error();
    return nested.ok();
  }
  return write_text(f, token_at, [&](std::string& out) { render_value(s.type, s.data, out); });
}

// ---------------------------------------------------------------------------------------------------------------
// Templates

Result<void> ChunkParser::parse_template_instance(ByteReader& r, size_t nesting) {
  if (nesting >= kMaxTemplateNesting) return binxml_error("templates nested deeper than the limit", r.position());
  // r reads the chunk up to the end of the record: its positions are chunk offsets.
  const std::byte* const chunk = chunk_.data();
  size_t at = r.position();
  const size_t end = r.size();
  // Instance: an unknown byte, the template id (4), the definition's chunk offset (4).
  if (end - at < 9)
    return binxml_error("template instance cut short", end == at ? at : end - at < 5 ? at + 1 : at + 5);
  uint32_t def_offset = 0;
  std::memcpy(&def_offset, chunk + at + 5, 4);
  at += 9;
  size_t body_begin, body_end;
  if (def_offset < template_slot_.size() && template_slot_[def_offset] != 0) {
    // Seen in this chunk: the definition was read (and checked) then.
    const CompiledTemplate& known = templates_[template_slot_[def_offset] - 1];
    body_begin = known.body_begin;
    body_end = known.body_end;
  } else {
    ByteReader def(chunk_);
    if (!def.seek(def_offset)) return binxml_error("template definition outside the chunk", at);
    // Definition: next definition offset (4), GUID (16), data size (4), then the BinXml body.
    if (!def.skip(20)) return binxml_error("template definition cut short", def_offset);
    auto data_size = def.u32le("template data size");
    if (!data_size || *data_size > def.remaining()) return binxml_error("template body beyond the chunk", def_offset);
    body_begin = def.position();
    body_end = body_begin + *data_size;
  }
  if (def_offset == at) {
    // Defined inline here: the instance data follows the definition.
    if (body_end > end) return binxml_error("template body beyond the chunk", body_end);
    at = body_end;
  }
  if (end - at < 4) return binxml_error("substitution count cut short", at);
  uint32_t count = 0;
  std::memcpy(&count, chunk + at, 4);
  at += 4;
  if (count > kMaxSubstitutions)
    return binxml_error("template instance has " + std::to_string(count) + " values (limit " +
                            std::to_string(kMaxSubstitutions) + ")",
                        at);
  if (size_t{count} * 4 > end - at) return binxml_error("substitution descriptors cut short", at);
  const std::byte* const descriptors = chunk + at;
  at += size_t{count} * 4;
  const size_t base = subs_storage_.size();
  subs_storage_.resize(base + count);
  // The values follow the descriptors.
  for (uint32_t i = 0; i < count; ++i) {
    uint16_t size = 0;
    std::memcpy(&size, descriptors + 4 * i, 2);
    const auto type = static_cast<uint8_t>(descriptors[4 * i + 2]);
    if (size > end - at) {
      subs_storage_.resize(base);
      return binxml_error("substitution value " + std::to_string(i) + " cut short", at);
    }
    subs_storage_[base + i] = {type, chunk_.subspan(at, size)};
    at += size;
  }
  (void)r.seek(at);
  // The definition offset is inside the chunk: its definition was read above or earlier.
  const CompiledTemplate& compiled = compiled_template(def_offset, body_begin, body_end);
  auto result = compiled.compiled ? run_template(compiled, base, count, nesting + 1)
                                  : parse_binxml(body_begin, body_end, base, count, nesting + 1, false);
  subs_storage_.resize(base);
  return result;
}

const ChunkParser::CompiledTemplate& ChunkParser::compiled_template(uint32_t def_offset, size_t begin, size_t end) {
  if (template_slot_.empty()) template_slot_.assign(kChunkSize, 0);
  uint16_t& slot = template_slot_[def_offset];
  if (slot != 0) return templates_[slot - 1];
  CompiledTemplate t;
  t.body_begin = static_cast<uint32_t>(begin);
  t.body_end = static_cast<uint32_t>(end);
  t.first = static_cast<uint32_t>(steps_.size());
  const size_t literals = literals_.size();
  t.compiled = compile_templates_ && compile_template(begin, end);
  if (!t.compiled) {
    steps_.resize(t.first);
    literals_.resize(literals);
  }
  t.count = static_cast<uint32_t>(steps_.size() - t.first);
  templates_.push_back(t);
  // A chunk holds at most ~2,000 template definitions (each is more than 24 bytes); past 16 bits the template is
  // compiled again on each use instead of cached.
  if (templates_.size() <= 0xFFFF) {
    slot = static_cast<uint16_t>(templates_.size());
    template_touched_.push_back(def_offset);
  }
  return templates_.back();
}

// Reads a template body the way parse_binxml would (in_value false) and records its steps. Refuses — the body is
// then interpreted — wherever reading the bytes fails (so the interpreter reports the damage where it is) and at a
// template instance inside the body (it needs the reader's position).
bool ChunkParser::compile_template(size_t begin, size_t end) {
  ByteReader r(chunk_.first(end));
  if (!r.seek(begin)) return false;
  // A name offset and the name it points at (read inline when it follows); nullopt when either is cut short.
  auto read_named = [&]() -> std::optional<uint32_t> {
    auto name_offset = r.u32le();
    if (!name_offset) return std::nullopt;
    auto name = read_name(r, *name_offset);
    if (!name) return std::nullopt;
    return *name;
  };
  // write(literals_) decodes a token's text once; the step refers to it.
  auto literal = [&](size_t token_at, const auto& write) {
    const size_t start = literals_.size();
    write(literals_);
    if (literals_.size() > start)
      steps_.push_back({Step::Text, false, 0, static_cast<uint32_t>(start),
                        static_cast<uint32_t>(literals_.size() - start), static_cast<uint32_t>(token_at)});
  };
  while (!r.at_end()) {
    const size_t token_at = r.position();
    const auto token = *r.u8();
    const uint8_t base = token & 0xBF;
    const auto at = static_cast<uint32_t>(token_at);
    switch (base) {
      case 0x00:
        steps_.push_back({Step::End, false, 0, 0, 0, at});
        return true;
      case 0x0f:
        if (!r.skip(3)) return false;
        break;
      case 0x01: {
        if (has_dependency_id(r)) (void)r.skip(2);
        auto data_size = r.u32le();
        auto name_offset = r.u32le();
        if (!data_size || !name_offset) return false;
        auto name = read_name(r, *name_offset);
        if (!name) return false;
        if ((token & 0x40) && !r.skip(4)) return false;
        steps_.push_back({Step::Open, false, 0, *name, 0, at});
        break;
      }
      case 0x06: {
        auto name = read_named();
        if (!name) return false;
        steps_.push_back({Step::Attribute, false, 0, *name, 0, at});
        break;
      }
      case 0x02:
        steps_.push_back({Step::CloseStart, false, 0, 0, 0, at});
        break;
      case 0x03:
      case 0x04:
        steps_.push_back({Step::Close, false, 0, 0, 0, at});
        break;
      case 0x05:
      case 0x07: {
        uint8_t type = 1;
        if (base == 0x05) {
          auto t = r.u8();
          if (!t) return false;
          type = *t;
        }
        if (type == 0) break;
        if (type != 1) return false;
        auto count = r.u16le();
        if (!count) return false;
        auto chars = r.bytes(size_t{*count} * 2);
        if (!chars) return false;
        literal(token_at, [&](std::string& out) { append_utf16le_as_utf8(out, *chars); });
        break;
      }
      case 0x08: {
        auto v = r.u16le();
        if (!v) return false;
        literal(token_at, [&](std::string& out) { append_utf8(out, *v); });
        break;
      }
      case 0x09: {
        auto name = read_named();
        if (!name) return false;
        literal(token_at, [&](std::string& out) { out += entity_text(names_[*name]); });
        break;
      }
      case 0x0a:
        if (!read_named()) return false;
        break;
      case 0x0b: {
        auto count = r.u16le();
        if (!count || !r.skip(size_t{*count} * 2)) return false;
        break;
      }
      case 0x0d:
      case 0x0e: {
        auto id = r.u16le();
        auto type = r.u8();
        if (!id || !type) return false;
        steps_.push_back({Step::Substitute, base == 0x0e, *id, 0, 0, at});
        break;
      }
      default:  // template instances (0x0c) and unknown tokens
        return false;
    }
  }
  return true;
}

Result<void> ChunkParser::run_template(const CompiledTemplate& t, size_t subs_base, size_t subs_count, size_t nesting) {
  Fill f;
  f.base_depth = open_.size();
  // Indices, and steps by value: a BinXml value may hold a template this chunk has not compiled yet, whose
  // compilation grows steps_ and templates_.
  const uint32_t first = t.first, last = t.first + t.count;
  for (uint32_t i = first; i < last; ++i) {
    const Step s = steps_[i];
    bool ok = true;
    switch (s.kind) {
      case Step::End:
        commit_attribute(f);
        return {};
      case Step::Open:
        ok = open_element(f, s.arg, s.token_at);
        break;
      case Step::Attribute:
        ok = open_attribute(f, s.arg, s.token_at);
        break;
      case Step::CloseStart:
        commit_attribute(f);
        break;
      case Step::Close:
        ok = close_element(f, s.token_at + 1);  // the interpreter reports the position after the token
        break;
      case Step::Text:
        ok = write_text(f, s.token_at, [&](std::string& out) { out.append(literals_, s.arg, s.len); });
        break;
      case Step::Substitute:
        ok = substitute(f, s.value, s.optional, subs_base, subs_count, nesting, s.token_at);
        break;
    }
    if (!ok) return std::move(error_);
  }
  commit_attribute(f);
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// The interpreter: records without templates, BinXml values, and template bodies the compiler refused

Result<void> ChunkParser::parse_binxml(size_t begin, size_t end, size_t subs_base, size_t subs_count, size_t nesting,
                                       bool in_value) {
  ByteReader r(chunk_.first(end));
  if (!r.seek(begin)) return binxml_error("BinXml starts outside its record", begin);
  Fill f;
  f.base_depth = open_.size();

  while (!r.at_end()) {
    const size_t token_at = r.position();
    const auto token = *r.u8();
    const uint8_t base = token & 0xBF;  // 0x40 is the "more data / has attributes" flag
    switch (base) {
      case 0x00:  // end of stream
        commit_attribute(f);
        return {};
      case 0x0f:  // fragment header: major, minor, flags
        if (!r.skip(3)) return binxml_error("fragment header cut short", token_at);
        break;
      case 0x01: {  // open start element
        commit_attribute(f);
        if (!in_value && has_dependency_id(r)) (void)r.skip(2);
        auto data_size = r.u32le();
        auto name_offset = r.u32le();
        if (!data_size || !name_offset) return binxml_error("element start cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        if (token & 0x40) {
          if (!r.skip(4)) return binxml_error("attribute list size cut short", r.position());
        }
        if (!open_element(f, *name, token_at)) return std::move(error_);
        break;
      }
      case 0x06: {  // attribute
        commit_attribute(f);
        auto name_offset = r.u32le();
        if (!name_offset) return binxml_error("attribute cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        if (!open_attribute(f, *name, token_at)) return std::move(error_);
        break;
      }
      case 0x02:  // close start element: content follows
        commit_attribute(f);
        break;
      case 0x03:    // close empty element
      case 0x04: {  // end element
        if (!close_element(f, r.position())) return std::move(error_);
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
        if (!write_text(f, token_at, [&](std::string& out) { append_utf16le_as_utf8(out, *chars); }))
          return std::move(error_);
        break;
      }
      case 0x08: {  // character reference
        auto v = r.u16le();
        if (!v) return binxml_error("character reference cut short", token_at);
        if (!write_text(f, token_at, [&](std::string& out) { append_utf8(out, *v); })) return std::move(error_);
        break;
      }
      case 0x09: {  // entity reference
        auto name_offset = r.u32le();
        if (!name_offset) return binxml_error("entity reference cut short", token_at);
        auto name = read_name(r, *name_offset);
        if (!name) return name.error();
        if (!write_text(f, token_at, [&](std::string& out) { out += entity_text(names_[*name]); }))
          return std::move(error_);
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
        commit_attribute(f);
        auto t = parse_template_instance(r, nesting);
        if (!t) return t;
        break;
      }
      case 0x0d:    // normal substitution
      case 0x0e: {  // optional substitution
        auto id = r.u16le();
        auto type = r.u8();
        if (!id || !type) return binxml_error("substitution cut short", token_at);
        if (!substitute(f, *id, base == 0x0e, subs_base, subs_count, nesting, token_at)) return std::move(error_);
        break;
      }
      default:
        return binxml_error("unknown BinXml token " + std::to_string(token), token_at);
    }
  }
  commit_attribute(f);
  return {};
}

}  // namespace msw::formats::evtx
