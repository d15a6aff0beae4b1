#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "connguard/duration.hpp"

namespace connguard {
namespace {

TEST(ParseDuration, ConvertsEachUnit) {
    EXPECT_EQ(parse_duration("50ms"), 50.0 / 1000.0);
    EXPECT_EQ(parse_duration("5s"), 5.0);
    EXPECT_EQ(parse_duration("2m"), 120.0);
    EXPECT_EQ(parse_duration("1.5s"), 1.5);
    EXPECT_EQ(parse_duration("0.25m"), 15.0);
    EXPECT_EQ(parse_duration("007s"), 7.0);
    EXPECT_EQ(parse_duration("0s"), 0.0);  // syntactically valid; range is the caller's
    EXPECT_EQ(parse_duration("0.1ms"), 0.1 / 1000.0);
}

TEST(ParseDuration, RejectsAnythingOutsideTheGrammar) {
    for (const char* text :
         {"",    "5",   "s",   "ms",   "5 s",    " 5s",  "5s ",   "5S",   "5h",    "5sec", "-5s",
          "+5s", ".5s", "5.s", "1e3s", "5.5.5s", "1,5s", "inf s", "nans", "0x10s", "5mss"}) {
        EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
    }
}

TEST(ParseDuration, OverflowIsInfiniteAndUnderflowIsZero) {
    EXPECT_EQ(parse_duration("1" + std::string(400, '0') + "s"), HUGE_VAL);
    EXPECT_EQ(parse_duration("0." + std::string(400, '0') + "1s"), 0.0);
}

TEST(FormatDuration, PicksTheShortestReadableForm) {
    EXPECT_EQ(format_duration(0.05), "50ms");
    EXPECT_EQ(format_duration(5.0), "5s");
    EXPECT_EQ(format_duration(120.0), "2m");
    EXPECT_EQ(format_duration(1.5), "1.5s");
    EXPECT_EQ(format_duration(0.001), "1ms");
    EXPECT_EQ(format_duration(0.0005), "0.5ms");
    EXPECT_EQ(format_duration(90.0), "90s");
    EXPECT_EQ(format_duration(600.0), "10m");
    EXPECT_EQ(format_duration(0.1), "0.1s");
    EXPECT_EQ(format_duration(0.0), "0s");
}

TEST(FormatDuration, RoundTripsExactly) {
    for (const double seconds :
         {1.0 / 3.0, 0.1 + 0.2, 1e-9, 12345.678, 66.00000000000001, 0.05 * 3, 5e-324, 1e300}) {
        const std::string text = format_duration(seconds);
        EXPECT_EQ(parse_duration(text), seconds) << text;
    }
}

TEST(FormatDuration, RejectsNegativeAndNonFinite) {
    EXPECT_THROW(format_duration(-1.0), std::domain_error);
    EXPECT_THROW(format_duration(HUGE_VAL), std::domain_error);
    EXPECT_THROW(format_duration(std::nan("")), std::domain_error);
}

}  // namespace
}  // namespace connguard
