#include "formats/evtx/evtx.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "formats/evtx/evtx_limits.h"
#include "normalize/evtx.h"
#include "support/evtx_writer.h"
#include "support/test_support.h"

namespace msw::formats::evtx {
namespace {

struct Parsed {
  std::vector<model::Event> events;
  std::vector<bool> recovered;
  std::vector<std::string> xml;
  Diagnostics diags;
  size_t chunks = 0;
};

Parsed parse_all(const std::string& file, bool recover = false) {
  Parsed p;
  Bytes bytes = as_bytes(file);
  auto info = read_file_info(bytes, "test.evtx", p.diags);
  EXPECT_TRUE(info) << (info ? "" : info.error().message);
  if (!info) return p;
  p.chunks = info->chunks_in_file;
  ChunkParser parser(bytes, "test.evtx");
  for (uint32_t c = 0; c < info->chunks_in_file; ++c)
    parser.parse_chunk(c, recover, p.diags, [&](const Record& r) {
      model::Event ev;
      normalize::evtx_record_event(r, "test.evtx", ev);
      p.events.push_back(std::move(ev));
      p.recovered.push_back(r.recovered);
      std::string x;
      r.tree->to_xml(x);
      p.xml.push_back(std::move(x));
    });
  return p;
}

bool has_code(const Diagnostics& d, std::string_view code) {
  for (const auto& x : d.items())
    if (x.code == code) return true;
  return false;
}

std::string field(const model::Event& e, std::string_view name) {
  const std::string* v = e.get(name);
  return v ? *v : std::string("<missing>");
}

test::EvtxEvent failed_logon(std::string ip, std::string user, uint64_t ft) {
  test::EvtxEvent e;
  e.event_id = 4625;
  e.filetime = ft;
  e.user_sid = "S-1-5-18";
  e.data = {{"TargetUserName", std::move(user)}, {"Status", "0xc000006d"}, {"SubStatus", "0xc0000071"},
            {"LogonType", "3"},                  {"IpAddress", std::move(ip)}, {"IpPort", "0"}};
  return e;
}

TEST(Evtx, RoundTripOfWrittenEvents) {
  test::EvtxEvent a = failed_logon("10.33.15.7", "administrator", 132223104000000000ull);
  test::EvtxEvent b;
  b.event_id = 7045;
  b.provider = "Service Control Manager";
  b.channel = "System";
  b.computer = "服务器-01";  // non-ASCII survives UTF-16 and back
  b.data = {{"ServiceName", "RemoteTimeHost"}, {"ImagePath", "C:\\Windows\\system32\\svchost.exe -k netsvcs"}};
  auto file = test::write_evtx({a, b, a});
  auto p = parse_all(file.bytes);
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(field(p.events[0], "EventID"), "4625");
  EXPECT_EQ(field(p.events[0], "Channel"), "Security");
  EXPECT_EQ(field(p.events[0], "Provider_Name"), "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(field(p.events[0], "IpAddress"), "10.33.15.7");
  EXPECT_EQ(field(p.events[0], "SubStatus"), "0xc0000071");
  EXPECT_EQ(field(p.events[0], "Security_UserID"), "S-1-5-18");
  EXPECT_EQ(field(p.events[0], "EventRecordID"), "1");
  EXPECT_EQ(field(p.events[0], "TimeCreated"), "2020-01-01T00:00:00.0000000Z");
  EXPECT_EQ(p.events[0].time->unix_ns, 1'577'836'800'000'000'000);
  EXPECT_EQ(field(p.events[1], "Computer"), "服务器-01");
  EXPECT_EQ(field(p.events[1], "ServiceName"), "RemoteTimeHost");
  EXPECT_EQ(field(p.events[1], "Security_UserID"), "<missing>");  // optional substitution with a NULL value
  EXPECT_EQ(field(p.events[2], "EventRecordID"), "3");             // template reused by offset
  EXPECT_EQ(p.events[2].service, "security");
  EXPECT_NE(p.xml[1].find("<Data Name=\"ImagePath\">C:\\Windows\\system32\\svchost.exe -k netsvcs</Data>"),
            std::string::npos)
      << p.xml[1];
  EXPECT_NE(p.xml[0].find("<Provider Name=\"Microsoft-Windows-Security-Auditing\"/>"), std::string::npos);
  EXPECT_TRUE(p.diags.empty()) << p.diags.items()[0].code;
}

// The WannaMine 4.0 write-up's evidence: thousands of 4625 from one internal address on an expired account, then a
// 4624 once a real user reset the password. No public EVTX has it; the writer makes it, across many chunks.
TEST(Evtx, BruteForceScenarioSpansChunks) {
  std::vector<test::EvtxEvent> events;
  uint64_t ft = 132223104000000000ull;
  for (int i = 0; i < 2000; ++i) events.push_back(failed_logon("10.33.15.77", "backup", ft += 10'000'000));
  test::EvtxEvent ok = failed_logon("10.33.15.240", "backup", ft += 10'000'000);
  ok.event_id = 4624;
  ok.data[1].second = "0x0";
  ok.data[2].second = "0x0";
  events.push_back(ok);
  auto file = test::write_evtx(events);
  ASSERT_GT(file.chunks, 5u);
  auto p = parse_all(file.bytes);
  ASSERT_EQ(p.events.size(), 2001u);
  EXPECT_EQ(field(p.events[1999], "EventRecordID"), "2000");
  EXPECT_EQ(field(p.events[2000], "EventID"), "4624");
  EXPECT_EQ(field(p.events[2000], "IpAddress"), "10.33.15.240");
  EXPECT_TRUE(p.diags.empty());
}

TEST(Evtx, ChecksumMismatchesAreDiagnosedNotFatal) {
  auto file = test::write_evtx({failed_logon("1.2.3.4", "a", 132223104000000000ull)});
  std::string tampered = file.bytes;
  // Change the IP address text inside the record: the record CRC no longer matches; the header is edited too.
  size_t at = tampered.find(std::string("1\0.\0" "2\0", 5), 4096);
  ASSERT_NE(at, std::string::npos);
  tampered[at] = '9';
  tampered[30] ^= 1;  // next record id in the file header
  auto p = parse_all(tampered);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(field(p.events[0], "IpAddress"), "9.2.3.4");
  EXPECT_TRUE(has_code(p.diags, "evtx.records_crc_mismatch"));
  EXPECT_TRUE(has_code(p.diags, "evtx.header_crc_mismatch"));
}

TEST(Evtx, SlackRecordsAreRecoveredOnlyOnRequestAndMarked) {
  auto file = test::write_evtx({failed_logon("1.1.1.1", "a", 132223104000000000ull),
                                failed_logon("2.2.2.2", "b", 132223104100000000ull)});
  std::string f = file.bytes;
  // Hide the second record as log clearing tools do: move the free-space offset back to where it starts.
  const auto second = static_cast<uint32_t>(file.record_offsets[1] - 4096);
  std::memcpy(f.data() + 4096 + 48, &second, 4);
  test::fix_evtx_checksums(f);
  auto live = parse_all(f, false);
  ASSERT_EQ(live.events.size(), 1u);
  auto all = parse_all(f, true);
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_FALSE(all.recovered[0]);
  EXPECT_TRUE(all.recovered[1]);
  EXPECT_EQ(field(all.events[1], "IpAddress"), "2.2.2.2");
  EXPECT_TRUE(has_code(all.diags, "evtx.recovered_record"));
}

TEST(Evtx, DamagedFilesParseAsFarAsTheDamageAllows) {
  std::vector<test::EvtxEvent> events;
  for (int i = 0; i < 300; ++i) events.push_back(failed_logon("10.0.0.1", "u" + std::to_string(i), 132223104000000000ull));
  auto file = test::write_evtx(events);
  ASSERT_GE(file.chunks, 2u);
  // Truncate in the middle of the second chunk.
  std::string cut = file.bytes.substr(0, 4096 + 65536 + 20000);
  auto p = parse_all(cut);
  EXPECT_GT(p.events.size(), 50u);
  EXPECT_LT(p.events.size(), 300u);
  // Zero the first chunk: it is skipped quietly, the others still parse.
  std::string zeroed = file.bytes;
  std::fill(zeroed.begin() + 4096, zeroed.begin() + 4096 + 65536, '\0');
  auto z = parse_all(zeroed);
  EXPECT_GT(z.events.size(), 0u);
  EXPECT_FALSE(has_code(z.diags, "evtx.bad_chunk_magic"));
  // Garbage over the first chunk's records: diagnostics, no crash.
  std::string garbage = file.bytes;
  for (size_t i = 4096 + 600; i < 4096 + 40000; ++i) garbage[i] = static_cast<char>(i * 7919 % 251);
  auto g = parse_all(garbage);
  EXPECT_FALSE(g.diags.empty());
}

// BinXml written by hand for the structures the event writer never makes.
namespace raw {
void u8(std::string& b, uint8_t v) { b += static_cast<char>(v); }
void u16(std::string& b, uint16_t v) { b.append(reinterpret_cast<const char*>(&v), 2); }
void u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void utf16(std::string& b, std::string_view ascii) {
  for (char c : ascii) u16(b, static_cast<uint16_t>(c));
}
// An element start with its name inline; `base` is the chunk offset where `b` starts.
void open(std::string& b, size_t base, std::string_view name) {
  u8(b, 0x01);
  u16(b, 0xFFFF);  // dependency identifier
  u32(b, 0);       // data size (not used by readers)
  u32(b, static_cast<uint32_t>(base + b.size() + 4));  // the name follows
  u32(b, 0);
  u16(b, 0);  // hash
  u16(b, static_cast<uint16_t>(name.size()));
  utf16(b, name);
  u16(b, 0);
  u8(b, 0x02);  // content follows
}
void text(std::string& b, std::string_view ascii) {
  u8(b, 0x05);
  u8(b, 0x01);
  u16(b, static_cast<uint16_t>(ascii.size()));
  utf16(b, ascii);
}
// A template instance defined inline: `body(b, at)` appends the template's BinXml; then one UTF-16 string value.
std::string instance(size_t at, const std::function<void(std::string&, size_t)>& body, std::string_view value) {
  std::string b;
  u8(b, 0x0f), u8(b, 1), u8(b, 1), u8(b, 0);
  u8(b, 0x0c);
  u8(b, 0x01);
  u32(b, 7);
  u32(b, static_cast<uint32_t>(at + b.size() + 4));  // defined right here
  u32(b, 0);                                          // next definition
  for (int i = 0; i < 4; ++i) u32(b, 0x1234);         // GUID
  const size_t size_at = b.size();
  u32(b, 0);
  u8(b, 0x0f), u8(b, 1), u8(b, 1), u8(b, 0);
  body(b, at);
  u8(b, 0x00);
  const auto size = static_cast<uint32_t>(b.size() - size_at - 4);
  std::memcpy(b.data() + size_at, &size, 4);
  u32(b, 1);  // one value
  u16(b, static_cast<uint16_t>(value.size() * 2));
  u8(b, 0x01);
  u8(b, 0);
  utf16(b, value);
  u8(b, 0x00);  // end of the record's stream
  return b;
}
}  // namespace raw

// Mixed content: the element's text resumes after a child, and stays whole and in order (the tree writes text
// straight into its pool, so the resumed text has to move what came before it).
TEST(Evtx, MixedContentKeepsTheElementTextInOrder) {
  auto file = test::write_evtx_raw({[](size_t at) {
    return raw::instance(
        at,
        [](std::string& b, size_t base) {
          raw::open(b, base, "Event");
          raw::open(b, base, "EventData");
          raw::text(b, "before ");
          raw::open(b, base, "Child");
          raw::text(b, "inside");
          raw::u8(b, 0x04);
          raw::text(b, "after ");
          raw::u8(b, 0x0d), raw::u16(b, 0), raw::u8(b, 0x01);  // the value
          raw::u8(b, 0x04);
          raw::u8(b, 0x04);
        },
        "value");
  }});
  auto p = parse_all(file.bytes);
  ASSERT_EQ(p.xml.size(), 1u);
  EXPECT_EQ(p.xml[0], "<Event><EventData>before after value<Child>inside</Child></EventData></Event>");
  EXPECT_TRUE(p.diags.empty()) << p.diags.items().front().detail;
}

// A template that repeats one value thousands of times would build gigabytes of text; the record stops at the cap
// with a diagnostic, keeps what it had, and the next record parses.
TEST(Evtx, RepeatedValuesStopAtTheRecordTextLimit) {
  const std::string big(3000, 'x');  // 3,000 characters, substituted 6,000 times: 18 MB of text
  auto bomb = [&](size_t at) {
    return raw::instance(
        at,
        [](std::string& b, size_t base) {
          raw::open(b, base, "Event");
          for (int i = 0; i < 6000; ++i) raw::u8(b, 0x0d), raw::u16(b, 0), raw::u8(b, 0x01);
          raw::u8(b, 0x04);
        },
        big);
  };
  auto plain = [](size_t at) {
    return raw::instance(
        at,
        [](std::string& b, size_t base) {
          raw::open(b, base, "Event");
          raw::u8(b, 0x0d), raw::u16(b, 0), raw::u8(b, 0x01);
          raw::u8(b, 0x04);
        },
        "fine");
  };
  auto file = test::write_evtx_raw({bomb, plain});
  auto p = parse_all(file.bytes);
  ASSERT_EQ(p.xml.size(), 2u);
  EXPECT_LE(p.xml[0].size(), kMaxRecordText + big.size() + 32);  // the value that crossed the cap, and the tags
  EXPECT_GT(p.xml[0].size(), kMaxRecordText / 2);
  EXPECT_EQ(p.xml[1], "<Event>fine</Event>");
  bool limit = false;
  for (const auto& d : p.diags.items()) limit |= d.code == "evtx.binxml" && d.detail.find("limit") != std::string::npos;
  EXPECT_TRUE(limit);
}

// Compiled templates and the interpreter build the same trees and report the same damage, on every corpus log
// and on copies of some with bytes changed inside their records (where the compiler has to refuse bodies the
// interpreter then reports on).
TEST(EvtxCorpus, CompiledTemplatesAgreeWithTheInterpreter) {
  const std::filesystem::path corpus(MSW_CORPUS_DIR);
  if (!std::filesystem::exists(corpus / "evtx")) GTEST_SKIP() << "public corpus not present at " << corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(corpus / "evtx"))
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  auto render = [](const std::string& bytes, bool compile) {
    std::string out;
    Diagnostics diags;
    auto info = read_file_info(as_bytes(bytes), "x", diags);
    if (!info) return out;
    ChunkParser parser(as_bytes(bytes), "x");
    parser.set_compile_templates(compile);
    for (uint32_t c = 0; c < info->chunks_in_file; ++c)
      parser.parse_chunk(c, true, diags, [&](const Record& r) {
        out += std::to_string(r.id) + (r.recovered ? " r " : " ");
        r.tree->to_xml(out);
        out += '\n';
      });
    for (const auto& d : diags.items()) out += d.code + "@" + std::to_string(d.offset) + " " + d.detail + "\n";
    return out;
  };
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(state >> 33);
  };
  size_t damaged = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string bytes = test::read_file(files[i]);
    ASSERT_EQ(render(bytes, true), render(bytes, false)) << files[i];
    if (i % 10 != 0 || bytes.size() < 4096 + 1024) continue;
    for (int round = 0; round < 8; ++round) {
      std::string copy = bytes;
      const size_t chunks = (copy.size() - 4096 + 65535) / 65536;
      for (size_t k = 0, n = 1 + next() % 40; k < n; ++k) {
        const size_t at = 4096 + next() % chunks * 65536 + 512 + next() % 20000;
        if (at < copy.size()) copy[at] = static_cast<char>(next());
      }
      ASSERT_EQ(render(copy, true), render(copy, false)) << files[i] << " round " << round;
      ++damaged;
    }
  }
  EXPECT_GT(damaged, 100u);
}

