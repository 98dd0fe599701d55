// Time conversions between the clocks evidence uses and one internal form: nanoseconds since the Unix epoch, UTC.
// Windows FILETIME counts 100 ns ticks from 1601; SYSTEMTIME is a broken-down struct; logs use Unix seconds or
// ISO-8601. Values outside what int64 nanoseconds hold (years before 1678 or after 2261) are rejected, not wrapped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace msw {

struct Timestamp {
  int64_t unix_ns = 0;
  auto operator<=>(const Timestamp&) const = default;
};

struct SystemTime {  // Windows SYSTEMTIME, as stored on disk (all little-endian u16)
  uint16_t year, month, day_of_week, day, hour, minute, second, milliseconds;
};

Result<Timestamp> from_filetime(uint64_t ticks_since_1601);
Result<Timestamp> from_systemtime(const SystemTime& st);
Timestamp from_unix_seconds(int64_t seconds);
Timestamp now_utc();

// "2026-11-21T15:42:11.123456789Z"; `fraction_digits` 0 to 9 (Windows writes 7: 100 ns ticks).
std::string to_iso8601(Timestamp t, int fraction_digits = 3);
void append_iso8601(std::string& out, Timestamp t, int fraction_digits = 3);
// The same at p, which has room for kIso8601Max bytes; returns the end.
inline constexpr size_t kIso8601Max = 40;
char* write_iso8601(char* p, Timestamp t, int fraction_digits = 3);
// Accepts "YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh:mm]"; no zone means UTC.
Result<Timestamp> parse_iso8601(std::string_view text);
// Compact form for file names: "20261121T154211Z".
std::string to_compact_utc(Timestamp t);

// Days since 1970-01-01 for a proleptic Gregorian date, and back (exact for all int32 years).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t& y, unsigned& m, unsigned& d);

}  // namespace msw
