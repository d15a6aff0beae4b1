// MySQLDB without a server: refused connects to a closed loopback port are
// real driver failures (2002/2003), and the fake clock makes retries instant.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "closed_port.hpp"
#include "connguard/environment_policy.hpp"
#include "connguard/mysqldb.hpp"
#include "connguard/schedule.hpp"
#include "fake_clock.hpp"
#include "silent_server.hpp"

namespace connguard {
namespace {

struct Offline : ::testing::Test {
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
    std::vector<LogRecord> records;
    MySQLDBOptions options() {
        MySQLDBOptions o;
        o.clock = clock;
        o.log_sink = [this](const LogRecord& record) { records.push_back(record); };
        o.seed = [] { return std::uint64_t{42}; };
        return o;
    }
};

TEST_F(Offline, RefusedConnectsFollowTheScheduleOfTheSeed) {
    Policy policy;  // full jitter
    policy.max_attempts = 6;
    const unsigned int port = closed_port();
    MySQLDB db(options());
    try {
        db.open("127.0.0.1", port, "app", "s3cret-Pw", "main", policy, "billing");
        FAIL() << "connected to a closed port";
    } catch (const ConnectError& error) {
        ASSERT_TRUE(error.code().has_value());
        EXPECT_TRUE(*error.code() == 2002 || *error.code() == 2003) << *error.code();
        EXPECT_EQ(error.error_class(), ErrorClass::Transient);
        EXPECT_EQ(error.reason(), Reason::Attempts);
        EXPECT_EQ(error.attempts(), 6);
        EXPECT_FALSE(error.sqlstate().empty());
        EXPECT_EQ(std::string(error.what()).find("s3cret-Pw"), std::string::npos) << error.what();
    }
    EXPECT_FALSE(db.is_open());
    Schedule schedule(policy, 42);
    ASSERT_EQ(clock->sleeps.size(), 5u);
    for (const double slept : clock->sleeps) EXPECT_EQ(slept, schedule.next());
    ASSERT_EQ(records.size(), 6u);
    const std::string target = "mariadb://app:***@127.0.0.1:" + std::to_string(port) + "/main";
    for (const LogRecord& record : records) {
        EXPECT_EQ(record.service, "billing");
        EXPECT_EQ(record.target, target);
        EXPECT_NE(record.message.find("service=billing target=" + target), std::string::npos)
            << record.message;
        EXPECT_EQ(record.message.find("s3cret-Pw"), std::string::npos) << record.message;
    }
    EXPECT_EQ(records.back().event, LogEvent::GiveUp);
}

TEST_F(Offline, WithoutAPolicyTheEnvironmentsIsUsed) {
    const auto file = std::filesystem::temp_directory_path() /
                      ("connguard-offline-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file) << "[service.reports]\nmax_attempts = 2\njitter = \"none\"\n";
    ::setenv(kPolicyEnv, file.c_str(), 1);
    MySQLDBOptions o = options();
    o.service = "reports";
    MySQLDB db(o);
    try {
        db.open("127.0.0.1", closed_port(), "app", "pw", "main");
        FAIL() << "connected to a closed port";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.attempts(), 2);
    }
    ::unsetenv(kPolicyEnv);
    std::filesystem::remove(file);
    EXPECT_EQ(clock->sleeps, (std::vector<double>{0.05}));
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front().service, "reports");
}

TEST_F(Offline, AnExplicitPolicyInTheOptionsWins) {
    MySQLDBOptions o = options();
    Policy policy;
    policy.max_attempts = 1;
    o.policy = policy;
    MySQLDB db(o);
    EXPECT_THROW(db.open("127.0.0.1", closed_port(), "app", "pw", "main"), ConnectError);
    EXPECT_TRUE(clock->sleeps.empty());
}

// As CLP's MySQLDB: a call that needs a connection throws when there is none.
TEST(MySQLDBClosed, CallsThatNeedAConnectionThrowUsageError) {
    MySQLDB db;
    EXPECT_FALSE(db.is_open());
    EXPECT_EQ(db.native_handle(), nullptr);
    EXPECT_THROW(db.execute_query("SELECT 1"), UsageError);
    EXPECT_THROW(db.prepare_statement("SELECT 1"), UsageError);
    EXPECT_THROW(db.prepare_statement("SELECT 1", 8), UsageError);
    EXPECT_THROW(db.get_iterator(), UsageError);
    try {
        db.close();
        FAIL() << "closed a closed MySQLDB";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), std::nullopt);
        EXPECT_STREQ(error.what(), "connguard::MySQLDB::close: no connection is open");
    }
    EXPECT_EQ(db.affected_rows(), 0u);
    MySQLDB moved = std::move(db);
    EXPECT_FALSE(moved.is_open());
}

