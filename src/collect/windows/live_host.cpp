#include "collect/windows/live_host.h"

// winsock2.h before windows.h, windows.h before the API headers: an order include sorting must not change.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <bcrypt.h>
#include <iphlpapi.h>
#include <lm.h>
#include <psapi.h>
#include <softpub.h>
#include <taskschd.h>
#include <tlhelp32.h>
#include <wincrypt.h>
#include <winevt.h>
#include <wbemidl.h>
#include <wintrust.h>
#include <winternl.h>
// clang-format on

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>

#include "collect/windows/wide_text.h"

namespace msw::collect::windows {
namespace {

std::string system_message(DWORD code) {
  wchar_t* buf = nullptr;
  const DWORD n =
      FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                     nullptr, code, 0, reinterpret_cast<wchar_t*>(&buf), 0, nullptr);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
  std::string s;
  if (n)
    s = utf8(buf, n);
  else if (code == 0x8004100E)
    s = "WMI has no such namespace";  // WBEM_E_INVALID_NAMESPACE
  else if (code == 0x80041003)
    s = "WMI refused access";  // WBEM_E_ACCESS_DENIED
  else
    s = "error";
  if (buf) LocalFree(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '.')) s.pop_back();
  return s + " (" + (code > 0xFFFF ? std::string(hex) : std::to_string(code)) + ")";
}

Error win_error(std::string code, const std::string& what, DWORD err) {
  return Error::make(std::move(code), what + ": " + system_message(err));
}

Error file_error(const std::string& what, DWORD err) {
  if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return win_error("file.missing", what, err);
  if (err == ERROR_SHARING_VIOLATION || err == ERROR_LOCK_VIOLATION)
    return win_error("file.denied", what + " is in use by Windows (reading locked files needs a raw volume reader)",
                     err);
  return win_error("file.denied", what, err);
}

// BCrypt's SHA-256 (Windows' own, so the exe needs no crypto library), fed as bytes pass through.
class Sha256 {
 public:
  Sha256() {
    if (BCryptOpenAlgorithmProvider(&alg_, BCRYPT_SHA256_ALGORITHM, nullptr, 0) != 0) alg_ = nullptr;
    if (alg_ && BCryptCreateHash(alg_, &hash_, nullptr, 0, nullptr, 0, 0) != 0) hash_ = nullptr;
  }
  ~Sha256() {
    if (hash_) BCryptDestroyHash(hash_);
    if (alg_) BCryptCloseAlgorithmProvider(alg_, 0);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const char* data, DWORD n) {
    if (hash_) BCryptHashData(hash_, reinterpret_cast<PUCHAR>(const_cast<char*>(data)), n, 0);
  }
  Result<std::string> hex() {
    unsigned char digest[32];
    if (!hash_ || BCryptFinishHash(hash_, digest, sizeof digest, 0) != 0)
      return Error::make("file.hash", "Windows' BCrypt SHA-256 is not available");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : digest) {
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
    return out;
  }

 private:
  BCRYPT_ALG_HANDLE alg_ = nullptr;
  BCRYPT_HASH_HANDLE hash_ = nullptr;
};

struct HandleCloser {
  void operator()(HANDLE h) const {
    if (h && h != INVALID_HANDLE_VALUE) CloseHandle(h);
  }
};
using Handle = std::unique_ptr<void, HandleCloser>;

struct KeyCloser {
  void operator()(HKEY k) const { RegCloseKey(k); }
};
using Key = std::unique_ptr<std::remove_pointer_t<HKEY>, KeyCloser>;

int64_t filetime_to_unix(const FILETIME& ft) {
  const uint64_t t = (static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  return t < 116444736000000000ull ? 0 : static_cast<int64_t>((t - 116444736000000000ull) / 10000000ull);
}
double filetime_seconds(const FILETIME& ft) {
  return static_cast<double>((static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime) / 1e7;
}

// Turns a privilege on in this process's own token (the backup privilege lets an administrator save hives and
// read files regardless of their ACLs). Nothing outside this process changes.
bool enable_privilege(const wchar_t* name) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token)) return false;
  Handle guard(token);
  TOKEN_PRIVILEGES tp{};
  tp.PrivilegeCount = 1;
  tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (!LookupPrivilegeValueW(nullptr, name, &tp.Privileges[0].Luid)) return false;
  return AdjustTokenPrivileges(token, FALSE, &tp, 0, nullptr, nullptr) && GetLastError() == ERROR_SUCCESS;
}

std::string account_of_sid(PSID sid) {
  wchar_t name[256], domain[256];
  DWORD nn = 256, dn = 256;
  SID_NAME_USE use;
  if (!LookupAccountSidW(nullptr, sid, name, &nn, domain, &dn, &use)) return {};
  return dn ? utf8(domain) + "\\" + utf8(name) : utf8(name);
}

std::string process_user(HANDLE process) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(process, TOKEN_QUERY, &token)) return {};
  Handle guard(token);
  DWORD need = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &need);
  if (need == 0 || need > 4096) return {};
  std::string buf(need, '\0');
  if (!GetTokenInformation(token, TokenUser, buf.data(), need, &need)) return {};
  return account_of_sid(reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid);
}

