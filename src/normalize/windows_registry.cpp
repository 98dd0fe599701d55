#include "normalize/windows_registry.h"

#include <climits>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "core/text.h"
#include "data/embedded.h"
#include "formats/regf/sam_secrets.h"

namespace msw::normalize {
namespace {

namespace regf = formats::regf;

// Autostart keys below SOFTWARE or a user's Software key (the same subpaths in both).
constexpr std::string_view kAutorunKeys[] = {
    "Microsoft\\Windows\\CurrentVersion\\Run",
    "Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "Microsoft\\Windows\\CurrentVersion\\RunServices",
    "Microsoft\\Windows\\CurrentVersion\\RunServicesOnce",
    "Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run",
    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
};

std::string start_type(uint64_t v) {
  switch (v) {
    case 0:
      return "boot";
    case 1:
      return "system";
    case 2:
      return "auto";
    case 3:
      return "demand";
    case 4:
      return "disabled";
    default:
      return std::to_string(v);
  }
}

class Emitter {
 public:
  Emitter(std::string_view path, std::string_view hive_kind, std::vector<model::Event>& out)
      : path_(path), kind_(hive_kind), out_(out) {}

  model::Event& value(const std::string& target_key, const regf::Key& key, const regf::Value& v) {
    return value(target_key, key.last_written(), v);
  }
  model::Event& value(const std::string& target_key, std::optional<Timestamp> written, const regf::Value& v) {
    model::Event e;
    e.category = "registry_set";
    e.product = "windows";
    e.artefact = path_;
    e.time = written;
    e.set(model::Field::EventType, "SetValue");
    e.set(model::Field::TargetObject, target_key + "\\" + (v.name.empty() ? "(Default)" : v.name));
    e.set(model::Field::Details, v.details());
    e.set("ValueType", regf::type_name(v.type));
    e.set("HiveKind", std::string(kind_));
    if (v.truncated) e.set("ValueTruncated", "true");
    out_.push_back(std::move(e));
    return out_.back();
  }

  // An event of another kind than a value write, from the same hive.
  model::Event& event(std::string_view category, std::optional<Timestamp> written) {
    model::Event e;
    e.category = category;
    e.product = "windows";
    e.artefact = path_;
    e.time = written;
    out_.push_back(std::move(e));
    return out_.back();
  }

  void all_values(const std::string& target_key, const regf::Key& key) {
    key.for_each_value([&](const regf::Value& v) {
      value(target_key, key, v);
      return true;
    });
  }

  void named_values(const std::string& target_key, const regf::Key& key,
                    std::initializer_list<std::string_view> names) {
    for (auto n : names)
      if (auto v = key.value(n)) value(target_key, key, *v);
  }