// Every attempt starts from a fresh handle, so the service's options are set on each.
TEST_F(Offline, ConfigureRunsOnEveryAttemptsHandle) {
    Policy policy;
    policy.max_attempts = 3;
    MySQLDBOptions o = options();
    std::vector<st_mysql*> handles;
    o.configure = [&handles](st_mysql* mysql) { handles.push_back(mysql); };
    MySQLDB db(o);
    EXPECT_THROW(db.open("127.0.0.1", closed_port(), "app", "pw", "main", policy), ConnectError);
    ASSERT_EQ(handles.size(), 3u);
    for (st_mysql* handle : handles) EXPECT_NE(handle, nullptr);
}

TEST_F(Offline, AnExceptionFromConfigureEndsOpenAsItIs) {
    MySQLDBOptions o = options();
    int calls = 0;
    o.configure = [&calls](st_mysql*) {
        ++calls;
        throw std::invalid_argument("no such CA file");
    };
    MySQLDB db(o);
    EXPECT_THROW(db.open("127.0.0.1", closed_port(), "app", "pw", "main", Policy()), std::invalid_argument);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(db.is_open());
    EXPECT_TRUE(clock->sleeps.empty());
}

TEST_F(Offline, AMovedFromObjectCanOpenAgain) {
    Policy policy;
    policy.max_attempts = 2;
    MySQLDB first(options());
    MySQLDB second = std::move(first);
    // first lost its clock and sink to the move; open() restores the defaults
    // (a real 50ms-at-most sleep here), and the failure is still a ConnectError.
    policy.initial_delay = 0.001;
    EXPECT_THROW(first.open("127.0.0.1", closed_port(), "app", "pw", "main", policy),
                 ConnectError);  // NOLINT
    EXPECT_THROW(second.open("127.0.0.1", closed_port(), "app", "pw", "main", policy), ConnectError);
    EXPECT_EQ(clock->sleeps.size(), 1u);  // only second used the fake clock
}

// Spec 7: a server that accepts and never answers costs at most the deadline.
// Each attempt's cap (not the policy's connect_timeout) bounds the handshake;
// Connector/C rounds it up to whole seconds. On the real clock, through a gate.
TEST(MySQLDBSilentServer, CostsTheDeadlineNotTheConnectTimeout) {
    const SilentServer server;
    Policy policy;
    policy.deadline = 1.0;
    policy.connect_timeout = 5.0;
    MySQLDBOptions options;
    options.log_sink = [](const LogRecord&) {};
    MySQLDB db(options);
    const auto start = std::chrono::steady_clock::now();
    try {
        db.open("127.0.0.1", server.port(), "app", "pw", "main", policy);
        FAIL() << "connected to a server that never answers";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.reason(), Reason::Deadline);
        EXPECT_EQ(error.attempts(), 1);
        EXPECT_EQ(error.error_class(), ErrorClass::Transient);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took.count(), 2.5);  // 5 s with the policy's connect_timeout
}

}  // namespace
}  // namespace connguard