// The command line from the process's own parameters: NtQueryInformationProcess(ProcessCommandLineInformation)
// on Windows 8.1 and later, else read from its PEB (ProcessParameters->CommandLine) as debuggers do.
std::string process_command_line(HANDLE process) {
  using QueryFn = LONG(WINAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
  static const auto query = reinterpret_cast<QueryFn>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess")));
  if (!query) return {};
  constexpr ULONG kProcessCommandLineInformation = 60;
  std::string buf(8192, '\0');
  ULONG len = 0;
  if (query(process, kProcessCommandLineInformation, buf.data(), static_cast<ULONG>(buf.size()), &len) == 0) {
    const auto* us = reinterpret_cast<const UNICODE_STRING*>(buf.data());
    return utf8(us->Buffer, std::min<size_t>(us->Length / 2, 16384));
  }
  PROCESS_BASIC_INFORMATION pbi{};
  if (query(process, 0 /*ProcessBasicInformation*/, &pbi, sizeof pbi, &len) != 0 || !pbi.PebBaseAddress) return {};
  // 64-bit layouts: PEB.ProcessParameters at 0x20; RTL_USER_PROCESS_PARAMETERS.CommandLine at 0x70.
  uint64_t params = 0;
  SIZE_T got = 0;
  if (!ReadProcessMemory(process, reinterpret_cast<const char*>(pbi.PebBaseAddress) + 0x20, &params, sizeof params,
                         &got) ||
      !params)
    return {};
  struct {
    uint16_t length, max_length;
    uint32_t pad;
    uint64_t buffer;
  } cmd{};
  if (!ReadProcessMemory(process, reinterpret_cast<const void*>(params + 0x70), &cmd, sizeof cmd, &got) || !cmd.buffer)
    return {};
  std::wstring w(std::min<size_t>(cmd.length / 2, 16384), L'\0');
  if (!ReadProcessMemory(process, reinterpret_cast<const void*>(cmd.buffer), w.data(), w.size() * 2, &got)) return {};
  return utf8(w);
}

// Authenticode status of an image's embedded signature (catalog-signed system files read as unsigned, so only
// images outside Windows' folders are checked). No revocation check: the host may be offline.
std::string signer_status(const std::wstring& path) {
  WINTRUST_FILE_INFO file{};
  file.cbStruct = sizeof file;
  file.pcwszFilePath = path.c_str();
  WINTRUST_DATA data{};
  data.cbStruct = sizeof data;
  data.dwUIChoice = WTD_UI_NONE;
  data.fdwRevocationChecks = WTD_REVOKE_NONE;
  data.dwUnionChoice = WTD_CHOICE_FILE;
  data.pFile = &file;
  data.dwStateAction = WTD_STATEACTION_VERIFY;
  data.dwProvFlags = WTD_CACHE_ONLY_URL_RETRIEVAL;
  GUID action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
  const LONG rc = WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  data.dwStateAction = WTD_STATEACTION_CLOSE;
  WinVerifyTrust(static_cast<HWND>(INVALID_HANDLE_VALUE), &action, &data);
  return rc == 0 ? "signed" : rc == static_cast<LONG>(TRUST_E_NOSIGNATURE) ? "unsigned" : "invalid signature";
}

bool outside_windows_folders(const std::string& image) {
  std::string l = image;
  std::transform(l.begin(), l.end(), l.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return !(l.find(":\\windows\\") == 1 || l.find(":\\program files") == 1);
}

std::string ip_text(int family, const void* addr) {
  char buf[64] = {};
  return inet_ntop(family, const_cast<void*>(addr), buf, sizeof buf) ? std::string(buf) : std::string();
}

std::string tcp_state(DWORD s) {
  switch (s) {
    case MIB_TCP_STATE_CLOSED:
      return "CLOSE";
    case MIB_TCP_STATE_LISTEN:
      return "LISTEN";
    case MIB_TCP_STATE_SYN_SENT:
      return "SYN_SENT";
    case MIB_TCP_STATE_SYN_RCVD:
      return "SYN_RECV";
    case MIB_TCP_STATE_ESTAB:
      return "ESTABLISHED";
    case MIB_TCP_STATE_FIN_WAIT1:
      return "FIN_WAIT1";
    case MIB_TCP_STATE_FIN_WAIT2:
      return "FIN_WAIT2";
    case MIB_TCP_STATE_CLOSE_WAIT:
      return "CLOSE_WAIT";
    case MIB_TCP_STATE_CLOSING:
      return "CLOSING";
    case MIB_TCP_STATE_LAST_ACK:
      return "LAST_ACK";
    case MIB_TCP_STATE_TIME_WAIT:
      return "TIME_WAIT";
    default:
      return "UNKNOWN";
  }
}

// The IP Helper "size, then fill" protocol, retried while the table grows between the two calls.
template <typename Fn>
Result<std::string> ip_table(const char* what, Fn&& fill) {
  DWORD size = 0;
  std::string buf;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const DWORD rc = fill(buf.empty() ? nullptr : buf.data(), &size);
    if (rc == NO_ERROR) return buf;
    if (rc != ERROR_INSUFFICIENT_BUFFER) return win_error("collect.connections", what, rc);
    if (size > (64u << 20)) return Error::make("collect.connections", std::string(what) + ": table larger than 64 MiB");
    buf.assign(size + 4096, '\0');
    size = static_cast<DWORD>(buf.size());
  }
  return Error::make("collect.connections", std::string(what) + ": the table kept growing");
}

Result<HKEY> open_key(const std::string& path, REGSAM extra = 0, DWORD options = 0) {
  HKEY root = HKEY_LOCAL_MACHINE;
  std::string sub = path;
  if (path == "HKU" || path.starts_with("HKU\\")) {
    root = HKEY_USERS;
    sub = path.size() > 4 ? path.substr(4) : "";
  }
  HKEY key = nullptr;
  const LONG rc = RegOpenKeyExW(root, wide(sub).c_str(), options, KEY_READ | KEY_WOW64_64KEY | extra, &key);
  if (rc == ERROR_FILE_NOT_FOUND) return Error::make("registry.missing", path + " does not exist");
  if (rc != ERROR_SUCCESS) return win_error("registry.denied", path, static_cast<DWORD>(rc));
  return key;
}

std::string reg_string(HKEY key, const wchar_t* sub, const wchar_t* name) {
  wchar_t buf[2048];
  DWORD size = sizeof buf;
  if (RegGetValueW(key, sub, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, nullptr, buf, &size) !=
      ERROR_SUCCESS)
    return {};
  return utf8(buf);
}

}  // namespace

