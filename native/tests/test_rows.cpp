#include <gtest/gtest.h>

#include <stdexcept>

#include "connguard/query_error.hpp"
#include "connguard/rows.hpp"

namespace connguard {
namespace {

Rows counting_rows(int count) {
    return Rows({"n", "maybe"}, [count, i = 0](Row& row) mutable {
        if (i == count) return false;
        ++i;
        row = {std::to_string(i),
               i % 2 == 0 ? std::optional<std::string>() : std::optional<std::string>("odd")};
        return true;
    });
}

TEST(Rows, IteratesEveryRowOnce) {
    Rows rows = counting_rows(3);
    EXPECT_EQ(rows.columns(), (std::vector<std::string>{"n", "maybe"}));
    std::vector<Row> seen;
    for (const Row& row : rows) seen.push_back(row);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (Row{"1", "odd"}));
    EXPECT_EQ(seen[1], (Row{"2", std::nullopt}));
    EXPECT_EQ(seen[2][0], "3");
    EXPECT_EQ(rows.begin(), rows.end());  // single pass
}

TEST(Rows, EmptyAndDefault) {
    Rows none = counting_rows(0);
    EXPECT_EQ(none.begin(), none.end());
    Rows nothing;
    EXPECT_TRUE(nothing.columns().empty());
    EXPECT_EQ(nothing.begin(), nothing.end());
}

TEST(Rows, MovesAndPropagatesReadErrors) {
    Rows failing({"x"}, [](Row&) -> bool { throw QueryError({2013, "HY000", "Lost connection"}); });
    Rows moved = std::move(failing);
    EXPECT_EQ(moved.columns().size(), 1u);
    try {
        moved.begin();
        FAIL() << "no error";
    } catch (const QueryError& error) {
        EXPECT_EQ(error.error().code, 2013);
        EXPECT_STREQ(error.what(), "Lost connection (error 2013, SQLSTATE HY000)");
    }
}

}  // namespace
}  // namespace connguard
