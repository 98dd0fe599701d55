#include "core/time.h"

#include <gtest/gtest.h>

namespace msw {
namespace {

TEST(Time, FiletimeEpochs) {
  auto t = from_filetime(116444736000000000ull);  // 1970-01-01T00:00:00Z
  ASSERT_TRUE(t);
  EXPECT_EQ(t->unix_ns, 0);
  auto w = from_filetime(132223104000000000ull);  // 2020-01-01T00:00:00Z
  ASSERT_TRUE(w);
  EXPECT_EQ(to_iso8601(*w, 0), "2020-01-01T00:00:00Z");
  EXPECT_FALSE(from_filetime(0xFFFFFFFFFFFFFFFFull));  // year 30828: out of our range, rejected not wrapped
  auto early = from_filetime(0);                        // 1601: also outside int64 ns
  EXPECT_FALSE(early);
}

TEST(Time, SystemtimeValidation) {
  auto t = from_systemtime({2019, 3, 4, 21, 10, 30, 5, 250});
  ASSERT_TRUE(t);
  EXPECT_EQ(to_iso8601(*t), "2019-03-21T10:30:05.250Z");
  EXPECT_FALSE(from_systemtime({2019, 2, 0, 30, 0, 0, 0, 0}));   // 30 February
  EXPECT_FALSE(from_systemtime({2019, 13, 0, 1, 0, 0, 0, 0}));
  EXPECT_FALSE(from_systemtime({2019, 1, 0, 1, 0, 0, 0, 1000}));
  EXPECT_TRUE(from_systemtime({2020, 2, 0, 29, 0, 0, 0, 0}));    // leap day
}

TEST(Time, Iso8601RoundTripAndZones) {
  auto t = parse_iso8601("2022-02-19T08:51:29.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(to_iso8601(*t, 9), "2022-02-19T08:51:29.123456789Z");
  auto z = parse_iso8601("2022-02-19 16:51:29+08:00");  // China Standard Time
  ASSERT_TRUE(z);
  EXPECT_EQ(to_iso8601(*z, 0), "2022-02-19T08:51:29Z");
  EXPECT_FALSE(parse_iso8601("2022-02-19"));
  EXPECT_FALSE(parse_iso8601("2022-02-19T08:51:29Zjunk"));
  EXPECT_FALSE(parse_iso8601("2022-02-30T00:00:00Z"));
  EXPECT_EQ(to_compact_utc(*z), "20220219T085129Z");
}

TEST(Time, NegativeTimesFormatCorrectly) {
  EXPECT_EQ(to_iso8601(Timestamp{-1'000'000}, 3), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(to_iso8601(from_unix_seconds(951782400), 0), "2000-02-29T00:00:00Z");
}

TEST(Time, CivilDaysRoundTrip) {
  for (int64_t d = -800000; d <= 800000; d += 997) {
    int64_t y;
    unsigned m, day;
    civil_from_days(d, y, m, day);
    EXPECT_EQ(days_from_civil(y, m, day), d);
  }
}

}  // namespace
}  // namespace msw
