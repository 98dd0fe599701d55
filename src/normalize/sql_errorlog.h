// SQL Server's ERRORLOG (…\MSSQL\Log\ERRORLOG, ERRORLOG.1–6; UTF-16 as SQL Server writes it): logins that failed
// and succeeded, as "authentication" events (EventType failure/success, TargetUserName, IpAddress from
// "[CLIENT: …]", AuthService "SQL Server", the reason), so the brute-force engine sees sa being guessed over 1433 —
// MyKings' way in — and the baseline sees whether sa is enabled and used. The log's times are the server's local
// time and are read as UTC (the zone is not recorded).
#pragma once

#include "normalize/normalize.h"

namespace msw::normalize {

Result<void> sql_errorlog_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out);

}  // namespace msw::normalize