SystemFacts LiveHost::facts() const {
  SystemFacts f;
  wchar_t name[256];
  DWORD n = 256;
  if (GetComputerNameExW(ComputerNameDnsHostname, name, &n)) f.hostname = utf8(name, n);
  wchar_t windir[MAX_PATH];
  if (const UINT len = GetSystemWindowsDirectoryW(windir, MAX_PATH); len > 0 && len < MAX_PATH)
    f.system_root = utf8(windir, len);
  // RtlGetVersion tells the truth whatever the manifest; GetVersionEx lies to unmanifested programs.
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  if (auto fn = reinterpret_cast<RtlGetVersionFn>(
          reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "RtlGetVersion")))) {
    OSVERSIONINFOW v{};
    v.dwOSVersionInfoSize = sizeof v;
    if (fn(&v) == 0)
      f.version = std::to_string(v.dwMajorVersion) + "." + std::to_string(v.dwMinorVersion) + "." +
                  std::to_string(v.dwBuildNumber);
  }
  f.os = reg_string(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", L"ProductName");
  if (f.os.empty()) f.os = "Windows";
  HANDLE token = nullptr;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    Handle guard(token);
    TOKEN_ELEVATION e{};
    DWORD len = 0;
    if (GetTokenInformation(token, TokenElevation, &e, sizeof e, &len)) f.elevated = e.TokenIsElevated != 0;
  }
  if (f.elevated) enable_privilege(SE_BACKUP_NAME);
  f.self_pid = GetCurrentProcessId();
  return f;
}

Result<std::vector<ProcessInfo>> LiveHost::processes(int sample_ms) const {
  Handle snap(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (snap.get() == INVALID_HANDLE_VALUE)
    return win_error("collect.processes", "CreateToolhelp32Snapshot", GetLastError());
  PROCESSENTRY32W e{};
  e.dwSize = sizeof e;
  std::vector<ProcessInfo> out;
  std::vector<Handle> handles;
  std::vector<double> cpu_before;
  std::map<std::string, std::string> signers;  // one check per image
  for (BOOL ok = Process32FirstW(snap.get(), &e); ok && out.size() < 100'000; ok = Process32NextW(snap.get(), &e)) {
    ProcessInfo p;
    p.pid = e.th32ProcessID;
    p.ppid = e.th32ParentProcessID;
    p.name = utf8(e.szExeFile);
    p.threads = e.cntThreads;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE, p.pid);
    if (!h) h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, p.pid);
    double cpu = 0;
    if (h) {
      wchar_t image[32768];
      DWORD len = 32768;
      if (QueryFullProcessImageNameW(h, 0, image, &len)) p.image = utf8(image, len);
      FILETIME created, exited, kernel, user;
      if (GetProcessTimes(h, &created, &exited, &kernel, &user)) {
        p.start_unix = filetime_to_unix(created);
        cpu = filetime_seconds(kernel) + filetime_seconds(user);
        p.cpu_seconds = cpu;
      }
      PROCESS_MEMORY_COUNTERS mem{};
      if (GetProcessMemoryInfo(h, &mem, sizeof mem)) p.working_set_kb = mem.WorkingSetSize / 1024;
      p.user = process_user(h);
      p.command_line = process_command_line(h);
      if (!p.image.empty() && outside_windows_folders(p.image)) {
        auto [it, fresh] = signers.try_emplace(p.image);
        if (fresh) it->second = signer_status(wide(p.image));
        p.signer = it->second;
      }
    }
    handles.emplace_back(h);
    cpu_before.push_back(cpu);
    out.push_back(std::move(p));
  }
  if (sample_ms > 0) {
    Sleep(static_cast<DWORD>(sample_ms));
    for (size_t i = 0; i < out.size(); ++i) {
      FILETIME created, exited, kernel, user;
      if (!handles[i] || !GetProcessTimes(handles[i].get(), &created, &exited, &kernel, &user)) continue;
      const double now = filetime_seconds(kernel) + filetime_seconds(user);
      out[i].cpu_percent = std::max(0.0, (now - cpu_before[i]) * 100000.0 / sample_ms);
    }
  }
  return out;
}

