// EVTX (Windows XML Event Log) parser, written from libyal's public format notes and [MS-EVEN6].
//
// Layout: a 4 KiB file header, then 64 KiB chunks; each chunk has a 512-byte header (with string and template
// offset tables), then event records whose payload is Binary XML. Templates are defined inside a record and reused
// by later records of the same chunk by offset; substitution values fill them.
//
// Robustness: every read is bounds-checked against the chunk; CRC mismatches (file header, chunk header, record
// data) are diagnostics — they can mean tampering — never a reason to stop; chunks beyond the header's count, zeroed
// or corrupt chunks and truncated files are handled; records in chunk slack (after the last record) are recovered
// on request and marked. Diagnostic codes: evtx.header_crc_mismatch, evtx.dirty, evtx.bad_chunk_magic,
// evtx.chunk_crc_mismatch, evtx.records_crc_mismatch, evtx.bad_record, evtx.binxml, evtx.truncated,
// evtx.recovered_record, evtx.limit.
//
// Speed: the parser reads the mapped file in place; a ChunkParser reuses its buffers across records and chunks,
// so the hot path does not allocate per record once warm. A template body is compiled once per chunk into fill-in
// steps, so records do not re-read their template's BinXml. Chunks are independent: parse them on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "core/time.h"

namespace msw::formats::evtx {

struct FileHeader {
  uint64_t first_chunk = 0, last_chunk = 0, next_record_id = 0;
  uint32_t header_size = 0;
  uint16_t minor_version = 0, major_version = 0, header_block_size = 0, chunk_count = 0;
  uint32_t flags = 0;
  uint32_t checksum = 0;
  bool checksum_ok = false;
  bool dirty() const { return (flags & 1) != 0; }
  bool full() const { return (flags & 2) != 0; }
};

struct ChunkHeader {
  uint64_t first_record_number = 0, last_record_number = 0, first_record_id = 0, last_record_id = 0;
  uint32_t header_size = 0, last_record_offset = 0, free_space_offset = 0, records_checksum = 0, flags = 0,
           header_checksum = 0;
  bool header_checksum_ok = false;
  bool records_checksum_ok = false;
};

// Element and attribute names the normalizer looks for. A name is classified once per chunk, when it is first
// read, so walking a record compares small integers instead of strings.
enum class WellKnownName : uint8_t {
  Other,
  System,
  EventData,
  UserData,
  Provider,
  TimeCreated,
  Security,
  Execution,
  Correlation,
  Data,
  Name,
  SystemTime,
  UserID,
  ProcessID,
  ThreadID,
  ActivityID,
};
WellKnownName classify_name(std::string_view name);

// One record's XML as a flat tree. Strings live in buffers owned by the ChunkParser and are valid until the next
// record is parsed.
class XmlTree {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFF;
  struct Node {
    uint32_t name = 0;  // index into the chunk's name table
    uint32_t parent = kNone;
    uint32_t first_attr = 0, attr_count = 0;
    uint32_t text_off = 0, text_len = 0;  // element text (concatenated direct content)
  };
  struct Attr {
    uint32_t name = 0;
    uint32_t value_off = 0, value_len = 0;
  };

  const std::vector<Node>& nodes() const { return nodes_; }
  std::string_view name(const Node& n) const { return (*names_)[n.name]; }
  std::string_view name(const Attr& a) const { return (*names_)[a.name]; }
  std::string_view text(const Node& n) const { return std::string_view(pool_).substr(n.text_off, n.text_len); }
  std::string_view value(const Attr& a) const { return std::string_view(pool_).substr(a.value_off, a.value_len); }
  std::span<const Attr> attrs(const Node& n) const { return std::span(attrs_).subspan(n.first_attr, n.attr_count); }
  WellKnownName kind(const Node& n) const { return (*kinds_)[n.name]; }
  WellKnownName kind(const Attr& a) const { return (*kinds_)[a.name]; }
  // Value of the attribute named `attr` on node `n`, if present.
  std::optional<std::string_view> attr(const Node& n, WellKnownName attr) const;

