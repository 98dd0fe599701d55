// WindowsHost: the only way the Windows collector sees a machine. The live implementation (live_host.cpp, built
// only by MinGW) calls Win32; tests hand the same collector a fixture host, so everything but the API calls is
// built and tested on Linux too. Every call reads; none changes the host.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace msw::collect::windows {

struct ProcessInfo {
  uint32_t pid = 0, ppid = 0;
  std::string name;          // the image's file name, as the process list shows it
  std::string image;         // full path (QueryFullProcessImageNameW), empty when access was refused
  std::string command_line;  // empty when unreadable
  std::string user;          // DOMAIN\name of the process token
  int64_t start_unix = 0;    // 0 when unknown
  double cpu_seconds = 0;    // user + kernel time so far
  double cpu_percent = 0;    // of one core, over the collector's sample
  uint64_t working_set_kb = 0;
  uint32_t threads = 0;
  std::string signer;  // "signed", "unsigned" or "" (not checked)
};

struct ConnectionInfo {
  std::string protocol;  // tcp, tcp6, udp, udp6
  std::string local_ip, remote_ip;
  uint16_t local_port = 0, remote_port = 0;
  std::string state;  // ESTABLISHED, LISTEN, ... (netstat's words); empty for UDP
  uint32_t pid = 0;
};

struct ServiceInfo {
  std::string name, display_name;
  std::string binary_path;  // ImagePath as the SCM has it
  std::string service_dll;  // Parameters\ServiceDll, for svchost services
  std::string start_type;   // boot, system, auto, demand, disabled
  std::string account;
  std::string state;  // running, stopped, ...
  uint32_t pid = 0;
};

struct AccountInfo {
  std::string name;
  uint32_t rid = 0;  // the last part of the account's SID (500: the built-in Administrator); 0 when unknown
  bool disabled = false, admin = false, password_never_expires = false;
  int64_t last_logon_unix = 0;
  uint32_t bad_password_count = 0;
  std::vector<std::string> groups;  // local groups the account is a member of
};

struct AdapterInfo {
  std::string name;
  std::vector<std::string> addresses, dns_servers;
};

struct RegistryValue {
  std::string name;  // UTF-8; "" is the key's default value
  uint32_t type = 0;
  std::string data;  // raw bytes as stored
};

struct RegistryKey {
  uint64_t last_written = 0;  // FILETIME
  std::vector<std::string> subkeys;
  std::vector<RegistryValue> values;
  std::string class_name;
};

// A task as the Task Scheduler service has it: its path ("\\Mysa", "\\Microsoft\\Windows\\...") and its XML
// definition, UTF-16LE with a byte-order mark, as the Tasks folder stores it.
struct TaskDefinition {
  std::string path;
  std::string xml;
};

// One instance from WMI's root\subscription: its class ("__EventFilter", "CommandLineEventConsumer", ...) and its
// string properties by WMI name (Name, Query, CommandLineTemplate, Filter, Consumer, ...).
struct WmiObject {
  std::string class_name;
  std::vector<std::pair<std::string, std::string>> properties;
};

struct SystemFacts {
  std::string hostname, os, version;  // version: "10.0.17763"
  std::string system_root = "C:\\Windows";
  bool elevated = false;  // the collector runs with an administrator's token
  uint32_t self_pid = 0;  // the collector's own process, left out of the executables it copies
};

class WindowsHost {
 public:
  virtual ~WindowsHost() = default;

  virtual SystemFacts facts() const = 0;
  // `sample_ms`: the interval of the CPU sample (0: none).
  virtual Result<std::vector<ProcessInfo>> processes(int sample_ms) const = 0;
  virtual Result<std::vector<ConnectionInfo>> connections() const = 0;
  virtual Result<std::vector<ServiceInfo>> services() const = 0;
  virtual Result<std::vector<AccountInfo>> accounts() const = 0;
  virtual Result<std::vector<AdapterInfo>> adapters() const = 0;
  // Every registered task the account can see, hidden ones included (Task Scheduler 2.0). Errors: collect.tasks.
  virtual Result<std::vector<TaskDefinition>> scheduled_tasks() const = 0;
  // Permanent event subscriptions: every __EventFilter, __EventConsumer and __FilterToConsumerBinding in
  // root\subscription (WMI COM). Errors: collect.wmi.
  virtual Result<std::vector<WmiObject>> wmi_subscriptions() const = 0;

  // Registry under HKLM ("SYSTEM\\CurrentControlSet\\Services") or HKU ("HKU\\S-1-5-...\\Software"), paths
  // with backslashes. Errors: registry.missing, registry.denied.
  virtual Result<RegistryKey> read_key(const std::string& path) const = 0;
  // The whole hive as the system saves it (RegSaveKeyEx: needs the backup privilege) into `out`.
  // Errors: registry.save_refused (with the reason).
  virtual Result<void> save_hive(const std::string& hklm_name, const std::filesystem::path& out) const = 0;

  // Files by Windows path ("C:\\Windows\\System32\\drivers\\etc\\hosts"). list() gives names in a folder with
  // folders marked by a trailing backslash. Errors: file.missing, file.denied, file.too_large.
  virtual Result<std::vector<std::string>> list(const std::string& folder) const = 0;
  // Copies a file into `out` and returns the SHA-256 of the bytes copied (read once).
  virtual Result<std::string> copy_file(const std::string& path, const std::filesystem::path& out,
                                        uint64_t max_bytes) const = 0;

  // An event log channel exported to `out` (EvtExportLog). Errors: eventlog.missing, eventlog.export.
  virtual Result<void> export_log(const std::string& channel, const std::filesystem::path& out) const = 0;
  // The first `bytes` of the boot disk (\\.\PhysicalDrive0). Errors: disk.denied.
  virtual Result<std::string> read_boot_sectors(size_t bytes) const = 0;

  // SHA-256 (lowercase hex) of a file the collector wrote or a host file. Errors: file.*.
  virtual Result<std::string> sha256_file(const std::filesystem::path& path) const = 0;
  virtual Result<std::string> sha256_host_file(const std::string& path) const = 0;
};

}  // namespace msw::collect::windows