 private:
  std::string_view path_, kind_;
  std::vector<model::Event>& out_;
};

void software_like(const regf::Hive& hive, const std::string& prefix, std::string_view software_key, Emitter& emit) {
  const std::string base = software_key.empty() ? "" : std::string(software_key) + "\\";
  for (auto k : kAutorunKeys)
    if (auto key = hive.find(base + std::string(k))) emit.all_values(prefix + base + std::string(k), *key);
  const std::string winlogon = base + "Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
  if (auto key = hive.find(winlogon)) emit.named_values(prefix + winlogon, *key, {"Shell", "Userinit", "Taskman"});
  const std::string windows = base + "Microsoft\\Windows NT\\CurrentVersion\\Windows";
  if (auto key = hive.find(windows)) emit.named_values(prefix + windows, *key, {"AppInit_DLLs", "Load", "Run"});
  // SQL Server's authentication mode per instance (LoginMode 2: SQL logins such as sa accepted — MyKings' way in).
  for (auto sql : {"Microsoft\\Microsoft SQL Server", "Wow6432Node\\Microsoft\\Microsoft SQL Server"})
    if (auto root = hive.find(base + sql))
      root->for_each_subkey([&](const regf::Key& inst) {
        if (auto server = inst.subkey("MSSQLServer"))
          emit.named_values(prefix + base + sql + "\\" + inst.name() + "\\MSSQLServer", *server, {"LoginMode"});
        return true;
      });
  const std::string ifeo = base + "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options";
  if (auto key = hive.find(ifeo))
    key->for_each_subkey([&](const regf::Key& exe) {
      if (exe.value_count() > 0) emit.named_values(prefix + ifeo + "\\" + exe.name(), exe, {"Debugger", "GlobalFlag"});
      return true;
    });
}

// Keys a worm deleted (or Windows rewrote) that still sit in free cells, where they matter: autostart keys in
// SOFTWARE and NTUSER, services in SYSTEM. Emitted like live values, marked RegistryRecovered, so the same
// heuristics judge them and the report says where they came from.
void recovered_keys(const regf::Hive& hive, HiveKind kind, const std::string& user_prefix, Emitter& emit) {
  for (const auto& k : hive.recover_deleted_keys()) {
    if (k.values.empty()) continue;
    std::string target;
    std::string service;
    if (kind == HiveKind::Software || kind == HiveKind::NtUser) {
      const std::string_view base = kind == HiveKind::NtUser ? "Software\\" : "";
      for (auto a : kAutorunKeys)
        if (iequals_ascii(k.path, std::string(base) + std::string(a)))
          target = (kind == HiveKind::NtUser ? user_prefix : std::string("HKLM\\SOFTWARE\\")) + k.path;
    } else if (kind == HiveKind::System) {
      // ControlSet00N\Services\<name>[\Parameters]
      const std::string lower = to_lower_ascii(k.path);
      const size_t at = lower.find("\\services\\");
      if (lower.starts_with("controlset") && at != std::string::npos) {
        std::string_view rest = std::string_view(k.path).substr(at + 10);
        const size_t slash = rest.find('\\');
        service = std::string(rest.substr(0, slash));
        const std::string_view tail = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
        if (tail.empty() || iequals_ascii(tail, "Parameters")) target = "HKLM\\System\\" + k.path;
      }
    }
    if (target.empty()) continue;
    // Windows frees a key's old cells when it rewrites it: a copy whose value is still live says nothing new.
    const auto live = k.path.starts_with("?") ? std::nullopt : hive.find(k.path);
    for (const auto& v : k.values) {
      if (!service.empty() && !iequals_ascii(v.name, "ImagePath") && !iequals_ascii(v.name, "ServiceDll")) continue;
      if (live)
        if (auto lv = live->value(v.name); lv && lv->details() == v.details()) continue;
      model::Event& e = emit.value(target, k.last_written, v);
      e.set("RegistryRecovered", "deleted key");
      if (!service.empty()) e.set(model::Field::ServiceName, service);
    }
  }
}

// The operating system and what is installed: one "windows_os" event with the version values of
// CurrentVersion and the updates Component Based Servicing lists as installed (KB numbers, and the highest build
// revision of the monthly rollups, which carry every earlier fix) — what the MS17-010 check needs.
void os_and_updates(const regf::Hive& hive, std::string_view path, std::vector<model::Event>& out) {
  auto cv = hive.find("Microsoft\\Windows NT\\CurrentVersion");
  if (!cv) return;
  model::Event e;
  e.category = "windows_os";
  e.product = "windows";
  e.artefact = path;
  e.time = cv->last_written();
  for (auto n : {"ProductName", "EditionID", "CurrentVersion", "CurrentBuild", "CurrentBuildNumber", "UBR",
                 "CSDVersion", "ReleaseId", "DisplayVersion", "InstallationType", "RegisteredOwner"})
    if (auto v = cv->value(n)) {
      const std::string text = v->number() ? std::to_string(*v->number()) : v->text();
      if (!text.empty()) e.set(n, text);
    }
  if (auto v = cv->value("InstallDate"); v && v->number() && *v->number() > 0)
    e.set("InstallDate", to_iso8601(from_unix_seconds(static_cast<int64_t>(*v->number())), 0));
  std::set<std::string> kbs;
  std::string best_rollup;  // "7601.23714"
  uint64_t best_revision = 0;
  size_t packages = 0;
  if (auto pk = hive.find("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"))
    pk->for_each_subkey([&](const regf::Key& k) {
      // Installed (0x70), permanent (0x80) or superseded by a later update that carries the fix (0x50).
      if (auto st = k.value("CurrentState");
          st && st->number() && *st->number() != 0x70 && *st->number() != 0x80 && *st->number() != 0x50)
        return true;
      ++packages;
      const std::string name = k.name();
      for (size_t at = name.find("KB"); at != std::string::npos; at = name.find("KB", at + 2)) {
        size_t end = at + 2;
        while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
        if (end - at >= 8) kbs.insert(name.substr(at, end - at));
      }
      if (name.starts_with("Package_for_RollupFix~") || name.starts_with("Package_for_RollupFix_")) {
        // ...~~7601.23714.1.2: build.revision of the rollup
        const size_t v = name.rfind('~');
        const std::string ver = v == std::string::npos ? "" : name.substr(v + 1);
        const size_t dot = ver.find('.');
        if (dot != std::string::npos) {
          uint64_t rev = 0;
          size_t i = dot + 1;
          for (; i < ver.size() && ver[i] >= '0' && ver[i] <= '9' && rev < 1000000; ++i)
            rev = rev * 10 + static_cast<uint64_t>(ver[i] - '0');
          if (rev > best_revision) {
            best_revision = rev;
            best_rollup = ver.substr(0, i);
          }
        }
      }
      return true;
    });
  std::string list;
  for (const auto& kb : kbs) list += (list.empty() ? "" : ",") + kb;
  e.set("InstalledPackages", std::to_string(packages));
  if (!list.empty()) e.set("InstalledKBs", list);
  if (!best_rollup.empty()) e.set("LatestRollup", best_rollup);
  out.push_back(std::move(e));
}

// Task Scheduler's cache in SOFTWARE: Tree\<path> (Id, Index, SD) names each task, Tasks\{Id} holds its path and
// actions. A task whose Tree key lost its SD value (or has Index 0) is hidden from schtasks and the Task Scheduler
// UI but still runs — a known way to hide a task.
struct CachedAction {
  std::string command, arguments;
};
std::vector<CachedAction> task_actions(Bytes blob) {
  std::vector<CachedAction> out;
  auto parse = [&](bool with_context) -> bool {
    out.clear();
    ByteReader r(blob);
    auto version = r.u16le();
    if (!version) return false;
    auto str = [&]() -> std::optional<std::string> {
      auto n = r.u32le();
      if (!n || *n > 65536 || (*n % 2)) return std::nullopt;
      auto b = r.bytes(*n);
      if (!b) return std::nullopt;
      return utf16le_to_utf8(*b).utf8;
    };
    if (with_context && !str()) return false;
    while (r.remaining() >= 2 && out.size() < 32) {
      auto magic = r.u16le();
      if (!magic) return false;
      if (!str()) return false;  // action id
      if (*magic == 0x6666) {
        auto cmd = str();
        auto args = str();
        auto dir = str();
        if (!cmd || !args || !dir) return false;
        out.push_back({*cmd, *args});
        if (*version >= 3 && r.remaining() >= 2) (void)r.u16le();
      } else if (*magic == 0x7777) {
        if (!r.skip(16) || !str()) return false;
        out.push_back({"COM handler", ""});
      } else {
        break;  // e-mail and message actions: nothing to run
      }
    }
    return !out.empty();
  };
  if (!parse(true) && !parse(false)) out.clear();
  return out;
}

void task_cache(const regf::Hive& hive, std::string_view path, std::vector<model::Event>& out) {
  const std::string base = "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache";
  auto tree = hive.find(base + "\\Tree");
  if (!tree) return;
  auto tasks = hive.find(base + "\\Tasks");
  size_t emitted = 0;
  std::function<void(const regf::Key&, const std::string&, int)> visit = [&](const regf::Key& k,
                                                                             const std::string& name, int depth) {
    if (depth > 32 || emitted > 20000) return;
    if (auto id = k.value("Id"); id && !id->text().empty()) {
      model::Event e;
      e.category = "scheduled_task";
      e.product = "windows";
      e.artefact = path;
      e.time = k.last_written();
      e.set(model::Field::TaskName, name);
      e.set("TaskSource", "TaskCache");
      e.set("TaskId", id->text());
      const bool sd = k.value("SD").has_value();
      auto index = k.value("Index");
      e.set("TaskSdRemoved", sd ? "false" : "true");
      if (index && index->number()) e.set("TaskIndex", std::to_string(*index->number()));
      std::vector<CachedAction> actions;
      if (tasks)
        if (auto t = tasks->subkey(id->text())) {
          if (auto a = t->value("Actions")) actions = task_actions(a->data());
          if (auto au = t->value("Author"); au && !au->text().empty()) e.set("TaskAuthor", au->text());
        }
      if (actions.empty()) {
        out.push_back(e);
        ++emitted;
      }
      for (const auto& a : actions) {
        model::Event x = e;
        x.set(model::Field::Image, a.command);
        x.set(model::Field::CommandLine, a.arguments.empty() ? a.command : a.command + " " + a.arguments);
        out.push_back(std::move(x));
        ++emitted;
      }
    }
    k.for_each_subkey([&](const regf::Key& sub) {
      visit(sub, name + "\\" + sub.name(), depth + 1);
      return true;
    });
  };
  tree->for_each_subkey([&](const regf::Key& k) {
    visit(k, "\\" + k.name(), 0);
    return true;
  });
}

// Who the host is on the network — its name and its interfaces' addresses — so a case of several hosts can tell
// which of them logged on to which (correlate/spread).
void host_identity(const regf::Hive& hive, const std::string& control_set, Emitter& emit) {
  auto cn = hive.find(control_set + "\\Control\\ComputerName\\ComputerName");
  auto name = cn ? cn->value("ComputerName") : std::nullopt;
  if (!name || name->text().empty()) return;
  std::set<std::string> addresses;
  if (auto ifaces = hive.find(control_set + "\\Services\\Tcpip\\Parameters\\Interfaces"))
    ifaces->for_each_subkey([&](const regf::Key& i) {
      for (auto n : {"IPAddress", "DhcpIPAddress"})
        if (auto v = i.value(n))
          for (const auto& a : v->type == regf::kRegMultiSz ? v->strings() : std::vector{v->text()})
            if (!a.empty() && a != "0.0.0.0" && addresses.size() < 64) addresses.insert(a);
      return true;
    });
  auto& e = emit.event("host_identity", cn->last_written());
  e.set(model::Field::Computer, name->text());
  std::string joined;
  for (const auto& a : addresses) joined += (joined.empty() ? "" : ",") + a;
  if (!joined.empty()) e.set("IpAddresses", joined);
}

void system_hive(const regf::Hive& hive, Emitter& emit, Diagnostics& diags, std::string_view path) {
  const std::string name = regf::current_control_set(hive);
  auto set = hive.find(name);
  if (!set) {
    diags.add("regf.no_control_set", DiagSeverity::Warning, std::string(path), 0,
              std::string("the SYSTEM hive has no ") + name + " (named by Select\\Current)");
    return;
  }
  const std::string ccs = "HKLM\\System\\CurrentControlSet";
  if (auto services = set->subkey("Services"))
    services->for_each_subkey([&](const regf::Key& svc) {
      const std::string key_path = ccs + "\\Services\\" + svc.name();
      auto describe = [&](model::Event& e) {
        e.set(model::Field::ServiceName, svc.name());
        if (auto v = svc.value("DisplayName")) e.set("ServiceDisplayName", v->text());
        if (auto v = svc.value("Start"); v && v->number()) e.set("StartType", start_type(*v->number()));
        if (auto v = svc.value("Type"); v && v->number()) e.set("ServiceType", std::to_string(*v->number()));
        if (auto v = svc.value("ObjectName")) e.set("ServiceAccount", v->text());
      };
      if (auto image = svc.value("ImagePath")) describe(emit.value(key_path, svc, *image));
      if (auto params = svc.subkey("Parameters"))
        if (auto dll = params->value("ServiceDll")) describe(emit.value(key_path + "\\Parameters", *params, *dll));
      return true;
    });
  if (auto ifaces = hive.find(std::string(name) + "\\Services\\Tcpip\\Parameters\\Interfaces"))
    ifaces->for_each_subkey([&](const regf::Key& i) {
      for (auto n : {"NameServer", "DhcpNameServer"})
        if (auto v = i.value(n); v && !v->text().empty())
          emit.value(ccs + "\\Services\\Tcpip\\Parameters\\Interfaces\\" + i.name(), i, *v);
      return true;
    });
  host_identity(hive, name, emit);
  if (auto ts = set->subkey("Control"))
    if (auto t = ts->subkey("Terminal Server")) {
      emit.named_values(ccs + "\\Control\\Terminal Server", *t, {"fDenyTSConnections"});
      if (auto ws = hive.find(std::string(name) + "\\Control\\Terminal Server\\WinStations\\RDP-Tcp"))
        emit.named_values(ccs + "\\Control\\Terminal Server\\WinStations\\RDP-Tcp", *ws,
                          {"PortNumber", "UserAuthentication", "SecurityLayer"});
    }
  if (auto lanman = hive.find(std::string(name) + "\\Services\\LanmanServer\\Parameters"))
    emit.named_values(ccs + "\\Services\\LanmanServer\\Parameters", *lanman, {"SMB1", "SMB2"});
  for (auto profile : {"DomainProfile", "StandardProfile", "PublicProfile"}) {
    const std::string sub = "\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\" + std::string(profile);
    if (auto fw = hive.find(std::string(name) + sub)) emit.named_values(ccs + sub, *fw, {"EnableFirewall"});
  }
}

// Amcache: one event per executable Windows recorded, with its SHA-1 (what vendor reports list). Windows 10 keeps
// them under Root\InventoryApplicationFile (FileId = "0000" + SHA-1), Windows 8/7 under Root\File\{volume}\{id}
// (value 101 = "0000" + SHA-1, 15 = path).
void amcache(const regf::Hive& hive, std::string_view path, std::vector<model::Event>& out) {
  // value name in the entry key -> event field; one pass over each entry's values.
  using Names = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  auto emit = [&](const regf::Key& key, std::string_view id_value, std::string_view path_value, Names extra) {
    model::Event e;
    e.category = "amcache_entry";
    e.product = "windows";
    e.artefact = path;
    e.time = key.last_written();
    key.for_each_value([&](const regf::Value& v) {
      const std::string text = v.number() ? std::to_string(*v.number()) : v.text();
      if (text.empty()) return true;
      if (iequals_ascii(v.name, id_value)) {
        // "0000" + SHA-1.
        const std::string_view sha1 =
            text.size() == 44 && text.starts_with("0000") ? std::string_view(text).substr(4) : text;
        if (sha1.size() == 40) e.set(model::Field::Hashes, "SHA1=" + to_lower_ascii(sha1));
      } else if (iequals_ascii(v.name, path_value)) {
        e.set(model::Field::Image, text);
      } else {
        for (const auto& [value, field] : extra)
          if (iequals_ascii(v.name, value)) e.set(field, text);
      }
      return true;
    });
    out.push_back(std::move(e));
  };
  if (auto inventory = hive.find("Root\\InventoryApplicationFile"))
    inventory->for_each_subkey([&](const regf::Key& k) {
      emit(k, "FileId", "LowerCaseLongPath",
           {{"Name", "AmcacheName"},
            {"Publisher", "AmcachePublisher"},
            {"Version", "AmcacheVersion"},
            {"LinkDate", "AmcacheLinkDate"},
            {"BinaryType", "AmcacheBinaryType"},
            {"ProductName", "AmcacheProduct"}});
      return true;
    });
  if (auto files = hive.find("Root\\File"))
    files->for_each_subkey([&](const regf::Key& volume) {
      volume.for_each_subkey([&](const regf::Key& k) {
        emit(k, "101", "15", {{"0", "AmcacheProduct"}, {"1", "AmcachePublisher"}, {"d", "AmcacheVersion"}});
        return true;
      });
      return true;
    });
}

// SAM: the local accounts. Users\<RID> holds F (fixed: times, RID, flags, counters) and V (variable: the name at
// the offset its header gives, relative to 0xCC); Users\Names\<name> was written when the account was created.
// Whether an NT hash is a password from the guessing lists (or the account's name with common suffixes).
bool weak_nt_hash(const regf::Key16& hash, std::string_view user) {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    if (auto text = data::embedded_file("passwords/weak.txt"))
      data::for_each_content_line(*text, [&](std::string_view l, size_t) { out.emplace_back(l); });
    return out;
  }();
  for (const auto& c : list)
    if (regf::nt_hash_of(c) == hash) return true;
  for (auto suffix : {"", "123", "@123", "123456", "2024", "2025", "2026", "!"})
    if (regf::nt_hash_of(std::string(user) + suffix) == hash) return true;
  return false;
}

void sam_accounts(const regf::Hive& hive, std::string_view path, std::vector<model::Event>& out,
                  const std::optional<regf::Key16>& boot_key) {
  auto users = hive.find("SAM\\Domains\\Account\\Users");
  if (!users) return;
  std::map<uint32_t, std::optional<Timestamp>> created;  // RID -> the Names key's write time
  if (auto names = users->subkey("Names"))
    names->for_each_subkey([&](const regf::Key& n) {
      if (auto rid = n.value("")) created[rid->type] = n.last_written();  // the default value's type is the RID
      return true;
    });
  // F is at least 68 bytes (checked below), so every field read here is inside it.
  auto filetime_at = [](Bytes b, size_t at) -> std::string {
    const uint64_t ft = wire::le64(b, at);
    if (ft == 0 || ft == 0x7FFFFFFFFFFFFFFFull) return {};  // never, or "does not expire"
    auto t = from_filetime(ft);
    return t ? to_iso8601(*t, 0) : std::string();
  };
  using wire::le16;
  using wire::le32;
  // Administrators (Builtin\Aliases\00000220, value C): after a 0x34-byte header that gives the members' offset
  // (at 0x28, relative to 0x34) and count (0x30), the member SIDs one after another. Local accounts are the SIDs of
  // this machine's domain (Domains\Account\V ends with it); their last sub-authority is the RID.
  // With the SYSTEM hive's boot key, each account's NT hash is tested against the guessing lists; only the answer
  // is kept.
  std::optional<regf::Key16> hashed_boot_key;
  if (auto acct = hive.find("SAM\\Domains\\Account"))
    if (auto f = acct->value("F"); f && f->data().size() >= 0x58) {
      if (boot_key) hashed_boot_key = regf::hashed_boot_key(f->data(), *boot_key);
      // The local password policy (the domain's fixed part: ages as negative 100 ns intervals, then properties,
      // minimum length, history and the lockout threshold).
      const Bytes p = f->data();
      model::Event e;
      e.category = "password_policy";
      e.product = "windows";
      e.artefact = path;
      e.time = acct->last_written();
      e.set("MinPasswordLength", std::to_string(wire::le16(p, 80)));
      e.set("PasswordHistoryLength", std::to_string(wire::le16(p, 82)));
      e.set("LockoutThreshold", std::to_string(wire::le16(p, 84)));
      e.set("PasswordComplexity", (wire::le32(p, 76) & 1) ? "true" : "false");
      const auto max_age = static_cast<int64_t>(wire::le64(p, 24));
      e.set("MaxPasswordAgeDays",
            max_age == INT64_MIN || max_age == 0 ? "never" : std::to_string(-max_age / 864000000000LL));
      out.push_back(std::move(e));
    }
  std::set<uint32_t> admin_rids;
  std::string machine_sid;  // binary S-1-5-21-a-b-c
  if (auto acct = hive.find("SAM\\Domains\\Account"))
    if (auto v = acct->value("V"); v && v->data().size() >= 24) {
      const Bytes d = v->data().last(24);
      if (d[0] == std::byte{1} && d[1] == std::byte{4}) machine_sid = std::string(as_chars(d));
    }
  if (auto alias = hive.find("SAM\\Domains\\Builtin\\Aliases\\00000220"))
    if (auto c = alias->value("C"); c && c->data().size() >= 0x34) {
      const Bytes cb = c->data();
      size_t at = 0x34 + size_t{le32(cb, 0x28)};
      const uint32_t count = std::min<uint32_t>(le32(cb, 0x30), 1024);
      for (uint32_t i = 0; i < count && at + 8 <= cb.size(); ++i) {
        const auto subs = static_cast<size_t>(cb[at + 1]);
        const size_t len = 8 + 4 * subs;
        if (subs == 0 || subs > 15 || at + len > cb.size()) break;
        // Same authority and domain sub-authorities as the machine (its SID has one sub-authority fewer).
        const bool local = subs == 5 && (machine_sid.empty() ||
                                         as_chars(cb.subspan(at + 2, 22)) == std::string_view(machine_sid).substr(2));
        if (local) admin_rids.insert(le32(cb, at + len - 4));
        at += len;
      }
    }
  users->for_each_subkey([&](const regf::Key& k) {
    auto f = k.value("F");
    auto v = k.value("V");
    if (!f || !v || f->data().size() < 68 || v->data().size() < 0xCC) return true;
    const Bytes fb = f->data(), vb = v->data();
    const uint32_t rid = le32(fb, 48);
    const size_t name_off = 0xCC + size_t{le32(vb, 0x0C)}, name_len = le32(vb, 0x10);
    std::string name;
    if (name_off <= vb.size() && name_len <= vb.size() - name_off)
      name = utf16le_to_utf8(vb.subspan(name_off, name_len)).utf8;
    model::Event e;
    e.category = "local_account";
    e.product = "windows";
    e.artefact = path;
    if (auto it = created.find(rid); it != created.end()) e.time = it->second;
    e.set(model::Field::TargetUserName, name);
    e.set("Rid", std::to_string(rid));
    e.set("AccountDisabled", (le16(fb, 56) & 0x0001) ? "true" : "false");
    e.set("AdminGroup", admin_rids.count(rid) ? "true" : "false");
    if (hashed_boot_key) {
      e.set("PasswordChecked", "true");
      const auto nt = regf::nt_hash(vb, rid, *hashed_boot_key);
      if (!nt || *nt == regf::nt_hash_of(""))
        e.set("BlankPassword", "true");
      else if (weak_nt_hash(*nt, name))
        e.set("WeakPassword", "true");
    }
    if (auto t = filetime_at(fb, 8); !t.empty()) e.set("LastLogon", t);
    if (auto t = filetime_at(fb, 24); !t.empty()) e.set("PasswordLastSet", t);
    if (auto t = filetime_at(fb, 40); !t.empty()) e.set("LastFailedLogon", t);
    e.set("LogonCount", std::to_string(le16(fb, 66)));
    e.set("FailedLogonCount", std::to_string(le16(fb, 64)));
    if (e.time) e.set("Created", to_iso8601(*e.time, 0));
    out.push_back(std::move(e));
    return true;
  });
}

// "C:/x/Users/bob/NTUSER.DAT" → "bob"; the folder names the user when the hive does not.
std::string user_of(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  if (slash == std::string_view::npos || slash == 0) return "USER";
  const std::string_view dir = path.substr(0, slash);
  const size_t prev = dir.find_last_of("/\\");
  const std::string_view user = prev == std::string_view::npos ? dir : dir.substr(prev + 1);
  return user.empty() ? "USER" : std::string(user);
}

}  // namespace

