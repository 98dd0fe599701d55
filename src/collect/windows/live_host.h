// The running Windows system as a WindowsHost, through Win32 only (Toolhelp, IP Helper, the SCM, the registry,
// NetAPI, the event log API, BCrypt). Built only by the MinGW cross build (scripts/build-windows.sh).
#pragma once

#include "collect/windows/windows_host.h"

namespace msw::collect::windows {

class LiveHost final : public WindowsHost {
 public:
  SystemFacts facts() const override;
  Result<std::vector<ProcessInfo>> processes(int sample_ms) const override;
  Result<std::vector<ConnectionInfo>> connections() const override;
  Result<std::vector<ServiceInfo>> services() const override;
  Result<std::vector<AccountInfo>> accounts() const override;
  Result<std::vector<AdapterInfo>> adapters() const override;
  Result<std::vector<TaskDefinition>> scheduled_tasks() const override;
  Result<std::vector<WmiObject>> wmi_subscriptions() const override;
  Result<RegistryKey> read_key(const std::string& path) const override;
  Result<void> save_hive(const std::string& hklm_name, const std::filesystem::path& out) const override;
  Result<std::vector<std::string>> list(const std::string& folder) const override;
  Result<std::string> copy_file(const std::string& path, const std::filesystem::path& out,
                                uint64_t max_bytes) const override;
  Result<void> export_log(const std::string& channel, const std::filesystem::path& out) const override;
  Result<std::string> read_boot_sectors(size_t bytes) const override;
  Result<std::string> sha256_file(const std::filesystem::path& path) const override;
  Result<std::string> sha256_host_file(const std::string& path) const override;
};

}  // namespace msw::collect::windows