  // Renders the tree as XML text (the form Event Viewer shows), escaping text and attribute values.
  void to_xml(std::string& out) const;

 private:
  friend class ChunkParser;
  std::vector<Node> nodes_;
  std::vector<Attr> attrs_;
  std::string pool_;
  const std::vector<std::string>* names_ = nullptr;
  const std::vector<WellKnownName>* kinds_ = nullptr;  // per name
};

struct Record {
  uint64_t id = 0;
  std::optional<Timestamp> written;
  uint64_t file_offset = 0;
  uint32_t chunk = 0;
  bool recovered = false;  // found in chunk slack, after the last live record
  const XmlTree* tree = nullptr;
};

using RecordFn = std::function<void(const Record&)>;

struct ChunkSummary {
  std::optional<ChunkHeader> header;  // nullopt when the chunk is not a chunk (zeroed, bad magic)
  uint64_t records = 0;
  uint64_t recovered = 0;
  uint64_t bad_records = 0;
};

// Parses one chunk at a time; keeps caches and buffers between calls. Not thread-safe: one per thread.
class ChunkParser {
 public:
  // `evidence` names the file in diagnostics; `file` is the whole mapped file.
  ChunkParser(Bytes file, std::string evidence);
  // Its tree points into its own buffers: not copied, not moved (hold it by unique_ptr to keep several).
  ChunkParser(const ChunkParser&) = delete;
  ChunkParser& operator=(const ChunkParser&) = delete;
  // Moves on to another file, keeping the buffers (a parser per worker serves every file of a run).
  void reset(Bytes file, std::string_view evidence);
  ChunkSummary parse_chunk(uint32_t index, bool recover_slack, Diagnostics& diags, const RecordFn& fn);
  // Templates are compiled by default; off, every body is interpreted. The two must agree record for record and
  // diagnostic for diagnostic: a test holds them to it on the corpus and on damaged copies of it.
  void set_compile_templates(bool on) { compile_templates_ = on; }

 private:
  struct Substitution {
    uint8_t type;
    Bytes data;  // inside chunk_
  };
  // A template body compiled once per chunk into the steps that fill it in: names resolved, literal text decoded,
  // structure checked. Records then run the steps with their substitution values instead of re-reading the BinXml.
  // A body the compiler does not take (a template instance inside it, anything the interpreter would report as
  // damage) runs through the interpreter, so the two paths give the same tree and the same diagnostics.
  struct Step {
    enum Kind : uint8_t { Open, Attribute, CloseStart, Close, Text, Substitute, End };
    Kind kind;
    bool optional = false;  // Substitute: an optional substitution (an empty value drops its attribute)
    uint16_t value = 0;     // Substitute: the value's index
    uint32_t arg = 0;       // Open/Attribute: name index; Text: offset into literals_
    uint32_t len = 0;       // Text: length
    uint32_t token_at = 0;  // chunk offset of the token, for diagnostics
  };
  struct CompiledTemplate {
    uint32_t body_begin = 0, body_end = 0;  // the body's chunk offsets, so later instances skip the definition
    uint32_t first = 0, count = 0;
    bool compiled = false;  // false: interpret the body
  };
  // Where text goes while a body fills the tree: the innermost open element's text, or an attribute value, which
  // only becomes the attribute's when the attribute ends (a record that breaks off mid-value keeps it empty).
  struct Fill {
    size_t base_depth = 0;  // open elements when this body started; it may not close them
    bool in_attribute = false;
    bool drop_attribute = false;                    // an optional substitution was empty: the attribute goes
    uint32_t attribute_off = 0, attribute_len = 0;  // the pending value in the tree's pool
  };
  // The tree-building steps the interpreter and compiled templates share, so both build the same tree.
  // Inlined into both interpreters' loops: they run once or twice per token of every record.
  [[gnu::always_inline]] inline void commit_attribute(Fill& f);
  // write(pool) appends text for the element or attribute being filled to the tree's pool (nothing is kept outside
  // every element); false when the record's text passes its limit.
  template <typename Write>
  [[gnu::always_inline]] inline bool write_text(Fill& f, size_t token_at, const Write& write);
  [[gnu::always_inline]] inline std::string* begin_text(Fill& f);
  [[gnu::always_inline]] inline bool end_text(Fill& f, size_t token_at);
  [[gnu::always_inline]] inline bool open_element(Fill& f, uint32_t name, size_t token_at);
  [[gnu::always_inline]] inline bool open_attribute(Fill& f, uint32_t name, size_t token_at);
  [[gnu::always_inline]] inline bool close_element(Fill& f, size_t at);
  bool substitute(Fill& f, uint16_t id, bool optional, size_t subs_base, size_t subs_count, size_t nesting,
                  size_t token_at);
  // Records why a step failed in error_ (the caller returns it) and returns false.
  [[gnu::cold, gnu::noinline]] bool fail(const char* what, size_t offset);

