#include "core/time.h"

#include <chrono>
#include <cstdio>
#include <limits>

namespace msw {
namespace {
constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kSecsPerDay = 86'400;
// Seconds between 1601-01-01 and 1970-01-01.
constexpr int64_t kFiletimeEpochOffsetSecs = 11'644'473'600;

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

Result<Timestamp> from_parts(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, int64_t ns) {
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
    return Error::make("time.invalid", "date or time field out of range");
  if (y < 1678 || y > 2261) return Error::make("time.out_of_range", "year " + std::to_string(y) + " is out of range");
  int64_t secs = days_from_civil(y, mo, d) * kSecsPerDay + h * 3600 + mi * 60 + s;
  return Timestamp{secs * kNsPerSec + ns};
}
}  // namespace

// Howard Hinnant's public-domain civil calendar algorithms (era-based, no loops).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

Result<Timestamp> from_filetime(uint64_t ticks) {
  // int64 nanoseconds reach 2262; FILETIME reaches 30828. Reject rather than wrap.
  constexpr uint64_t kMaxTicks =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 100) + kFiletimeEpochOffsetSecs * 10'000'000ull;
  if (ticks > kMaxTicks) return Error::make("time.out_of_range", "FILETIME beyond year 2262");
  const int64_t unix_ticks = static_cast<int64_t>(ticks) - kFiletimeEpochOffsetSecs * 10'000'000;
  if (unix_ticks < std::numeric_limits<int64_t>::min() / 100)
    return Error::make("time.out_of_range", "FILETIME before year 1678");
  return Timestamp{unix_ticks * 100};
}

Result<Timestamp> from_systemtime(const SystemTime& st) {
  if (st.milliseconds > 999) return Error::make("time.invalid", "SYSTEMTIME milliseconds > 999");
  return from_parts(st.year, st.month, st.day, st.hour, st.minute, st.second, int64_t{st.milliseconds} * 1'000'000);
}

Timestamp from_unix_seconds(int64_t seconds) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / kNsPerSec;
  if (seconds > kMax) seconds = kMax;
  if (seconds < -kMax) seconds = -kMax;
  return Timestamp{seconds * kNsPerSec};
}

Timestamp now_utc() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return Timestamp{ns.count()};
}

char* write_iso8601(char* p, Timestamp t, int fraction_digits) {
  int64_t secs = t.unix_ns / kNsPerSec;
  int64_t ns = t.unix_ns % kNsPerSec;
  if (ns < 0) {
    ns += kNsPerSec;
    secs -= 1;
  }
  int64_t days = secs / kSecsPerDay;
  int64_t sod = secs % kSecsPerDay;
  if (sod < 0) {
    sod += kSecsPerDay;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  // Hand-formatted: this runs once per event record, and snprintf showed up in profiles.
  auto put = [&p](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  put(y < 0 ? 0 : y, 4);
  *p++ = '-';
  put(m, 2);
  *p++ = '-';
  put(d, 2);
  *p++ = 'T';
  put(sod / 3600, 2);
  *p++ = ':';
  put(sod / 60 % 60, 2);
  *p++ = ':';
  put(sod % 60, 2);
  if (fraction_digits >= 1 && fraction_digits <= 9) {
    int64_t div = 1;
    for (int i = fraction_digits; i < 9; ++i) div *= 10;
    *p++ = '.';
    put(ns / div, fraction_digits);
  }
  *p++ = 'Z';
  return p;
}

void append_iso8601(std::string& out, Timestamp t, int fraction_digits) {
  char buf[kIso8601Max];
  out.append(buf, static_cast<size_t>(write_iso8601(buf, t, fraction_digits) - buf));
}

std::string to_iso8601(Timestamp t, int fraction_digits) {
  std::string out;
  append_iso8601(out, t, fraction_digits);
  return out;
}

std::string to_compact_utc(Timestamp t) {
  std::string iso = to_iso8601(t, 0);  // YYYY-MM-DDThh:mm:ssZ
  std::string out;
  for (char c : iso)
    if (c != '-' && c != ':') out += c;
  return out;
}

Result<Timestamp> parse_iso8601(std::string_view s) {
  auto digits = [&](size_t pos, size_t n, int64_t& out) {
    if (pos > s.size() || n > s.size() - pos) return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s[pos + i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, sec;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      (s[10] != 'T' && s[10] != ' ') || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' ||
      !digits(17, 2, sec))
    return Error::make("time.parse", "not an ISO-8601 date-time: " + std::string(s.substr(0, 40)));
  size_t pos = 19;
  int64_t ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return Error::make("time.parse", "empty fraction of a second");
  }
  int64_t offset_secs = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int64_t oh, om;
      bool neg = s[pos] == '-';
      if (!digits(pos + 1, 2, oh)) return Error::make("time.parse", "bad zone offset");
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!digits(mpos, 2, om) || oh > 23 || om > 59) return Error::make("time.parse", "bad zone offset");
      offset_secs = (oh * 3600 + om * 60) * (neg ? -1 : 1);
      pos = mpos + 2;
    }
  }
  if (pos != s.size()) return Error::make("time.parse", "trailing characters after date-time");
  auto t = from_parts(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), static_cast<unsigned>(h),
                      static_cast<unsigned>(mi), static_cast<unsigned>(sec), ns);
  if (!t) return t;
  return Timestamp{t->unix_ns - offset_secs * kNsPerSec};
}

}  // namespace msw
