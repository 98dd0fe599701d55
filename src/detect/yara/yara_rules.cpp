#include "detect/yara/yara_rules.h"

#include <unistd.h>
#include <yara.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/hash.h"
#include "data/embedded.h"

namespace msw::detect::yara {
namespace fs = std::filesystem;

namespace {

// libyara keeps process-wide state: initialise it once, finalise it at exit.
void ensure_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    yr_initialize();
    std::atexit([] { yr_finalize(); });
  });
}

constexpr const char* kExternals[] = {"filename", "filepath", "extension", "filetype", "owner"};

struct CompileErrors {
  std::string first;
};

void on_compile_message(int level, const char* file, int line, const YR_RULE*, const char* message, void* user) {
  auto* e = static_cast<CompileErrors*>(user);
  if (level != YARA_ERROR_LEVEL_ERROR || !e->first.empty()) return;
  e->first = std::string(file ? fs::path(file).filename().string() : "rules") + "(" + std::to_string(line) +
             "): " + (message ? message : "error");
}

struct CompilerHandle {
  YR_COMPILER* c = nullptr;
  CompileErrors errors;
  CompilerHandle() {
    if (yr_compiler_create(&c) != ERROR_SUCCESS) c = nullptr;
    if (!c) return;
    yr_compiler_set_callback(c, on_compile_message, &errors);
    for (const char* v : kExternals) yr_compiler_define_string_variable(c, v, "");
  }
  ~CompilerHandle() {
    if (c) yr_compiler_destroy(c);
  }
  CompilerHandle(const CompilerHandle&) = delete;
  CompilerHandle& operator=(const CompilerHandle&) = delete;
};

struct Source {
  std::string ns;    // namespace: the file's name relative to the folder given, or builtin/<file>
  std::string path;  // on disk ("" for built-in)
  std::string text;  // built-in text, or the file's bytes (for the cache key)
};

// Adds one source; false when libyara reports an error (the compiler is then unusable).
bool add(CompilerHandle& h, const Source& s) {
  if (s.path.empty()) return yr_compiler_add_string(h.c, s.text.c_str(), s.ns.c_str()) == 0;
  FILE* f = std::fopen(s.path.c_str(), "rb");
  if (!f) {
    h.errors.first = "cannot open " + s.path;
    return false;
  }
  const int errors = yr_compiler_add_file(h.c, f, s.ns.c_str(), s.path.c_str());
  std::fclose(f);
  return errors == 0;
}

bool is_rule_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".yar" || ext == ".yara";
}

}  // namespace

struct Rules::Impl {
  YR_RULES* rules = nullptr;
  ~Impl() {
    if (rules) yr_rules_destroy(rules);
  }
};

Rules::Rules(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Rules::Rules(Rules&&) noexcept = default;
Rules& Rules::operator=(Rules&&) noexcept = default;
Rules::~Rules() = default;

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/minesweep";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/minesweep";
  return "";
}

Result<Rules> Rules::load(const std::vector<std::string>& paths, bool builtin, const std::string& cache_dir,
                          LoadReport& report) {
  ensure_initialized();
  std::vector<Source> sources;
  if (builtin) {
    report.builtin = true;
    for (const auto& f : data::embedded_files())
      if (f.path.starts_with("rules/yara/") && is_rule_file(f.path))
        sources.push_back({"builtin/" + std::string(f.path.substr(11)), "", std::string(f.bytes)});
  }
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec))
      return Error::make("yara.unreadable", p + " does not exist; give a .yar file or a folder of them");
    std::vector<fs::path> files;
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end && files.size() < kMaxRuleFiles; it.increment(ec))
        if (it->is_regular_file(ec) && is_rule_file(it->path())) files.push_back(it->path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      const std::string rel = fs::is_directory(p, ec) ? fs::relative(f, p, ec).string() : f.filename().string();
      if (fs::file_size(f, ec) > kMaxRuleFileBytes || ec) {
        report.failed.push_back({f.string(), "larger than 8 MiB or unreadable: skipped"});
        continue;
      }
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      sources.push_back({rel, f.string(), ss.str()});
    }
  }
  report.files = sources.size();

  // The cache key: libyara's version and every source's path, namespace and content (the failures it keeps name
  // paths, and includes resolve relative to them).
  std::string key_text = YR_VERSION;
  for (const auto& s : sources) key_text += "\n" + s.path + "\n" + s.ns + "\n" + hash_bytes(as_bytes(s.text)).sha256;
  const std::string key = hash_bytes(as_bytes(key_text)).sha256.substr(0, 32);
  const fs::path cache = cache_dir.empty() ? fs::path() : fs::path(cache_dir) / ("yara-" + key + ".yarc");
  const fs::path cache_failed = cache_dir.empty() ? fs::path() : fs::path(cache_dir) / ("yara-" + key + ".failed");
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  if (!cache.empty() && fs::exists(cache, ec) && yr_rules_load(cache.c_str(), &impl->rules) == ERROR_SUCCESS) {
    report.from_cache = true;
    report.cache_path = cache.string();
    std::ifstream in(cache_failed);
    for (std::string line; std::getline(in, line);)
      if (auto tab = line.find('\t'); tab != std::string::npos)
        report.failed.push_back({line.substr(0, tab), line.substr(tab + 1)});
  } else {
    // libyara's compiler cannot continue after an error, so each file is tried alone first; the good ones are then
    // compiled together, each in its own namespace so equal rule names in different files do not collide.
    std::vector<const Source*> good;
    for (const auto& s : sources) {
      CompilerHandle h;
      if (!h.c) return Error::make("yara.no_rules", "libyara could not create a compiler (out of memory?)");
      if (add(h, s)) {
        good.push_back(&s);
      } else {
        report.failed.push_back({s.path.empty() ? s.ns : s.path, h.errors.first});
      }
    }
    if (good.empty()) return Error::make("yara.no_rules", "no YARA rule compiled from the paths given");
    CompilerHandle all;
    for (const auto* s : good)
      if (!add(all, *s))
        return Error::make("yara.no_rules", "the rules compile alone but not together: " + all.errors.first);
    if (yr_compiler_get_rules(all.c, &impl->rules) != ERROR_SUCCESS)
      return Error::make("yara.no_rules", "libyara could not build the rule set");
    if (!cache.empty()) {
      fs::create_directories(cache.parent_path(), ec);
      const fs::path tmp = cache.string() + ".tmp" + std::to_string(::getpid());
      if (!ec && yr_rules_save(impl->rules, tmp.c_str()) == ERROR_SUCCESS) {
        std::ofstream out(cache_failed, std::ios::trunc);
        for (const auto& f : report.failed) out << f.path << "\t" << f.error << "\n";
        fs::rename(tmp, cache, ec);
        if (!ec) report.cache_path = cache.string();
      }
      fs::remove(tmp, ec);
    }
  }
  report.compiled = report.files - std::min(report.files, report.failed.size());
  YR_RULES_STATS stats{};
  if (yr_rules_get_stats(impl->rules, &stats) == ERROR_SUCCESS) report.rules = stats.num_rules;
  return Rules(std::move(impl));
}

