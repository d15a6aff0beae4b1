// connguard::Error: one base for every exception connguard throws, with the
// driver's error code when there is one.
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "connguard/connect_error.hpp"
#include "connguard/policy_error.hpp"
#include "connguard/query_error.hpp"
#include "connguard/usage_error.hpp"

namespace connguard {
namespace {

static_assert(std::is_base_of_v<Error, ConnectError> && std::is_base_of_v<Error, QueryError> &&
              std::is_base_of_v<Error, UsageError> && std::is_base_of_v<Error, PolicyError>);
static_assert(std::is_base_of_v<std::runtime_error, Error>,
              "handlers of std::runtime_error still catch them");

// What a service's boundary does: catch connguard::Error and map it into the
// service's own hierarchy by code().
std::pair<std::string, std::optional<int>> caught(const std::function<void()>& thrower) {
    try {
        thrower();
    } catch (const Error& error) {
        return {error.sqlstate(), error.code()};
    }
    return {"nothing thrown", std::nullopt};
}

TEST(Error, CarriesTheDriversCodeWhenThereIsOne) {
    EXPECT_EQ(caught([] {
                  throw ConnectError(1040, "08004", "Too many connections", 3, 0.5, Reason::Deadline,
                                     ErrorClass::Capacity, "gave up");
              }),
              (std::pair<std::string, std::optional<int>>{"08004", 1040}));
    EXPECT_EQ(caught([] {
                  throw QueryError({1146, "42S02", "Table 'main.x' doesn't exist"});
              }),
              (std::pair<std::string, std::optional<int>>{"42S02", 1146}));
}

TEST(Error, HasNoCodeWhenTheErrorIsConnguardsOwn) {
    EXPECT_EQ(caught([] {
                  throw ConnectError(std::nullopt, "", "waited 30s in the queue", 0, 30, Reason::Deadline,
                                     ErrorClass::Capacity, "");
              }),
              (std::pair<std::string, std::optional<int>>{"", std::nullopt}));
    EXPECT_EQ(caught([] {
                  throw QueryError({0, "HY000", "2 parameters expected, 1 given"});
              }),
              (std::pair<std::string, std::optional<int>>{"HY000", std::nullopt}));
    EXPECT_EQ(caught([] { throw UsageError("connguard::MySQLDB::close: no connection is open"); }),
              (std::pair<std::string, std::optional<int>>{"", std::nullopt}));
    EXPECT_EQ(caught([] {
                  throw PolicyError(PolicyErrorKind::UnknownKey, "p.toml", 2, "default", "dedline",
                                    "unknown key", "deadline");
              }),
              (std::pair<std::string, std::optional<int>>{"", std::nullopt}));
}

TEST(Error, WhatIsUnchangedByTheBase) {
    const ConnectError error(1045, "28000", "Access denied", 1, 0.01, Reason::Fatal, ErrorClass::Fatal,
                             "gave up after 1 attempt");
    EXPECT_STREQ(error.what(), "Access denied (error 1045, SQLSTATE 28000); gave up after 1 attempt");
    EXPECT_EQ(error.sqlstate(), "28000");
    EXPECT_EQ(error.message(), "Access denied");
}
}  // namespace
}  // namespace connguard