TEST(Evtx, NotEvtxIsAnError) {
  Diagnostics d;
  auto r = read_file_info(as_bytes("MZ not an event log"), "x", d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "evtx.not_evtx");
}

TEST(EvtxValues, RenderLikeEventViewer) {
  auto render = [](uint8_t type, std::string bytes) {
    std::string out;
    EXPECT_TRUE(render_value(type, as_bytes(bytes), out)) << int(type);
    return out;
  };
  EXPECT_EQ(render(0x08, std::string("\x2a\0\0\0", 4)), "42");
  EXPECT_EQ(render(0x07, std::string("\xfe\xff\xff\xff", 4)), "-2");
  EXPECT_EQ(render(0x14, std::string("\xe7\x03\0\0", 4)), "0x3e7");
  EXPECT_EQ(render(0x0d, std::string("\x01\0\0\0", 4)), "true");
  EXPECT_EQ(render(0x0e, std::string("\xde\xad", 2)), "DEAD");
  EXPECT_EQ(render(0x0f, std::string("\x25\x96\x84\x54\x78\x54\x94\x49\xa5\xba\x3e\x3b\x03\x28\xc3\x0d", 16)),
            "{54849625-5478-4994-a5ba-3e3b0328c30d}");  // Event Viewer writes GUIDs in lower case
  EXPECT_EQ(render(0x13, std::string("\x01\x01\0\0\0\0\0\x05\x12\0\0\0", 12)), "S-1-5-18");
  EXPECT_EQ(render(0x01, std::string("h\0i\0\0\0", 6)), "hi");  // trailing NUL dropped
  EXPECT_EQ(render(0x81, std::string("a\0\0\0b\0\0\0", 8)), "a, b");
  EXPECT_EQ(render(0x88, std::string("\x01\0\0\0\x02\0\0\0", 8)), "1, 2");
  EXPECT_EQ(render(0x10, std::string("\x10\0\0\0\0\0\0\0", 8)), "0x10");
  EXPECT_EQ(render(0x0c, std::string("\0\0\0\0\0\0\xf8\x3f", 8)), "1.5");
  std::string none;
  EXPECT_FALSE(render_value(0x08, as_bytes(std::string("\x01", 1)), none));  // too short
  EXPECT_FALSE(render_value(0x7f, as_bytes(std::string("x")), none));        // unknown type
}

