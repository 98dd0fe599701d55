// normalize/: maps the native structs of formats/ to model::Event with Sigma-taxonomy fields, and dispatches an
// artefact kind to its parser through one table (registry.cpp).
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "evidence/evidence.h"
#include "formats/hosts/hosts_file.h"
#include "formats/resolv_conf/resolv_conf.h"
#include "model/event.h"

namespace msw::normalize {

struct Source {
  std::string_view display_path;
  std::string_view platform;   // becomes Event::product
  std::string_view disk_path = {};  // where the file is, for parsers that also read its companions (a hive's logs)
};

// Events reach the caller in batches of at most kEventBatch, so a multi-gigabyte log never sits in memory whole.
inline constexpr size_t kEventBatch = 5000;
using EventBatchFn = std::function<void(std::vector<model::Event>&& batch)>;

// Category names for sources that Sigma's taxonomy has no category for.
inline constexpr std::string_view kHostsEntryCategory = "hosts_entry";
inline constexpr std::string_view kDnsConfigCategory = "dns_config";

// One event per (address, name) pair: QueryName is the name, QueryResults the forced address.
void hosts_events(const formats::hosts::HostsFile& file, const Source& src, std::vector<model::Event>& out);
// One event per nameserver: DestinationIp and DestinationPort 53.
void resolv_conf_events(const formats::resolv_conf::ResolvConf& conf, const Source& src, std::vector<model::Event>& out);

// Bundle tables written by the Linux collector: one process_creation / network_connection event per row.
void process_table_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
void connection_table_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);

// The Windows collector's tables/accounts.jsonl (NetUserEnum): "local_account" events shaped like the SAM hive's
// (TargetUserName, Rid, AccountDisabled, AdminGroup, LastLogon, FailedLogonCount), for when SAM was not readable.
void windows_account_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);

// Tables whose JSON keys are already event field names (collect/linux/host_tables.h, file_sweep.h): one event per
// row in `category`; `time_key` names the Unix-seconds column that dates the row ("" for none).
void keyed_table_events(Bytes bytes, const Source& src, std::string_view category, std::string_view time_key,
                        Diagnostics& diags, std::vector<model::Event>& out);

// Linux auth.log / secure, plain or gzip (linux_logs.cpp): "authentication" events, streamed in batches.
Result<void> auth_log_events(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& on_batch);

// Shell run at boot or login, and shell histories: one event per command line ("startup_script", "shell_command").
Result<void> script_line_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> history_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
// Scripts found in drop folders ("dropped_script", one event per line) and miner configurations ("miner_config",
// one event per pool URL with DestinationHostname and the login User).
Result<void> sshd_config_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> dropped_script_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> miner_config_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
// systemd unit files: one "systemd_unit" event per Exec*= command (and one per timer schedule).
Result<void> systemd_unit_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
// sudoers rules ("sudoers_rule") and a Redis configuration's security settings ("service_config").
Result<void> sudoers_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> redis_conf_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);

// Linux persistence files: crontab entries, ld.so.preload libraries, SSH authorized keys (linux_persistence.cpp).
Result<void> crontab_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> preload_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);
Result<void> authorized_key_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);


// Parses an artefact of a known kind, handing its events to `on_batch` as they are produced. Returns false for
// kinds without a parser (plain files), which is not an error. Errors: the parser's own (the artefact is recorded
// as not parsed; batches already delivered stay delivered).
Result<bool> parse_artefact(const evidence::Artefact& artefact, Bytes bytes, Diagnostics& diags,
                            const EventBatchFn& on_batch);

}  // namespace msw::normalize