std::string_view to_string(HiveKind k) {
  switch (k) {
    case HiveKind::Software:
      return "SOFTWARE";
    case HiveKind::System:
      return "SYSTEM";
    case HiveKind::Sam:
      return "SAM";
    case HiveKind::Security:
      return "SECURITY";
    case HiveKind::NtUser:
      return "NTUSER";
    case HiveKind::UsrClass:
      return "UsrClass";
    case HiveKind::Amcache:
      return "Amcache";
    case HiveKind::Unknown:
      break;
  }
  return "unknown";
}

HiveKind classify_hive(const regf::Hive& hive) {
  const regf::Key root = hive.root();
  auto has = [&](std::string_view path) { return hive.find(path).has_value(); };
  if (has("Select") && (has("ControlSet001") || has("ControlSet002"))) return HiveKind::System;
  if (has("SAM\\Domains")) return HiveKind::Sam;
  if (has("Policy") && has("RXACT")) return HiveKind::Security;
  if (has("Root\\InventoryApplicationFile") || has("Root\\File") || has("Root\\Programs")) return HiveKind::Amcache;
  // SOFTWARE by its Microsoft keys at the root (NTUSER.DAT holds them below Software\), with or without Classes:
  // reduced and exported hives often lack it.
  if (has("Microsoft\\Windows NT\\CurrentVersion") || has("Microsoft\\Windows\\CurrentVersion"))
    return HiveKind::Software;
  if (has("Software") && (has("Environment") || has("Control Panel") || has("Console"))) return HiveKind::NtUser;
  if (has("Local Settings") || (root.subkey_count() > 0 && has("CLSID") && !has("Software"))) return HiveKind::UsrClass;
  return HiveKind::Unknown;
}

