// Pending security updates on Debian and Ubuntu, from files only (nothing is run): the installed packages in
// /var/lib/dpkg/status against the newest versions in apt's security lists (/var/lib/apt/lists/*security*_Packages,
// plain, .lz4 or .gz). The lists are as fresh as the host's last `apt update` — the table says how many were read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collect/host_view.h"

namespace msw::collect::linux {

// dpkg's version order (epoch, upstream, revision; '~' sorts first): <0, 0, >0.
int compare_debian_versions(std::string_view a, std::string_view b);

// tables/updates.jsonl: a summary row (Summary, SecurityLists, InstalledPackages, Upgradable) then one row per
// installed package with a newer security version (Package, Installed, Fixed, List). nullopt on hosts without dpkg.
std::optional<std::string> security_updates_jsonl(const HostView& host);

}  // namespace msw::collect::linux
