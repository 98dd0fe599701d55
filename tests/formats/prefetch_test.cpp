#include "formats/prefetch/prefetch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/mapped_file.h"
#include "core/time.h"
#include "formats/compression/lzxpress_huffman.h"
#include "support/prefetch_writer.h"

namespace msw::formats::prefetch {
namespace {
namespace fs = std::filesystem;

std::string inflate(const std::string& compressed, size_t size) {
  std::vector<std::byte> out;
  auto r = compression::lzxpress_huffman_decompress(as_bytes(compressed), size, out);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

TEST(LzxpressHuffman, RoundTripsWhatAnIndependentEncoderWrites) {
  std::mt19937 rng(7);
  std::string noise(100000, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  std::string text;
  while (text.size() < 300000) text += "C:\\Windows\\debug\\lsma12.exe -o stratum+tcp://pool.minexmr.com:4444 " + std::to_string(text.size() % 977) + "\n";
  const std::string run_data = std::string(70010, 'A') + "xyz" + std::string(300, 'B') + std::string(40, 'C');  // every length escape
  for (const std::string* data : std::initializer_list<const std::string*>{&noise, &text, &run_data}) {
    const std::string packed = test::lzxpress_huffman_compress(*data);
    EXPECT_EQ(inflate(packed, data->size()), *data);
  }
  // Text compresses (matches reach back across 64 KiB block boundaries: one stream).
  EXPECT_LT(test::lzxpress_huffman_compress(text).size(), text.size() / 4);
}

TEST(LzxpressHuffman, RejectsDamagedStreamsWithoutReadingOutOfBounds) {
  std::vector<std::byte> out;
  const std::string zeros(300, '\0');  // a table of zero lengths is no code
  auto r = compression::lzxpress_huffman_decompress(as_bytes(zeros), 10, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "lzxpress.bad_table");
  EXPECT_TRUE(out.empty());

  std::string text;
  while (text.size() < 5000) text += "abcdefgh" + std::to_string(text.size());
  const std::string packed = test::lzxpress_huffman_compress(text);
  r = compression::lzxpress_huffman_decompress(as_bytes(packed.substr(0, packed.size() / 2)), text.size(), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "lzxpress.truncated");
  r = compression::lzxpress_huffman_decompress(as_bytes(packed), compression::kMaxHuffmanOutput + 1, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "lzxpress.too_large");

  // Every truncation and single-bit flip of a stream fails cleanly or yields exactly the declared size.
  for (size_t cut = 0; cut < packed.size(); cut += 7) {
    out.clear();
    if (compression::lzxpress_huffman_decompress(as_bytes(packed.substr(0, cut)), text.size(), out)) {
      EXPECT_EQ(out.size(), text.size());
    }
  }
  for (size_t bit = 0; bit < packed.size() * 8; bit += 13) {
    std::string flipped = packed;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    out.clear();
    if (compression::lzxpress_huffman_decompress(as_bytes(flipped), text.size(), out)) {
      EXPECT_EQ(out.size(), text.size());
    }
  }
}

TEST(Prefetch, ReadsEveryFormatVersionItWrites) {
  for (uint32_t version : {17u, 23u, 26u, 30u}) {
    test::PrefetchSpec spec;
    spec.version = version;
    spec.run_count = 42;
    spec.last_runs = {132223104000000000ull, 132223000000000000ull};
    const std::string bytes = test::write_prefetch(spec);
    Diagnostics diags;
    auto pf = parse(as_bytes(bytes), "x.pf", diags);
    ASSERT_TRUE(pf) << version << ": " << pf.error().message;
    EXPECT_EQ(pf->version, version);
    EXPECT_FALSE(pf->compressed);
    EXPECT_EQ(pf->executable, "LSMA12.EXE");
    EXPECT_EQ(pf->hash, 0x1A2B3C4Du);
    EXPECT_EQ(pf->run_count, 42u);
    // Formats 17 and 23 keep one run time, 26 and 30 eight.
    EXPECT_EQ(pf->last_runs.size(), version >= 26 ? 2u : 1u);
    EXPECT_EQ(pf->last_runs[0], 132223104000000000ull);
    ASSERT_EQ(pf->files.size(), 2u);
    EXPECT_EQ(pf->executable_path(), "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\DEBUG\\LSMA12.EXE");
    ASSERT_EQ(pf->volumes.size(), 1u);
    EXPECT_EQ(pf->volumes[0].device_path, "\\VOLUME{01d3096ba3a46863-2ca3d1ae}");
    EXPECT_EQ(pf->volumes[0].serial, 0x2CA3D1AEu);
    EXPECT_TRUE(diags.empty());
  }
}

TEST(Prefetch, ReadsWindows10CompressedFiles) {
  test::PrefetchSpec spec;
  spec.executable = "DLLHOSTEX.EXE";
  for (int i = 0; i < 400; ++i)  // enough names for several 64 KiB blocks
    spec.files.push_back("\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\MODULE" + std::to_string(i) +
                         std::string(120, 'X') + ".DLL");
  spec.files.push_back("\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\DLLHOSTEX.EXE");
  const std::string mam = test::write_mam(test::write_prefetch(spec));
  ASSERT_EQ(mam.substr(0, 4), std::string("MAM\x04", 4));
  Diagnostics diags;
  auto pf = parse(as_bytes(mam), "DLLHOSTEX.EXE-1A2B3C4D.pf", diags);
  ASSERT_TRUE(pf) << pf.error().message;
  EXPECT_TRUE(pf->compressed);
  EXPECT_EQ(pf->executable, "DLLHOSTEX.EXE");
  EXPECT_EQ(pf->files.size(), 403u);
  EXPECT_EQ(pf->executable_path(), "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\DLLHOSTEX.EXE");
}

TEST(Prefetch, SurvivesTruncatedAndBitFlippedFiles) {
  test::PrefetchSpec spec;
  const std::string plain = test::write_prefetch(spec), mam = test::write_mam(plain);
  for (const std::string* f : {&plain, &mam}) {
    for (size_t cut = 0; cut < f->size(); ++cut) {
      Diagnostics diags;
      (void)parse(as_bytes(f->substr(0, cut)), "t.pf", diags);
    }
    for (size_t bit = 0; bit < f->size() * 8; bit += 5) {
      std::string flipped = *f;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      Diagnostics diags;
      if (auto pf = parse(as_bytes(flipped), "t.pf", diags)) {
        EXPECT_LE(pf->files.size(), kMaxFiles);
      }
    }
  }
  Diagnostics diags;
  auto r = parse(as_bytes(std::string("MAM\x07", 4) + std::string(20, '\0')), "t.pf", diags);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "prefetch.unsupported_version");
  std::string v99 = plain;
  v99[0] = 99;
  r = parse(as_bytes(v99), "t.pf", diags);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "prefetch.unsupported_version");
}

// The public Prefetch files (plaso's test data): formats 17, 23, 26 and Windows 10's compressed 30. The figures are
// what libscca's sccainfo prints for the same files.
TEST(PrefetchCorpus, PublicFilesParseCompletely) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "windows/plaso/winprefetch";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  struct Expect {
    const char* file;
    uint32_t version;
    const char* exe;
    uint32_t runs;
    size_t files, run_times;
    const char* last_run;
    bool compressed;
  };
  const Expect expected[] = {
      {"CMD.EXE-087B4001.pf", 17, "CMD.EXE", 2, 33, 1, "2013-03-10T10:11:49Z", false},
      {"PING.EXE-B29F6629.pf", 23, "PING.EXE", 14, 27, 1, "2012-04-06T19:00:55Z", false},
      {"TASKHOST.EXE-3AE259FC.pf", 26, "TASKHOST.EXE", 4, 51, 4, "2013-10-04T15:40:09Z", false},
      {"NOTEPAD.EXE-D8414F97.pf", 30, "NOTEPAD.EXE", 2, 56, 2, "2019-06-05T19:55:04Z", true},
      // Windows 11 (libscca 20200717 does not know format 31; laid out as 30's second variant).
      {"AM_DELTA_PATCH_1.443.990.0.EX-7037CF86.pf", 31, "AM_DELTA_PATCH_1.443.990.0.EX", 1, 18, 1, "2026-02-04T13:43:44Z", true},
  };
  for (const auto& e : expected) {
    auto file = MappedFile::open((root / e.file).string());
    ASSERT_TRUE(file) << e.file;
    Diagnostics diags;
    auto pf = parse(file->bytes(), e.file, diags);
    ASSERT_TRUE(pf) << e.file << ": " << pf.error().message;
    EXPECT_EQ(pf->version, e.version) << e.file;
    EXPECT_EQ(pf->executable, e.exe) << e.file;
    EXPECT_EQ(pf->run_count, e.runs) << e.file;
    EXPECT_EQ(pf->files.size(), e.files) << e.file;
    EXPECT_EQ(pf->last_runs.size(), e.run_times) << e.file;
    EXPECT_EQ(pf->compressed, e.compressed) << e.file;
    ASSERT_FALSE(pf->last_runs.empty());
    EXPECT_EQ(to_iso8601(*from_filetime(pf->last_runs[0]), 0), e.last_run) << e.file;
    if (e.version < 31) {  // the Windows 11 sample does not list its own executable
      EXPECT_FALSE(pf->executable_path().empty()) << e.file;
    }
    EXPECT_TRUE(diags.empty()) << e.file;
  }
}

}  // namespace
}  // namespace msw::formats::prefetch