  bool parse_record(size_t chunk_offset, size_t record_size, Diagnostics& diags);
  const CompiledTemplate& compiled_template(uint32_t def_offset, size_t begin, size_t end);
  bool compile_template(size_t begin, size_t end);
  Result<void> run_template(const CompiledTemplate& t, size_t subs_base, size_t subs_count, size_t nesting);
  // Interprets BinXml in [begin, end) of the chunk. Substitutions are subs_storage_[subs_base, +subs_count).
  // `in_value`: a BinXml substitution value, whose element starts carry no dependency identifier.
  Result<void> parse_binxml(size_t begin, size_t end, size_t subs_base, size_t subs_count, size_t nesting,
                            bool in_value);
  Result<void> parse_template_instance(ByteReader& r, size_t nesting);
  Result<uint32_t> read_name(ByteReader& r, uint32_t name_offset);

  Bytes file_;
  std::string evidence_;
  Bytes chunk_;
  uint64_t chunk_file_offset_ = 0;
  XmlTree tree_;
  std::vector<std::string> names_;
  std::vector<WellKnownName> name_kinds_;
  // Chunk offset → names_ index + 1 (0: not seen). A flat table beats a hash map: template compilation and
  // interpreted BinXml look names up per token. `touched_` lists the slots to clear per chunk.
  std::vector<uint16_t> name_slot_;
  std::vector<uint32_t> touched_;
  std::vector<uint32_t> open_;  // stack of open element node indices
  std::vector<Substitution> subs_storage_;
  Error error_;  // why the last tree-building step failed
  // Compiled templates of the current chunk: steps_ and literals_ hold every template's steps and text;
  // template_slot_ maps a definition's chunk offset to its templates_ index + 1, cleared through its touched list.
  std::vector<Step> steps_;
  std::string literals_;
  std::vector<CompiledTemplate> templates_;
  std::vector<uint16_t> template_slot_;
  std::vector<uint32_t> template_touched_;
  bool compile_templates_ = true;
};

struct FileInfo {
  std::optional<FileHeader> header;
  size_t chunks_in_file = 0;  // by size, including chunks beyond the header's count
};

// Reads the file header (diagnoses a bad CRC, a dirty flag, a bad signature) and counts chunks by file size.
// Errors: evtx.not_evtx (no "ElfFile" signature), evtx.truncated (shorter than the header).
Result<FileInfo> read_file_info(Bytes file, std::string_view evidence, Diagnostics& diags);

// Renders one substitution or value of `type` (a BinXml value type) as text, the way Event Viewer shows it, appending
// to `out`. A type it does not know, or a value of the wrong size, is written as hex and the result is false.
bool render_value(uint8_t type, Bytes data, std::string& out);

}  // namespace msw::formats::evtx
