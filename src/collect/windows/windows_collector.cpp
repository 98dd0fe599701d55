#include "collect/windows/windows_collector.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "formats/regf/writer.h"

namespace msw::collect::windows {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// UTF-8 in, the platform's path out (MinGW's narrow paths are the ANSI code page, not UTF-8).
fs::path utf8_path(std::string_view s) { return fs::path(std::u8string(s.begin(), s.end())); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Result<void> write_new_file(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error::make("collect.write", "cannot create the folder for " + path.string() + ": " + ec.message());
  if (fs::exists(path, ec)) return Error::make("collect.write", path.string() + " already exists");
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return Error::make("collect.write", "cannot write " + path.string());
  return {};
}

std::string jsonl(const std::vector<json>& rows) {
  std::string out;
  for (const auto& r : rows) out += r.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return out;
}

class Bundle {
 public:
  Bundle(const WindowsHost& host, fs::path out, evidence::BundleManifest& m)
      : host_(host), out_(std::move(out)), m_(m) {}

  void fail(std::string source, std::string reason) { m_.failures.push_back({std::move(source), std::move(reason)}); }

  // Text or bytes the collector made (tables, snapshots, boot sectors).
  void add(const std::string& bundle_path, const std::string& source, std::string_view kind, std::string_view bytes) {
    const fs::path disk = out_ / utf8_path(bundle_path);
    if (auto w = write_new_file(disk, bytes); !w) return fail(source, w.error().message);
    record(bundle_path, source, kind, disk);
  }

  // A host file copied to its Windows path inside the bundle. Absent files are skipped unless `expected`.
  bool copy(const std::string& windows_path, std::string_view kind, uint64_t max_bytes, bool expected) {
    const std::string rel = bundle_path_for(windows_path);
    if (rel.empty()) {
      fail(windows_path, "not a local path the bundle can hold");
      return false;
    }
    if (!copied_.insert(lower(rel)).second) return true;
    if (copied_.size() > kMaxCopiedFiles) {
      if (copied_.size() == kMaxCopiedFiles + 1)
        fail(windows_path, "more than " + std::to_string(kMaxCopiedFiles) + " files; the rest skipped");
      return false;
    }
    const fs::path disk = out_ / utf8_path(rel);
    std::error_code ec;
    fs::create_directories(disk.parent_path(), ec);
    auto c = host_.copy_file(windows_path, disk, max_bytes);
    if (!c) {
      if (expected || c.error().code != "file.missing") fail(windows_path, c.error().message);
      return false;
    }
    record(rel, windows_path, kind, disk, *c);
    return true;
  }

  // Every file below a folder, at most `depth` levels down.
  void copy_tree(const std::string& folder, std::string_view kind, int depth, uint64_t max_bytes,
                 const std::function<bool(std::string_view)>& wanted = {}) {
    auto names = host_.list(folder);
    if (!names) {
      if (names.error().code != "file.missing") fail(folder, names.error().message);
      return;
    }
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
      if (n.ends_with('\\')) {
        if (depth > 0) copy_tree(folder + "\\" + n.substr(0, n.size() - 1), kind, depth - 1, max_bytes, wanted);
      } else if (!wanted || wanted(n)) {
        copy(folder + "\\" + n, kind, max_bytes, false);
      }
    }
  }

  // `sha256`: when the copy already hashed the bytes; otherwise the written file is hashed here.
  void record(const std::string& rel, const std::string& source, std::string_view kind, const fs::path& disk,
              std::string sha256 = {}) {
    copied_.insert(lower(rel));
    std::error_code ec;
    const uint64_t size = fs::file_size(disk, ec);
    if (sha256.empty()) {
      auto sha = host_.sha256_file(disk);
      if (!sha) return fail(source, "copied, but not hashed: " + sha.error().message);
      sha256 = std::move(sha).value();
    }
    m_.artefacts.push_back({rel, source, std::string(kind), ec ? 0 : size, std::move(sha256)});
  }

  const fs::path& out() const { return out_; }
  bool has(const std::string& rel) const { return copied_.count(lower(rel)) > 0; }
  void mark(const std::string& rel) { copied_.insert(lower(rel)); }

 private:
  const WindowsHost& host_;
  fs::path out_;
  evidence::BundleManifest& m_;
  std::set<std::string> copied_;
};

// ---- tables -------------------------------------------------------------------------------------------------

// Local accounts, written after the registry: the SAM hive, when it could be saved, is the authority (hashes,
// creation times); the table stands in for it otherwise, and is kept as a plain file beside it.
void write_accounts(const WindowsHost& host, const SystemFacts& facts, Bundle& bundle) {
  std::vector<json> rows;
  auto a = host.accounts();
  if (!a) return bundle.fail("accounts", a.error().message);
  for (const auto& v : *a)
    rows.push_back({{"name", v.name},
                    {"rid", v.rid},
                    {"disabled", v.disabled},
                    {"admin", v.admin},
                    {"password_never_expires", v.password_never_expires},
                    {"last_logon_unix", v.last_logon_unix},
                    {"bad_password_count", v.bad_password_count},
                    {"groups", v.groups}});
  const bool sam_saved = bundle.has(bundle_path_for(facts.system_root + "\\System32\\config\\SAM"));
  bundle.add("tables/accounts.jsonl", "local accounts (NetUserEnum, NetUserGetLocalGroups)",
             sam_saved ? "file" : "account_table", jsonl(rows));
}

void write_tables(const WindowsHost& host, const CollectOptions& opts, Bundle& bundle,
                  std::vector<ProcessInfo>& processes, std::vector<ServiceInfo>& services) {
  if (opts.on_step) opts.on_step("processes");
  if (auto p = host.processes(opts.cpu_sample_ms)) {
    processes = std::move(p).value();
    std::sort(processes.begin(), processes.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  } else {
    bundle.fail("processes", p.error().message);
  }
  std::vector<json> rows;
  std::map<std::string, std::string> image_hashes;
  std::map<uint32_t, const ProcessInfo*> by_pid;
  for (const auto& p : processes) by_pid.emplace(p.pid, &p);
  for (const auto& p : processes) {
    // Windows reuses pids: a parent pid can name a newer, unrelated process (Idle's pid 0 is nobody's parent).
    const auto parent_it = p.ppid != 0 && p.ppid != p.pid ? by_pid.find(p.ppid) : by_pid.end();
    const ProcessInfo* parent = parent_it == by_pid.end() ? nullptr : parent_it->second;
    if (parent && parent->start_unix > p.start_unix && p.start_unix != 0) parent = nullptr;  // started after its child
    json r = {{"pid", p.pid},
              {"ppid", p.ppid},
              {"name", p.name},
              {"exe", p.image},
              {"cmdline", p.command_line},
              {"user", p.user},
              {"start_unix", p.start_unix},
              {"cpu_seconds", p.cpu_seconds},
              {"cpu_percent", p.cpu_percent},
              {"rss_kb", p.working_set_kb},
              {"threads", p.threads}};
    if (parent) {
      r["parent_exe"] = parent->image;
      r["parent_cmdline"] = parent->command_line;
    }
    if (!p.signer.empty()) r["signer"] = p.signer;
    if (!p.image.empty()) {
      // One hash per image: sixty svchost.exe processes share one file.
      auto [it, fresh] = image_hashes.try_emplace(lower(p.image));
      if (fresh)
        if (auto h = host.sha256_host_file(p.image)) it->second = *h;
      if (!it->second.empty()) r["exe_sha256"] = it->second;
    }
    rows.push_back(std::move(r));
  }
  bundle.add("tables/processes.jsonl", "processes (Toolhelp32, QueryFullProcessImageNameW)", "process_table",
             jsonl(rows));

  if (opts.on_step) opts.on_step("connections");
  rows.clear();
  if (auto c = host.connections()) {
    for (const auto& s : *c) {
      const auto owner = s.pid != 0 ? by_pid.find(s.pid) : by_pid.end();
      const std::string image = owner == by_pid.end() ? std::string() : owner->second->image;
      rows.push_back({{"protocol", s.protocol},
                      {"local_ip", s.local_ip},
                      {"local_port", s.local_port},
                      {"remote_ip", s.remote_ip},
                      {"remote_port", s.remote_port},
                      {"state", s.state},
                      {"pid", s.pid},
                      {"exe", image}});
    }
  } else {
    bundle.fail("connections", c.error().message);
  }
  bundle.add("tables/connections.jsonl", "TCP/UDP tables (GetExtendedTcpTable, GetExtendedUdpTable)",
             "connection_table", jsonl(rows));

  if (opts.on_step) opts.on_step("services");
  rows.clear();
  if (auto s = host.services()) {
    services = std::move(s).value();
    for (const auto& v : services)
      rows.push_back({{"name", v.name},
                      {"display_name", v.display_name},
                      {"binary_path", v.binary_path},
                      {"service_dll", v.service_dll},
                      {"start_type", v.start_type},
                      {"account", v.account},
                      {"state", v.state},
                      {"pid", v.pid}});
    bundle.add("tables/services.jsonl", "services (Service Control Manager)", "file", jsonl(rows));
  } else {
    bundle.fail("services", s.error().message);
  }

  rows.clear();
  if (auto a = host.adapters()) {
    for (const auto& v : *a)
      rows.push_back({{"name", v.name}, {"addresses", v.addresses}, {"dns_servers", v.dns_servers}});
    bundle.add("tables/adapters.jsonl", "adapters and DNS servers (GetAdaptersAddresses)", "file", jsonl(rows));
  } else {
    bundle.fail("adapters", a.error().message);
  }
}

// ---- registry -----------------------------------------------------------------------------------------------

// One subtree of the live registry read into the writer's tree: `depth` levels of subkeys below it.
struct Snapshot {
  const WindowsHost& host;
  size_t keys = 0;
  size_t refused = 0;

  std::optional<formats::regf::KeySpec> read(const std::string& live_path, std::string name, int depth) {
    if (keys >= kMaxSnapshotKeys) return std::nullopt;
    auto k = host.read_key(live_path);
    if (!k) {
      refused += k.error().code == "registry.denied";
      return std::nullopt;
    }
    ++keys;
    formats::regf::KeySpec spec(std::move(name));
    spec.filetime = k->last_written;
    spec.class_name = k->class_name;
    for (auto& v : k->values) spec.values.push_back({v.name, v.type, std::move(v.data)});
    if (depth > 0)
      for (const auto& s : k->subkeys)
        if (auto child = read(live_path + "\\" + s, s, depth - 1)) spec.subkeys.push_back(std::move(*child));
    return spec;
  }
};

// Puts `child` at `path` ("A\\B\\C") below `root`, creating the keys between.
void graft(formats::regf::KeySpec& root, std::string_view path, formats::regf::KeySpec child) {
  formats::regf::KeySpec* at = &root;
  while (true) {
    const size_t slash = path.find('\\');
    if (slash == std::string_view::npos) break;
    const std::string part(path.substr(0, slash));
    auto it = std::find_if(at->subkeys.begin(), at->subkeys.end(), [&](const auto& k) { return k.name == part; });
    if (it == at->subkeys.end()) {
      at->subkeys.emplace_back(part);
      it = std::prev(at->subkeys.end());
    }
    at = &*it;
    path.remove_prefix(slash + 1);
  }
  child.name = std::string(path);
  at->subkeys.push_back(std::move(child));
}

struct Subtree {
  std::string_view path;  // below the hive's root
  int depth;
};

// What the analysis reads from each hive (normalize/windows_registry.cpp): services and their DLLs, RDP, firewall,
// SMBv1, DNS per interface, the LSA class names; the OS build and servicing packages, autostart keys, IFEO,
// Winlogon, the TaskCache; a user's Run keys and environment.
constexpr Subtree kSystemSubtrees[] = {
    {"Services", 5},
    {"Control\\Terminal Server", 3},
    {"Control\\ComputerName", 2},
    {"Control\\Session Manager", 2},
    {"Control\\Lsa", 1},
    {"Control\\SecurityProviders", 2},
    {"Control\\Print\\Monitors", 2},
};
constexpr Subtree kSoftwareSubtrees[] = {
    {"Microsoft\\Windows NT\\CurrentVersion", 0},
    {"Microsoft\\Windows NT\\CurrentVersion\\Winlogon", 2},
    {"Microsoft\\Windows NT\\CurrentVersion\\Windows", 1},
    {"Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options", 2},
    {"Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache", 3},
    {"Microsoft\\Windows NT\\CurrentVersion\\ProfileList", 1},
    {"Microsoft\\Windows NT\\CurrentVersion\\Hotfix", 1},
    {"Microsoft\\Windows\\CurrentVersion\\Run", 1},
    {"Microsoft\\Windows\\CurrentVersion\\RunOnce", 1},
    {"Microsoft\\Windows\\CurrentVersion\\RunServices", 1},
    {"Microsoft\\Windows\\CurrentVersion\\RunServicesOnce", 1},
    {"Microsoft\\Windows\\CurrentVersion\\Policies", 3},
    {"Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders", 0},
    {"Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages", 1},
    {"Microsoft\\Windows Defender\\Exclusions", 2},
    {"Microsoft\\Active Setup\\Installed Components", 1},
    {"Microsoft\\Microsoft SQL Server", 3},
    {"Policies\\Microsoft\\Windows NT\\Terminal Services", 1},
    {"WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run", 1},
    {"WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce", 1},
    {"WOW6432Node\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", 1},
};
constexpr Subtree kUserSubtrees[] = {
    {"Software\\Microsoft\\Windows\\CurrentVersion\\Run", 1},
    {"Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce", 1},
    {"Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", 1},
    {"Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", 1},
    {"Environment", 1},
};

std::string utf16le_to_string(const std::string& data) {
  return utf16le_to_utf8(as_bytes(std::string_view(data))).utf8;
}
std::string value_text(const RegistryKey& k, std::string_view name) {
  for (const auto& v : k.values)
    if (lower(v.name) == lower(name) && (v.type == 1 || v.type == 2)) {
      std::string s = utf16le_to_string(v.data);
      while (!s.empty() && s.back() == '\0') s.pop_back();
      return s;
    }
  return {};
}

// A hive saved whole when the system allows it, else rebuilt from the live keys the analysis reads.
void collect_hive(const WindowsHost& host, Bundle& bundle, const std::string& hklm_name,
                  const std::string& windows_path,
                  const std::function<std::optional<formats::regf::KeySpec>(Snapshot&)>& snapshot) {
  const std::string rel = bundle_path_for(windows_path);
  const fs::path disk = bundle.out() / utf8_path(rel);
  std::error_code ec;
  fs::create_directories(disk.parent_path(), ec);
  auto saved = host.save_hive(hklm_name, disk);
  if (saved) return bundle.record(rel, windows_path, "registry_hive", disk);
  fs::remove(disk, ec);  // a partial save
  if (!snapshot) return bundle.fail(windows_path, saved.error().message);
  Snapshot snap{host};
  auto root = snapshot(snap);
  if (!root) return bundle.fail(windows_path, saved.error().message + "; the live keys were not readable either");
  formats::regf::WriteOptions wo;
  wo.embedded_name = "\\??\\" + windows_path;
  auto hive = formats::regf::build_hive(*root, wo);
  if (!hive) return bundle.fail(windows_path, hive.error().message);
  const std::string source =
      windows_path + " (rebuilt from " + std::to_string(snap.keys) + " live keys: " + saved.error().message + ")";
  bundle.add(rel, source, "registry_hive", *hive);
  if (snap.refused > 0)
    bundle.fail(windows_path, std::to_string(snap.refused) + " keys refused to this account; run as administrator");
}

// Returns the commands of the Run keys it read (machine and users), whose programs the executables step copies.
std::vector<std::string> collect_registry(const WindowsHost& host, const SystemFacts& facts, Bundle& bundle) {
  std::vector<std::string> autostarts;
  auto run_values = [&](const std::string& key) {
    if (auto k = host.read_key(key))
      for (const auto& v : k->values)
        if (v.type == 1 || v.type == 2) autostarts.push_back(utf16le_to_string(v.data));
  };
  for (const char* key :
       {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
        "SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Run"})
    run_values(key);
  const std::string config = facts.system_root + "\\System32\\config\\";
  collect_hive(host, bundle, "SYSTEM", config + "SYSTEM", [&](Snapshot& snap) -> std::optional<formats::regf::KeySpec> {
    formats::regf::KeySpec root("ROOT");
    for (const auto& s : kSystemSubtrees)
      if (auto k = snap.read("SYSTEM\\CurrentControlSet\\" + std::string(s.path), "", s.depth))
        graft(root, "ControlSet001\\" + std::string(s.path), std::move(*k));
    if (snap.keys == 0) return std::nullopt;
    formats::regf::KeySpec select("Select");
    for (const char* v : {"Current", "Default", "LastKnownGood"})
      select.values.push_back({v, 4, formats::regf::reg_dword(1)});
    root.subkeys.push_back(std::move(select));
    return root;
  });
  collect_hive(
      host, bundle, "SOFTWARE", config + "SOFTWARE", [&](Snapshot& snap) -> std::optional<formats::regf::KeySpec> {
        formats::regf::KeySpec root("ROOT");
        for (const auto& s : kSoftwareSubtrees)
          if (auto k = snap.read("SOFTWARE\\" + std::string(s.path), "", s.depth)) graft(root, s.path, std::move(*k));
        if (snap.keys == 0) return std::nullopt;
        root.subkeys.emplace_back("Classes");  // present in every SOFTWARE hive; the analysis recognises the hive by it
        return root;
      });
  // SAM and SECURITY are readable by SYSTEM only: saved whole when the backup privilege allows, never rebuilt.
  collect_hive(host, bundle, "SAM", config + "SAM", nullptr);
  collect_hive(host, bundle, "SECURITY", config + "SECURITY", nullptr);

  // Loaded user hives (HKU\S-1-5-21-…, not the _Classes ones): rebuilt from their autostart keys, named after the
  // profile folder so findings say whose they are.
  auto users = host.read_key("HKU");
  auto profiles = host.read_key("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList");
  if (!users) return autostarts;
  for (const auto& sid : users->subkeys) {
    if (sid.ends_with("_Classes") || !sid.starts_with("S-1-5-21-")) continue;
    run_values("HKU\\" + sid + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
    run_values("HKU\\" + sid + "\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce");
    std::string profile;
    if (profiles)
      if (auto p = host.read_key("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\" + sid))
        profile = value_text(*p, "ProfileImagePath");
    if (profile.empty()) profile = "C:\\Users\\" + sid;
    Snapshot snap{host};
    formats::regf::KeySpec root("ROOT");
    for (const auto& s : kUserSubtrees)
      if (auto k = snap.read("HKU\\" + sid + "\\" + std::string(s.path), "", s.depth))
        graft(root, s.path, std::move(*k));
    root.subkeys.emplace_back("Control Panel");  // every user hive has it; the analysis recognises the hive by it
    if (std::none_of(root.subkeys.begin(), root.subkeys.end(), [](const auto& k) { return k.name == "Software"; }))
      root.subkeys.emplace_back("Software");
    formats::regf::WriteOptions wo;
    wo.embedded_name = "\\??\\" + profile + "\\NTUSER.DAT";
    auto hive = formats::regf::build_hive(root, wo);
    if (!hive) {
      bundle.fail(profile + "\\NTUSER.DAT", hive.error().message);
      continue;
    }
    bundle.add(bundle_path_for(profile + "\\NTUSER.DAT"),
               profile + "\\NTUSER.DAT (rebuilt from " + std::to_string(snap.keys) + " live keys of HKU\\" + sid + ")",
               "registry_hive", *hive);
  }
  return autostarts;
}

// ---- files --------------------------------------------------------------------------------------------------

constexpr std::string_view kEventChannels[] = {
    "Security",
    "System",
    "Application",
    "Windows PowerShell",
    "Microsoft-Windows-PowerShell/Operational",
    "Microsoft-Windows-TaskScheduler/Operational",
    "Microsoft-Windows-WMI-Activity/Operational",
    "Microsoft-Windows-Sysmon/Operational",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "Microsoft-Windows-Windows Defender/Operational",
};

void collect_event_logs(const WindowsHost& host, const SystemFacts& facts, Bundle& bundle) {
  bool api_missing = false;
  for (std::string_view channel : kEventChannels) {
    // The file name Windows gives a channel's log: '/' becomes "%4".
    std::string file;
    for (char c : channel) file += c == '/' ? std::string("%4") : std::string(1, c);
    const std::string windows_path = facts.system_root + "\\System32\\winevt\\Logs\\" + file + ".evtx";
    const std::string rel = bundle_path_for(windows_path);
    const fs::path disk = bundle.out() / utf8_path(rel);
    std::error_code ec;
    fs::create_directories(disk.parent_path(), ec);
    auto r = api_missing ? Result<void>(Error::make("eventlog.unavailable", ""))
                         : host.export_log(std::string(channel), disk);
    if (r) {
      bundle.record(rel, windows_path + " (EvtExportLog of " + std::string(channel) + ")", "evtx", disk);
      continue;
    }
    fs::remove(disk, ec);
    if (r.error().code == "eventlog.unavailable" && !api_missing) {
      api_missing = true;
      bundle.fail("event logs", r.error().message + "; the log files themselves were tried instead");
    }
    // Sysmon and Defender logs exist only where they are installed: their absence is no failure.
    const bool essential = channel == "Security" || channel == "System";
    if (r.error().code == "eventlog.missing" && !essential) continue;
    // The export refused or missing: the file itself, which backup semantics may still read.
    if (!bundle.copy(windows_path, "evtx", kMaxArtefactBytes, false) && (essential || !api_missing))
      bundle.fail(std::string(channel), api_missing ? "the log file is not readable either" : r.error().message);
  }
}

void collect_files(const WindowsHost& host, const SystemFacts& facts, Bundle& bundle) {
  const std::string& win = facts.system_root;
  bundle.copy(win + "\\System32\\drivers\\etc\\hosts", "hosts", 16u << 20, true);
  bundle.copy_tree(win + "\\System32\\Tasks", "scheduled_task", 6, 4u << 20);
  // The Task Scheduler's own list: tasks a non-administrator cannot read in the folder, and tasks whose file was
  // removed to hide them while the service still runs them.
  if (auto tasks = host.scheduled_tasks()) {
    for (const auto& t : *tasks) {
      const std::string rel = bundle_path_for(win + "\\System32\\Tasks" + t.path);
      if (rel.empty() || bundle.has(rel)) continue;
      bundle.mark(rel);
      bundle.add(rel, "Task Scheduler: " + t.path, "scheduled_task", t.xml);
    }
  } else {
    bundle.fail("scheduled tasks (Task Scheduler 2.0)", tasks.error().message + "; the Tasks folder was read instead");
  }
  bundle.copy_tree(win + "\\Tasks", "scheduled_task", 0, 4u << 20,
                   [](std::string_view n) { return lower(n).ends_with(".job"); });
  bundle.copy_tree(win + "\\Prefetch", "prefetch", 0, 16u << 20,
                   [](std::string_view n) { return lower(n).ends_with(".pf"); });
  // WMI subscriptions as the service has them (OBJECTS.DATA is locked on a running system and readable only by
  // administrators), then the repository files, which also hold deleted instances.
  if (auto subs = host.wmi_subscriptions()) {
    std::vector<json> rows;
    for (const auto& o : *subs) {
      json r = {{"class", o.class_name}};
      for (const auto& [k, v] : o.properties) r[k] = v;
      rows.push_back(std::move(r));
    }
    bundle.add("tables/wmi_subscriptions.jsonl", "WMI root\\subscription (IWbemServices)", "wmi_table", jsonl(rows));
  } else {
    bundle.fail("WMI root\\subscription", subs.error().message + "; the repository files were read instead");
  }
  // The WMI repository: OBJECTS.DATA holds the subscriptions; the index and mappings come along for other tools.
  bundle.copy(win + "\\System32\\wbem\\Repository\\OBJECTS.DATA", "wmi_repository", kMaxArtefactBytes, false);
  bundle.copy_tree(win + "\\System32\\wbem\\Repository", "file", 0, kMaxArtefactBytes, [](std::string_view n) {
    const std::string l = lower(n);
    return l == "index.btr" || l.starts_with("mapping");
  });
  bundle.copy(win + "\\AppCompat\\Programs\\Amcache.hve", "registry_hive", kMaxArtefactBytes, false);
  // All users' and each user's Startup folder: anything there runs at logon.
  bundle.copy_tree("C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\Startup", "startup_item", 1, 64u << 20);
  if (auto users = host.list("C:\\Users"))
    for (const auto& u : *users)
      if (u.ends_with('\\'))
        bundle.copy_tree("C:\\Users\\" + u + "AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup",
                         "startup_item", 1, 64u << 20);
}

void collect_boot_record(const WindowsHost& host, Bundle& bundle) {
  auto mbr = host.read_boot_sectors(64 * 512);
  if (!mbr) return bundle.fail("\\\\.\\PhysicalDrive0", mbr.error().message);
  bundle.add("disk/PhysicalDrive0.bin", "\\\\.\\PhysicalDrive0 (first " + std::to_string(mbr->size()) + " bytes)",
             "boot_record", *mbr);
}

// The running images, service binaries and autostart targets a worm would have dropped: copied (under a size
// cap) for sample analysis.
void collect_executables(const std::vector<ProcessInfo>& processes, const std::vector<ServiceInfo>& services,
                         const std::vector<std::string>& autostarts, uint32_t self_pid, Bundle& bundle) {
  std::vector<std::string> paths;
  for (const auto& p : processes)
    if (!p.image.empty() && p.pid != self_pid && is_unusual_image_location(p.image)) paths.push_back(p.image);
  std::vector<std::string> commands = autostarts;
  for (const auto& s : services) {
    commands.push_back(s.service_dll);
    commands.push_back(s.binary_path);
  }
  for (const auto& c : commands)
    if (std::string exe = executable_of(c); !exe.empty() && is_unusual_image_location(exe)) paths.push_back(exe);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  size_t copied = 0;
  for (const auto& p : paths) {
    if (copied >= kMaxExecutableCopies) {
      bundle.fail(p, "more than " + std::to_string(kMaxExecutableCopies) + " executables; hashed only");
      continue;
    }
    copied += bundle.copy(p, "file", kMaxExecutableBytes, true);
  }
}

}  // namespace

std::string executable_of(std::string_view command) {
  std::string_view c = command;
  while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
  std::string exe;
  if (c.starts_with('"')) {
    const size_t end = c.find('"', 1);
    exe = std::string(c.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
  } else {
    // Unquoted: up to the first program extension followed by a space or the end, else up to the first space.
    const std::string l = lower(c);
    size_t end = std::string::npos;
    for (std::string_view ext : {".exe", ".dll", ".com", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".scr"}) {
      for (size_t at = l.find(ext); at != std::string::npos; at = l.find(ext, at + 1)) {
        const size_t after = at + ext.size();
        if (after == l.size() || l[after] == ' ' || l[after] == ',') {
          end = std::min(end, after);
          break;
        }
      }
    }
    exe = std::string(c.substr(0, end == std::string::npos ? c.find(' ') : end));
  }
  // Only absolute local paths name a file the collector can copy; "%SystemRoot%\..." and bare names do not.
  return exe.size() > 3 && exe[1] == ':' && exe[2] == '\\' ? exe : std::string();
}

bool is_unusual_image_location(std::string_view windows_path) {
  const std::string p = lower(windows_path);
  if (p.size() < 3 || p[1] != ':') return false;  // a device or relative path: nothing to judge
  const std::string_view rest = std::string_view(p).substr(2);
  for (std::string_view owned :
       {"\\windows\\system32\\", "\\windows\\syswow64\\", "\\windows\\winsxs\\", "\\windows\\servicing\\",
        "\\windows\\microsoft.net\\", "\\program files\\", "\\program files (x86)\\"})
    if (rest.starts_with(owned)) return rest.find("\\temp\\") != std::string_view::npos;
  // Windows' own programs directly in the Windows folder (explorer.exe) are expected; its sub-folders (Debug,
  // Fonts, Temp, Help) are not places programs run from.
  if (rest.starts_with("\\windows\\")) return rest.substr(9).find('\\') != std::string_view::npos;
  return true;
}

std::string bundle_path_for(std::string_view windows_path) {
  if (windows_path.size() < 4 || windows_path[1] != ':' || windows_path[2] != '\\') return {};
  const char drive = windows_path[0];
  if (!((drive >= 'A' && drive <= 'Z') || (drive >= 'a' && drive <= 'z'))) return {};
  std::string out(1, static_cast<char>(drive & ~0x20));
  size_t start = 3;
  while (start <= windows_path.size()) {
    size_t end = windows_path.find('\\', start);
    if (end == std::string_view::npos) end = windows_path.size();
    const std::string_view part = windows_path.substr(start, end - start);
    if (part.empty() || part == "." || part == ".." || part.find_first_of("/:\0") != std::string_view::npos) return {};
    out += '/';
    out += part;
    start = end + 1;
  }
  return out;
}

Result<evidence::BundleManifest> collect_bundle(const WindowsHost& host, const CollectOptions& opts) {
  std::error_code ec;
  const fs::path out = utf8_path(opts.out_dir);
  if (fs::exists(out, ec) && !fs::is_empty(out, ec))
    return Error::make("collect.out_dir",
                       "output folder " + opts.out_dir + " exists and is not empty; choose another --out");
  fs::create_directories(out, ec);
  if (ec) return Error::make("collect.out_dir", "cannot create " + opts.out_dir + ": " + ec.message());

  const SystemFacts facts = host.facts();
  evidence::BundleManifest m;
  m.tool_version = opts.tool_version;
  m.collected_at = opts.collected_at;
  m.hostname = facts.hostname;
  m.os = facts.os;
  m.kernel = facts.version;
  m.platform = "windows";
  Bundle bundle(host, out, m);
  if (!facts.elevated)
    bundle.fail("privileges",
                "not running as administrator: SAM, SECURITY, the Security log, other users' "
                "processes and the boot disk may be missing; run from an elevated prompt for all of it");

  std::vector<ProcessInfo> processes;
  std::vector<ServiceInfo> services;
  write_tables(host, opts, bundle, processes, services);
  if (opts.on_step) opts.on_step("registry");
  const std::vector<std::string> autostarts = collect_registry(host, facts, bundle);
  if (opts.on_step) opts.on_step("accounts");
  write_accounts(host, facts, bundle);
  if (opts.on_step) opts.on_step("event logs");
  collect_event_logs(host, facts, bundle);
  if (opts.on_step) opts.on_step("files");
  collect_files(host, facts, bundle);
  collect_boot_record(host, bundle);
  if (opts.copy_executables) {
    if (opts.on_step) opts.on_step("executables");
    collect_executables(processes, services, autostarts, facts.self_pid, bundle);
  }

  if (auto w = write_new_file(out / utf8_path(evidence::kManifestName), evidence::write_manifest(m)); !w)
    return w.error();
  return m;
}

}  // namespace msw::collect::windows
