// The toy log's events (tests/recipes): one `authentication` event a login, fields as Windows logons.
#pragma once

#include "normalize/normalize.h"

namespace msw::normalize {

Result<void> parse_toylog(Bytes bytes, const Source& src, Diagnostics& diags, const EventBatchFn& fn);

}  // namespace msw::normalize
