#include <gtest/gtest.h>

#include <string>

#include "connguard/classification.hpp"

namespace connguard {
namespace {

TEST(Classification, BuiltInTable) {
    for (const int code : {1040, 1203, 1226, 1135, 1041, 9001}) {
        EXPECT_EQ(classify(code), ErrorClass::Capacity) << code;
    }
    for (const int code : {2002, 2003, 2006, 2013, 2055, 1053, 1927, 1158, 1159, 1160, 1161}) {
        EXPECT_EQ(classify(code), ErrorClass::Transient) << code;
    }
    for (const int code : {1045, 1044, 1049, 1129, 2005, 2026, 2059, 1205, 1, 65535}) {
        EXPECT_EQ(classify(code), ErrorClass::Fatal) << code;
    }
    EXPECT_EQ(classify(std::nullopt), ErrorClass::Transient);
}

TEST(Classification, LookupDescribesEveryNamedCode) {
    for (const int code : {1040, 1203, 1226, 1135, 1041, 9001, 2002, 2003, 2006, 2013, 2055, 1053,
                           1927, 1158, 1159, 1160, 1161, 1045, 1044, 1049, 1129, 2005, 2026, 2059}) {
        const CodeInfo* info = lookup_code(code);
        ASSERT_NE(info, nullptr) << code;
        EXPECT_EQ(info->code, code);
        EXPECT_EQ(info->error_class, classify(code));
        EXPECT_FALSE(info->name.empty());
        EXPECT_FALSE(info->meaning.empty());
        EXPECT_FALSE(info->advice.empty());
    }
    EXPECT_EQ(lookup_code(1205), nullptr);
    EXPECT_EQ(lookup_code(0), nullptr);
    EXPECT_EQ(lookup_code(1040)->name, "ER_CON_COUNT_ERROR");
    EXPECT_EQ(lookup_code(9001)->name, "PROXYSQL_MAX_CONNECT_TIMEOUT");
    EXPECT_EQ(lookup_code(2013)->name, "CR_SERVER_LOST");
    EXPECT_NE(std::string(lookup_code(1129)->advice).find("run FLUSH HOSTS or raise max_connect_errors"),
              std::string::npos);
}

TEST(Classification, PolicyOrder) {
    Policy policy;
    policy.retry_on = {1205, 1213, 1045, 1040};
    policy.never_retry = {2013, 1213};
    EXPECT_EQ(classify(1205, policy), ErrorClass::Transient);  // retry_on
    EXPECT_EQ(classify(1045, policy), ErrorClass::Transient);  // retry_on beats built-in fatal
    EXPECT_EQ(classify(1040, policy), ErrorClass::Capacity);   // built-in class kept
    EXPECT_EQ(classify(2013, policy), ErrorClass::Fatal);      // never_retry
    EXPECT_EQ(classify(1213, policy), ErrorClass::Fatal);      // never_retry beats retry_on
    EXPECT_EQ(classify(1049, policy), ErrorClass::Fatal);      // named nowhere
    EXPECT_EQ(classify(2003, policy), ErrorClass::Transient);
    EXPECT_EQ(classify(std::nullopt, policy), ErrorClass::Transient);
}

TEST(Classification, Names) {
    EXPECT_EQ(to_string(ErrorClass::Capacity), "capacity");
    EXPECT_EQ(to_string(ErrorClass::Transient), "transient");
    EXPECT_EQ(to_string(ErrorClass::Fatal), "fatal");
}

}  // namespace
}  // namespace connguard