namespace {

struct ScanState {
  std::vector<Match> matches;
};

int on_scan_message(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* state = static_cast<ScanState*>(user);
  const auto* rule = static_cast<YR_RULE*>(message_data);
  Match m;
  m.rule = rule->identifier;
  m.rule_namespace = rule->ns && rule->ns->name ? rule->ns->name : "";
  const char* tag = nullptr;
  yr_rule_tags_foreach(rule, tag) m.tags.emplace_back(tag);
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    std::string value = meta->type == META_TYPE_STRING    ? (meta->string ? meta->string : "")
                        : meta->type == META_TYPE_BOOLEAN ? (meta->integer ? "true" : "false")
                                                          : std::to_string(meta->integer);
    if (value.size() > 512) value.resize(512);
    m.meta.emplace_back(meta->identifier, std::move(value));
  }
  const YR_STRING* string = nullptr;
  yr_rule_strings_foreach(rule, string) {
    // libyara allocates matches unaligned in its arena, so each one is copied out before its fields are read
    // (yr_string_matches_foreach would read them in place: undefined behaviour that UBSan reports).
    const YR_MATCH* at = context->matches[string->idx].head;
    for (size_t guard = 0; at && guard < 1'000'000 && m.strings.size() < kMaxStringsPerMatch; ++guard) {
      YR_MATCH hit;
      std::memcpy(&hit, at, sizeof hit);
      if (!hit.is_private) m.strings.emplace_back(string->identifier, static_cast<uint64_t>(hit.base + hit.offset));
      at = hit.next;
    }
  }
  state->matches.push_back(std::move(m));
  return CALLBACK_CONTINUE;
}

}  // namespace

Result<std::vector<Match>> Rules::scan(Bytes data, const FileContext& file) const {
  YR_SCANNER* scanner = nullptr;
  if (yr_scanner_create(impl_->rules, &scanner) != ERROR_SUCCESS)
    return Error::make("yara.scan", "libyara could not create a scanner");
  const std::pair<const char*, const std::string*> vars[] = {{"filename", &file.filename},
                                                             {"filepath", &file.filepath},
                                                             {"extension", &file.extension},
                                                             {"filetype", &file.filetype},
                                                             {"owner", &file.owner}};
  for (const auto& [name, value] : vars) yr_scanner_define_string_variable(scanner, name, value->c_str());
  ScanState state;
  yr_scanner_set_callback(scanner, on_scan_message, &state);
  yr_scanner_set_timeout(scanner, kScanTimeoutSeconds);
  const int r = yr_scanner_scan_mem(scanner, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  yr_scanner_destroy(scanner);
  if (r != ERROR_SUCCESS)
    return Error::make("yara.scan", r == ERROR_SCAN_TIMEOUT
                                        ? "YARA scan timed out after " + std::to_string(kScanTimeoutSeconds) + " s"
                                        : "YARA scan failed (libyara error " + std::to_string(r) + ")");
  return std::move(state.matches);
}

}  // namespace msw::detect::yara