namespace {
// Rows of an IP Helper table (a count, then the rows), no more than the buffer holds.
template <typename Table, typename Fn>
void for_each_ip_row(const std::string& buf, Fn&& fn) {
  constexpr size_t kRows = offsetof(Table, table);
  if (buf.size() < kRows) return;
  const auto* t = reinterpret_cast<const Table*>(buf.data());
  const size_t n = std::min<size_t>(t->dwNumEntries, (buf.size() - kRows) / sizeof(t->table[0]));
  for (size_t i = 0; i < n; ++i) fn(t->table[i]);
}
uint16_t port(DWORD network_order) { return ntohs(static_cast<u_short>(network_order)); }
}  // namespace

Result<std::vector<ConnectionInfo>> LiveHost::connections() const {
  std::vector<ConnectionInfo> out;
  for (const int family : {AF_INET, AF_INET6}) {
    auto tcp = ip_table("GetExtendedTcpTable", [&](void* buf, DWORD* size) {
      return GetExtendedTcpTable(buf, size, FALSE, static_cast<ULONG>(family), TCP_TABLE_OWNER_PID_ALL, 0);
    });
    if (!tcp) return tcp.error();
    auto udp = ip_table("GetExtendedUdpTable", [&](void* buf, DWORD* size) {
      return GetExtendedUdpTable(buf, size, FALSE, static_cast<ULONG>(family), UDP_TABLE_OWNER_PID, 0);
    });
    if (!udp) return udp.error();
    if (family == AF_INET) {
      for_each_ip_row<MIB_TCPTABLE_OWNER_PID>(*tcp, [&](const MIB_TCPROW_OWNER_PID& r) {
        out.push_back({"tcp", ip_text(AF_INET, &r.dwLocalAddr), ip_text(AF_INET, &r.dwRemoteAddr), port(r.dwLocalPort),
                       port(r.dwRemotePort), tcp_state(r.dwState), r.dwOwningPid});
      });
      for_each_ip_row<MIB_UDPTABLE_OWNER_PID>(*udp, [&](const MIB_UDPROW_OWNER_PID& r) {
        out.push_back({"udp", ip_text(AF_INET, &r.dwLocalAddr), "", port(r.dwLocalPort), 0, "", r.dwOwningPid});
      });
    } else {
      for_each_ip_row<MIB_TCP6TABLE_OWNER_PID>(*tcp, [&](const MIB_TCP6ROW_OWNER_PID& r) {
        out.push_back({"tcp6", ip_text(AF_INET6, r.ucLocalAddr), ip_text(AF_INET6, r.ucRemoteAddr), port(r.dwLocalPort),
                       port(r.dwRemotePort), tcp_state(r.dwState), r.dwOwningPid});
      });
      for_each_ip_row<MIB_UDP6TABLE_OWNER_PID>(*udp, [&](const MIB_UDP6ROW_OWNER_PID& r) {
        out.push_back({"udp6", ip_text(AF_INET6, r.ucLocalAddr), "", port(r.dwLocalPort), 0, "", r.dwOwningPid});
      });
    }
  }
  return out;
}