Result<void> registry_hive_events(Bytes bytes, std::string_view path, Diagnostics& diags,
                                  std::vector<model::Event>& out, const std::optional<formats::regf::Key16>& boot_key) {
  auto hive = regf::Hive::open(bytes, path, diags);
  if (!hive) return hive.error();
  const HiveKind kind = classify_hive(*hive);
  Emitter emit(path, to_string(kind), out);
  switch (kind) {
    case HiveKind::Software:
      software_like(*hive, "HKLM\\SOFTWARE\\", "", emit);
      os_and_updates(*hive, path, out);
      task_cache(*hive, path, out);
      break;
    case HiveKind::NtUser:
      software_like(*hive, "HKU\\" + user_of(path) + "\\", "Software", emit);
      break;
    case HiveKind::System:
      system_hive(*hive, emit, diags, path);
      break;
    case HiveKind::Amcache:
      amcache(*hive, path, out);
      break;
    case HiveKind::Sam:
      sam_accounts(*hive, path, out, boot_key);
      break;
    case HiveKind::Unknown: {
      std::string roots;
      size_t n = 0;
      hive->root().for_each_subkey([&](const regf::Key& k) {
        if (n++ < 8) roots += (roots.empty() ? "" : ", ") + k.name();
        return true;
      });
      diags.add("regf.unclassified", DiagSeverity::Warning, std::string(path), 0,
                "a registry hive whose root keys (" + (roots.empty() ? std::string("none") : roots) +
                    ") match none that minesweep reads (SYSTEM, SOFTWARE, SAM, SECURITY, NTUSER.DAT, UsrClass.dat, "
                    "Amcache.hve): its values were not examined");
      break;
    }
    default:
      break;
  }
  if (kind == HiveKind::Software || kind == HiveKind::NtUser || kind == HiveKind::System)
    recovered_keys(*hive, kind, "HKU\\" + user_of(path) + "\\", emit);
  if (hive->damage())
    diags.add("regf.damaged", DiagSeverity::Warning, std::string(path), 0,
              std::to_string(hive->damage()) + " cells could not be read (bad offsets, signatures or lists)");
  return {};
}

}  // namespace msw::normalize
