#include <gtest/gtest.h>

#include <stdexcept>

#include "connguard/query_error.hpp"
#include "connguard/rows.hpp"
#include "connguard/usage_error.hpp"

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
    EXPECT_FALSE(rows.contains_element());
}

TEST(Rows, EmptyAndDefault) {
    Rows none = counting_rows(0);
    EXPECT_FALSE(none.contains_element());
    EXPECT_EQ(none.begin(), none.end());
    Rows nothing;
    EXPECT_TRUE(nothing.columns().empty());
    EXPECT_FALSE(nothing.contains_element());
    EXPECT_EQ(nothing.begin(), nothing.end());
    nothing.get_next();  // past the last: nothing happens
    EXPECT_FALSE(nothing.contains_element());
}

// CLP's MySQLDB::Iterator loop: while (contains_element()) { get_field_as_string(); get_next(); }
TEST(Rows, ReadsAsACursorOnTheFirstRowOnceMade) {
    Rows rows = counting_rows(2);
    std::string value = "stale";
    ASSERT_TRUE(rows.contains_element());
    rows.get_field_as_string(0, value);
    EXPECT_EQ(value, "1");
    rows.get_field_as_string(1, value);
    EXPECT_EQ(value, "odd");
    EXPECT_THROW(rows.get_field_as_string(2, value), UsageError);
    rows.get_next();
    ASSERT_TRUE(rows.contains_element());
    rows.get_field_as_string(1, value);
    EXPECT_EQ(value, "");  // NULL
    rows.get_next();
    EXPECT_FALSE(rows.contains_element());
    EXPECT_THROW(rows.get_field_as_string(0, value), UsageError);
    rows.get_next();
    EXPECT_FALSE(rows.contains_element());
}

TEST(Rows, ARangeForStartsAtTheCurrentRow) {
    Rows rows = counting_rows(3);
    rows.get_next();
    std::vector<Row> rest(rows.begin(), rows.end());
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0][0], "2");
}

TEST(Rows, MovesAndPropagatesReadErrors) {
    int fetched = 0;
    const auto fail_second = [&fetched](Row& row) -> bool {
        if (++fetched == 2) throw QueryError({2013, "HY000", "Lost connection"});
        row = {"x"};
        return true;
    };
    Rows failing({"x"}, fail_second);
    Rows moved = std::move(failing);
    EXPECT_EQ(moved.columns().size(), 1u);
    EXPECT_TRUE(moved.contains_element());
    try {
        moved.get_next();
        FAIL() << "no error";
    } catch (const Error& error) {  // a QueryError, caught as connguard's base
        EXPECT_EQ(error.code(), 2013);
        EXPECT_EQ(error.sqlstate(), "HY000");
        EXPECT_STREQ(error.what(), "Lost connection (error 2013, SQLSTATE HY000)");
    }
    EXPECT_FALSE(moved.contains_element());
    moved.get_next();  // a failed read ended the rows: never fetched again
    EXPECT_EQ(fetched, 2);
    EXPECT_THROW(Rows({"x"}, [](Row&) -> bool { throw QueryError({2013, "HY000", "Lost"}); }), QueryError);
}

}  // namespace
}  // namespace connguard