Result<std::vector<ServiceInfo>> LiveHost::services() const {
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE);
  if (!scm) return win_error("collect.services", "OpenSCManager", GetLastError());
  std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, decltype(&CloseServiceHandle)> guard(scm, &CloseServiceHandle);
  DWORD need = 0, count = 0, resume = 0;
  std::string buf;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32 | SERVICE_DRIVER, SERVICE_STATE_ALL,
                              buf.empty() ? nullptr : reinterpret_cast<LPBYTE>(buf.data()),
                              static_cast<DWORD>(buf.size()), &need, &count, &resume, nullptr))
      break;
    if (GetLastError() != ERROR_MORE_DATA || need > (64u << 20))
      return win_error("collect.services", "EnumServicesStatusEx", GetLastError());
    buf.assign(buf.size() + need + 4096, '\0');
    resume = 0;
  }
  std::vector<ServiceInfo> out;
  const auto* e = reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW*>(buf.data());
  for (DWORD i = 0; i < count && !buf.empty(); ++i) {
    ServiceInfo s;
    s.name = utf8(e[i].lpServiceName);
    s.display_name = utf8(e[i].lpDisplayName);
    s.pid = e[i].ServiceStatusProcess.dwProcessId;
    switch (e[i].ServiceStatusProcess.dwCurrentState) {
      case SERVICE_RUNNING:
        s.state = "running";
        break;
      case SERVICE_STOPPED:
        s.state = "stopped";
        break;
      case SERVICE_PAUSED:
        s.state = "paused";
        break;
      default:
        s.state = "pending";
        break;
    }
    if (SC_HANDLE svc = OpenServiceW(scm, e[i].lpServiceName, SERVICE_QUERY_CONFIG)) {
      DWORD cfg_need = 0;
      QueryServiceConfigW(svc, nullptr, 0, &cfg_need);
      if (cfg_need > 0 && cfg_need < (1u << 20)) {
        std::string cfg(cfg_need, '\0');
        auto* c = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(cfg.data());
        if (QueryServiceConfigW(svc, c, cfg_need, &cfg_need)) {
          s.binary_path = utf8(c->lpBinaryPathName);
          s.account = utf8(c->lpServiceStartName);
          constexpr const char* kStart[] = {"boot", "system", "auto", "demand", "disabled"};
          s.start_type = c->dwStartType < 5 ? kStart[c->dwStartType] : "unknown";
        }
      }
      CloseServiceHandle(svc);
    }
    const std::wstring params =
        L"SYSTEM\\CurrentControlSet\\Services\\" + std::wstring(e[i].lpServiceName) + L"\\Parameters";
    s.service_dll = reg_string(HKEY_LOCAL_MACHINE, params.c_str(), L"ServiceDll");
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<AccountInfo>> LiveHost::accounts() const {
  // The Administrators group by its well-known SID: its name is translated ("Administratoren", "管理员").
  std::string admins = "Administrators";
  SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
  PSID sid = nullptr;
  if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &sid)) {
    if (std::string name = account_of_sid(sid); !name.empty()) admins = name.substr(name.find('\\') + 1);
    FreeSid(sid);
  }
  std::vector<AccountInfo> out;
  DWORD resume = 0;
  NET_API_STATUS status;
  do {
    LPBYTE buf = nullptr;
    DWORD read = 0, total = 0;
    status = NetUserEnum(nullptr, 0, FILTER_NORMAL_ACCOUNT, &buf, MAX_PREFERRED_LENGTH, &read, &total, &resume);
    if (status != NERR_Success && status != ERROR_MORE_DATA) {
      if (buf) NetApiBufferFree(buf);
      return win_error("collect.accounts", "NetUserEnum", status);
    }
    const auto* users = reinterpret_cast<const USER_INFO_0*>(buf);
    for (DWORD i = 0; i < read && out.size() < 100'000; ++i) {
      AccountInfo a;
      a.name = utf8(users[i].usri0_name);
      BYTE sid_buf[SECURITY_MAX_SID_SIZE];
      DWORD sid_size = sizeof sid_buf, domain_size = 256;
      wchar_t domain[256];
      SID_NAME_USE use;
      if (LookupAccountNameW(nullptr, users[i].usri0_name, sid_buf, &sid_size, domain, &domain_size, &use) &&
          IsValidSid(sid_buf) && *GetSidSubAuthorityCount(sid_buf) > 0)
        a.rid = *GetSidSubAuthority(sid_buf, *GetSidSubAuthorityCount(sid_buf) - 1u);
      LPBYTE info = nullptr;
      if (NetUserGetInfo(nullptr, users[i].usri0_name, 2, &info) == NERR_Success && info) {
        const auto* u = reinterpret_cast<const USER_INFO_2*>(info);
        a.disabled = (u->usri2_flags & UF_ACCOUNTDISABLE) != 0;
        a.password_never_expires = (u->usri2_flags & UF_DONT_EXPIRE_PASSWD) != 0;
        a.admin = u->usri2_priv == USER_PRIV_ADMIN;
        a.last_logon_unix = u->usri2_last_logon;
        a.bad_password_count = u->usri2_bad_pw_count;
        NetApiBufferFree(info);
      } else if (NetUserGetInfo(nullptr, users[i].usri0_name, 1, &info) == NERR_Success && info) {
        const auto* u = reinterpret_cast<const USER_INFO_1*>(info);
        a.disabled = (u->usri1_flags & UF_ACCOUNTDISABLE) != 0;
        a.password_never_expires = (u->usri1_flags & UF_DONT_EXPIRE_PASSWD) != 0;
        a.admin = u->usri1_priv == USER_PRIV_ADMIN;
        NetApiBufferFree(info);
      }
      LPBYTE groups = nullptr;
      DWORD gread = 0, gtotal = 0;
      if (NetUserGetLocalGroups(nullptr, users[i].usri0_name, 0, LG_INCLUDE_INDIRECT, &groups, MAX_PREFERRED_LENGTH,
                                &gread, &gtotal) == NERR_Success &&
          groups) {
        const auto* g = reinterpret_cast<const LOCALGROUP_USERS_INFO_0*>(groups);
        for (DWORD k = 0; k < gread; ++k) {
          a.groups.push_back(utf8(g[k].lgrui0_name));
          a.admin = a.admin || a.groups.back() == admins;
        }
        NetApiBufferFree(groups);
      }
      out.push_back(std::move(a));
    }
    if (buf) NetApiBufferFree(buf);
  } while (status == ERROR_MORE_DATA);
  return out;
}

Result<std::vector<AdapterInfo>> LiveHost::adapters() const {
  ULONG size = 32 * 1024;
  std::string buf;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buf.assign(size, '\0');
    rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST, nullptr,
                              reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()), &size);
  }
  if (rc != NO_ERROR) return win_error("collect.adapters", "GetAdaptersAddresses", rc);
  std::vector<AdapterInfo> out;
  auto text = [](const SOCKET_ADDRESS& a) {
    char host[64] = {};
    return getnameinfo(a.lpSockaddr, a.iSockaddrLength, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0
               ? std::string(host)
               : std::string();
  };
  for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()); a; a = a->Next) {
    AdapterInfo info;
    info.name = utf8(a->FriendlyName);
    for (auto* u = a->FirstUnicastAddress; u; u = u->Next) info.addresses.push_back(text(u->Address));
    for (auto* d = a->FirstDnsServerAddress; d; d = d->Next) info.dns_servers.push_back(text(d->Address));
    out.push_back(std::move(info));
  }
  return out;
}