// Every EVTX in the public corpus parses without a crash (ASan/UBSan in CI), and where python-evtx succeeds the
// record counts match the counts it produced (tests/corpus/evtx_counts.tsv, recorded once with Debian python3-evtx).
TEST(EvtxCorpus, CountsMatchPythonEvtx) {
  const std::filesystem::path corpus(MSW_CORPUS_DIR);
  const std::filesystem::path counts = std::filesystem::path(MSW_SOURCE_DIR) / "tests/corpus/evtx_counts.tsv";
  if (!std::filesystem::exists(corpus / "evtx")) GTEST_SKIP() << "public corpus not present at " << corpus;
  std::ifstream in(counts);
  ASSERT_TRUE(in) << counts;
  std::string line;
  size_t compared = 0, files = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::string rel, expected, status;
    std::getline(row, rel, '\t');
    std::getline(row, expected, '\t');
    std::getline(row, status, '\t');
    auto path = corpus / rel;
    if (!std::filesystem::exists(path)) continue;
    std::string bytes = test::read_file(path);
    Diagnostics d;
    auto info = read_file_info(as_bytes(bytes), rel, d);
    ASSERT_TRUE(info) << rel;
    ChunkParser parser(as_bytes(bytes), rel);
    size_t n = 0;
    for (uint32_t c = 0; c < info->chunks_in_file; ++c) n += parser.parse_chunk(c, false, d, [](const Record&) {}).records;
    ++files;
    if (status == "ok") {
      EXPECT_EQ(std::to_string(n), expected) << rel;
      ++compared;
    }
  }
  EXPECT_GT(files, 250u);
  EXPECT_GT(compared, 250u);
}

}  // namespace
}  // namespace msw::formats::evtx

namespace msw::formats::evtx {
namespace {

TEST(EvtxValues, FiletimeCoversItsWholeRange) {
  auto render = [](uint64_t ticks) {
    std::string out;
    std::string bytes(reinterpret_cast<const char*>(&ticks), 8);
    EXPECT_TRUE(render_value(0x11, as_bytes(bytes), out));
    return out;
  };
  EXPECT_EQ(render(0), "1601-01-01T00:00:00.0000000Z");
  EXPECT_EQ(render(132223104000000000ull + 1234567), "2020-01-01T00:00:00.1234567Z");
  EXPECT_EQ(render(0x7FFFFFFFFFFFFFFFull).substr(0, 6), "30828-");  // the largest FILETIME Windows accepts
}

}  // namespace
}  // namespace msw::formats::evtx