namespace {

// COM's reference counting as a scope.
template <typename T>
struct ComPtr {
  T* p = nullptr;
  ~ComPtr() {
    if (p) p->Release();
  }
  T* operator->() const { return p; }
  T** out() { return &p; }
};

struct Bstr {
  BSTR s = nullptr;
  explicit Bstr(const wchar_t* text = nullptr) : s(text ? SysAllocString(text) : nullptr) {}
  ~Bstr() { SysFreeString(s); }
  std::string utf8() const { return s ? ::msw::collect::windows::utf8(s, SysStringLen(s)) : std::string(); }
};

constexpr int kMaxTaskFolderDepth = 16;
constexpr size_t kMaxTasks = 20'000;

void walk_task_folder(ITaskFolder* folder, int depth, std::vector<TaskDefinition>& out) {
  ComPtr<IRegisteredTaskCollection> tasks;
  if (SUCCEEDED(folder->GetTasks(TASK_ENUM_HIDDEN, tasks.out())) && tasks.p) {
    LONG count = 0;
    tasks->get_Count(&count);
    for (LONG i = 1; i <= count && out.size() < kMaxTasks; ++i) {
      VARIANT index;
      VariantInit(&index);
      index.vt = VT_I4;
      index.lVal = i;
      ComPtr<IRegisteredTask> task;
      if (FAILED(tasks->get_Item(index, task.out())) || !task.p) continue;
      Bstr path, xml;
      task->get_Path(&path.s);
      if (FAILED(task->get_Xml(&xml.s)) || !xml.s) continue;
      std::string bytes = "\xff\xfe";
      bytes.append(reinterpret_cast<const char*>(xml.s), SysStringLen(xml.s) * sizeof(wchar_t));
      out.push_back({path.utf8(), std::move(bytes)});
    }
  }
  if (depth >= kMaxTaskFolderDepth) return;
  ComPtr<ITaskFolderCollection> folders;
  if (FAILED(folder->GetFolders(0, folders.out())) || !folders.p) return;
  LONG count = 0;
  folders->get_Count(&count);
  for (LONG i = 1; i <= count; ++i) {
    VARIANT index;
    VariantInit(&index);
    index.vt = VT_I4;
    index.lVal = i;
    ComPtr<ITaskFolder> sub;
    if (SUCCEEDED(folders->get_Item(index, sub.out())) && sub.p) walk_task_folder(sub.p, depth + 1, out);
  }
}

}  // namespace

Result<std::vector<TaskDefinition>> LiveHost::scheduled_tasks() const {
  const HRESULT init = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  std::vector<TaskDefinition> out;
  {
    ComPtr<ITaskService> service;
    HRESULT hr = CoCreateInstance(CLSID_TaskScheduler, nullptr, CLSCTX_INPROC_SERVER, IID_ITaskService,
                                  reinterpret_cast<void**>(service.out()));
    VARIANT empty;
    VariantInit(&empty);
    if (SUCCEEDED(hr)) hr = service->Connect(empty, empty, empty, empty);
    ComPtr<ITaskFolder> root;
    Bstr slash(L"\\");
    if (SUCCEEDED(hr)) hr = service->GetFolder(slash.s, root.out());
    if (FAILED(hr) || !root.p) {
      if (SUCCEEDED(init)) CoUninitialize();
      return win_error("collect.tasks", "the Task Scheduler service", static_cast<DWORD>(hr));
    }
    walk_task_folder(root.p, 0, out);
  }
  if (SUCCEEDED(init)) CoUninitialize();
  return out;
}

Result<std::vector<WmiObject>> LiveHost::wmi_subscriptions() const {
  const HRESULT init = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  // Process-wide COM security: default authentication, impersonation so WMI acts as this account. A second call
  // (RPC_E_TOO_LATE) is harmless.
  CoInitializeSecurity(nullptr, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE, nullptr,
                       EOAC_NONE, nullptr);
  std::vector<WmiObject> out;
  HRESULT hr = S_OK;
  {
    ComPtr<IWbemLocator> locator;
    hr = CoCreateInstance(CLSID_WbemLocator, nullptr, CLSCTX_INPROC_SERVER, IID_IWbemLocator,
                          reinterpret_cast<void**>(locator.out()));
    ComPtr<IWbemServices> services;
    Bstr ns(L"ROOT\\subscription");
    if (SUCCEEDED(hr))
      hr = locator->ConnectServer(ns.s, nullptr, nullptr, nullptr, 0, nullptr, nullptr, services.out());
    if (SUCCEEDED(hr))
      hr = CoSetProxyBlanket(services.p, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, RPC_C_AUTHN_LEVEL_CALL,
                             RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE);
    static constexpr const wchar_t* kQueries[] = {L"SELECT * FROM __EventFilter", L"SELECT * FROM __EventConsumer",
                                                  L"SELECT * FROM __FilterToConsumerBinding"};
    static constexpr const wchar_t* kProperties[] = {L"Name",
                                                     L"Query",
                                                     L"QueryLanguage",
                                                     L"EventNamespace",
                                                     L"CommandLineTemplate",
                                                     L"ExecutablePath",
                                                     L"WorkingDirectory",
                                                     L"ScriptText",
                                                     L"ScriptFileName",
                                                     L"ScriptingEngine",
                                                     L"Filter",
                                                     L"Consumer",
                                                     L"CreatorSID"};
    Bstr wql(L"WQL");
    for (const wchar_t* query : kQueries) {
      if (FAILED(hr)) break;
      ComPtr<IEnumWbemClassObject> rows;
      Bstr q(query);
      hr = services->ExecQuery(wql.s, q.s, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, nullptr, rows.out());
      if (FAILED(hr)) break;
      while (out.size() < 10'000) {
        ComPtr<IWbemClassObject> obj;
        ULONG got = 0;
        if (rows->Next(10'000, 1, obj.out(), &got) != WBEM_S_NO_ERROR || got == 0) break;
        WmiObject o;
        VARIANT v;
        VariantInit(&v);
        if (SUCCEEDED(obj->Get(L"__CLASS", 0, &v, nullptr, nullptr)) && v.vt == VT_BSTR)
          o.class_name = utf8(v.bstrVal, SysStringLen(v.bstrVal));
        VariantClear(&v);
        for (const wchar_t* name : kProperties) {
          VariantInit(&v);
          if (SUCCEEDED(obj->Get(name, 0, &v, nullptr, nullptr)) && v.vt == VT_BSTR && v.bstrVal)
            o.properties.emplace_back(utf8(name), utf8(v.bstrVal, SysStringLen(v.bstrVal)));
          VariantClear(&v);
        }
        out.push_back(std::move(o));
      }
    }
  }
  if (SUCCEEDED(init)) CoUninitialize();
  if (FAILED(hr)) return win_error("collect.wmi", "WMI root\\subscription", static_cast<DWORD>(hr));
  return out;
}

Result<RegistryKey> LiveHost::read_key(const std::string& path) const {
  auto opened = open_key(path);
  if (!opened) return opened.error();
  Key key(*opened);
  wchar_t cls[1024];
  DWORD cls_len = 1024, subkeys = 0, max_sub = 0, values = 0, max_name = 0, max_data = 0;
  FILETIME written{};
  LONG rc = RegQueryInfoKeyW(key.get(), cls, &cls_len, nullptr, &subkeys, &max_sub, nullptr, &values, &max_name,
                             &max_data, nullptr, &written);
  if (rc != ERROR_SUCCESS) return win_error("registry.denied", path, static_cast<DWORD>(rc));
  RegistryKey out;
  out.last_written = (static_cast<uint64_t>(written.dwHighDateTime) << 32) | written.dwLowDateTime;
  out.class_name = utf8(cls, cls_len);
  std::wstring name(256 + max_sub + max_name, L'\0');
  for (DWORD i = 0; i < std::min<DWORD>(subkeys, 100'000); ++i) {
    DWORD len = static_cast<DWORD>(name.size());
    if (RegEnumKeyExW(key.get(), i, name.data(), &len, nullptr, nullptr, nullptr, nullptr) == ERROR_SUCCESS)
      out.subkeys.push_back(utf8(name.data(), len));
  }
  std::string data(std::min<DWORD>(max_data, 16u << 20) + 16, '\0');
  for (DWORD i = 0; i < std::min<DWORD>(values, 20'000); ++i) {
    DWORD len = static_cast<DWORD>(name.size()), type = 0, size = static_cast<DWORD>(data.size());
    if (RegEnumValueW(key.get(), i, name.data(), &len, nullptr, &type, reinterpret_cast<BYTE*>(data.data()), &size) !=
        ERROR_SUCCESS)
      continue;
    out.values.push_back({utf8(name.data(), len), type, data.substr(0, size)});
  }
  return out;
}

Result<void> LiveHost::save_hive(const std::string& hklm_name, const std::filesystem::path& out) const {
  auto opened = open_key(hklm_name, 0, REG_OPTION_BACKUP_RESTORE);
  if (!opened) opened = open_key(hklm_name);
  if (!opened) return Error::make("registry.save_refused", opened.error().message);
  Key key(*opened);
  const LONG rc = RegSaveKeyExW(key.get(), out.wstring().c_str(), nullptr, REG_LATEST_FORMAT);
  if (rc != ERROR_SUCCESS)
    return win_error("registry.save_refused", "RegSaveKeyEx of HKLM\\" + hklm_name, static_cast<DWORD>(rc));
  // Wine saves its own text format: only a REGF file is a hive the analysis reads.
  char magic[4] = {};
  Handle f(CreateFileW(out.wstring().c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr));
  DWORD got = 0;
  if (f.get() == INVALID_HANDLE_VALUE || !ReadFile(f.get(), magic, 4, &got, nullptr) || got != 4 ||
      std::string_view(magic, 4) != "regf")
    return Error::make("registry.save_refused", "RegSaveKeyEx of HKLM\\" + hklm_name + " wrote no REGF hive");
  return {};
}

Result<std::vector<std::string>> LiveHost::list(const std::string& folder) const {
  WIN32_FIND_DATAW d;
  HANDLE h = FindFirstFileExW(wide(folder + "\\*").c_str(), FindExInfoBasic, &d, FindExSearchNameMatch, nullptr, 0);
  if (h == INVALID_HANDLE_VALUE) return file_error(folder, GetLastError());
  std::vector<std::string> out;
  do {
    const std::wstring n = d.cFileName;
    if (n == L"." || n == L"..") continue;
    // Junctions and links are not followed: they can loop or lead off the volume.
    if (d.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) continue;
    out.push_back(utf8(n) + ((d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? "\\" : ""));
  } while (FindNextFileW(h, &d) && out.size() < 100'000);
  FindClose(h);
  return out;
}

Result<std::string> LiveHost::copy_file(const std::string& path, const std::filesystem::path& out,
                                        uint64_t max_bytes) const {
  // Shared with every writer so a running service's open file still reads; backup semantics let an elevated
  // collector past ACLs. Opened for reading only.
  Handle in(CreateFileW(wide(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN, nullptr));
  if (in.get() == INVALID_HANDLE_VALUE) return file_error(path, GetLastError());
  LARGE_INTEGER size{};
  if (!GetFileSizeEx(in.get(), &size)) return file_error(path, GetLastError());
  if (static_cast<uint64_t>(size.QuadPart) > max_bytes)
    return Error::make("file.too_large", path + " is " + std::to_string(size.QuadPart) + " bytes, over the " +
                                             std::to_string(max_bytes) + "-byte cap");
  Handle dst(CreateFileW(out.wstring().c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (dst.get() == INVALID_HANDLE_VALUE) return win_error("collect.write", out.string(), GetLastError());
  std::string buf(1u << 20, '\0');
  uint64_t total = 0;
  Sha256 sha;  // hashed as it is copied: the bundle's manifest needs it, and the file is read once
  while (true) {
    DWORD got = 0;
    if (!ReadFile(in.get(), buf.data(), static_cast<DWORD>(buf.size()), &got, nullptr))
      return file_error(path, GetLastError());
    if (got == 0) break;
    total += got;
    if (total > max_bytes) return Error::make("file.too_large", path + " grew over the cap while being read");
    DWORD put = 0;
    if (!WriteFile(dst.get(), buf.data(), got, &put, nullptr) || put != got)
      return win_error("collect.write", out.string(), GetLastError());
    sha.update(buf.data(), got);
  }
  return sha.hex();
}

Result<void> LiveHost::export_log(const std::string& channel, const std::filesystem::path& out) const {
  if (EvtExportLog(nullptr, wide(channel).c_str(), L"*", out.wstring().c_str(), EvtExportLogChannelPath)) return {};
  const DWORD err = GetLastError();
  if (err == ERROR_EVT_CHANNEL_NOT_FOUND) return win_error("eventlog.missing", "event log " + channel, err);
  if (err == ERROR_CALL_NOT_IMPLEMENTED || err == ERROR_PROC_NOT_FOUND)
    return win_error("eventlog.unavailable", "EvtExportLog is not available on this system", err);
  return win_error("eventlog.export", "EvtExportLog of " + channel, err);
}

Result<std::string> LiveHost::read_boot_sectors(size_t bytes) const {
  Handle disk(CreateFileW(L"\\\\.\\PhysicalDrive0", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                          OPEN_EXISTING, 0, nullptr));
  if (disk.get() == INVALID_HANDLE_VALUE) return win_error("disk.denied", "\\\\.\\PhysicalDrive0", GetLastError());
  std::string buf((bytes + 511) / 512 * 512, '\0');
  DWORD got = 0;
  if (!ReadFile(disk.get(), buf.data(), static_cast<DWORD>(buf.size()), &got, nullptr) || got < 512)
    return win_error("disk.denied", "reading \\\\.\\PhysicalDrive0",
                     got < 512 && GetLastError() == 0 ? ERROR_HANDLE_EOF : GetLastError());
  buf.resize(got);
  return buf;
}

namespace {
Result<std::string> sha256_of_handle(HANDLE file, const std::string& what) {
  Sha256 sha;
  std::string buf(1u << 20, '\0');
  while (true) {
    DWORD got = 0;
    if (!ReadFile(file, buf.data(), static_cast<DWORD>(buf.size()), &got, nullptr))
      return file_error(what, GetLastError());
    if (got == 0) break;
    sha.update(buf.data(), got);
  }
  return sha.hex();
}
}  // namespace

Result<std::string> LiveHost::sha256_file(const std::filesystem::path& path) const {
  Handle f(CreateFileW(path.wstring().c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                       FILE_FLAG_SEQUENTIAL_SCAN, nullptr));
  if (f.get() == INVALID_HANDLE_VALUE) return file_error(path.string(), GetLastError());
  return sha256_of_handle(f.get(), path.string());
}

Result<std::string> LiveHost::sha256_host_file(const std::string& path) const {
  Handle f(CreateFileW(wide(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN, nullptr));
  if (f.get() == INVALID_HANDLE_VALUE) return file_error(path, GetLastError());
  return sha256_of_handle(f.get(), path);
}

}  // namespace msw::collect::windows
