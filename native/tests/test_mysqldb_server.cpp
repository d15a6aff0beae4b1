// MySQLDB against the server (max_connections=10 for the test account) that
// `python -m connguard.testing run -- ctest ...` starts, or prepares when
// MYSQL_TEST_URL names one, and describes in CONNGUARD_TEST_* variables.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mysql.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "admin_connection.hpp"
#include "closed_port.hpp"
#include "connguard/events.hpp"
#include "connguard/metrics.hpp"
#include "connguard/mysqldb.hpp"
#include "connguard/policy_set.hpp"
#include "fake_clock.hpp"
#include "server_key.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace connguard {
namespace {

// may_be_empty: the embedded root's password is.
std::string env(const char* name, bool may_be_empty = false) {
    const char* value = std::getenv(name);
    if (value == nullptr || (*value == '\0' && !may_be_empty)) {
        throw std::runtime_error(std::string(name) +
                                 " is not set: run the tests under `python -m connguard.testing run -- ...`");
    }
    return value;
}

struct TestServer {
    std::string host = env("CONNGUARD_TEST_HOST");
    unsigned int port = static_cast<unsigned int>(std::stoul(env("CONNGUARD_TEST_PORT")));
    std::string user = env("CONNGUARD_TEST_USER");
    std::string password = env("CONNGUARD_TEST_PASSWORD");
    std::string database = env("CONNGUARD_TEST_DATABASE");
    std::string admin_host = env("CONNGUARD_TEST_ADMIN_HOST");
    unsigned int admin_port = static_cast<unsigned int>(std::stoul(env("CONNGUARD_TEST_ADMIN_PORT")));
    std::string admin_user = env("CONNGUARD_TEST_ADMIN_USER");
    std::string admin_password = env("CONNGUARD_TEST_ADMIN_PASSWORD", true);
    // The admin connection shows in Threads_connected (and takes a slot).
    bool admin_counted = env("CONNGUARD_TEST_ADMIN_COUNTED") == "1";
    // Where the server counts the connects it refused with 1040.
    std::string refused_status = env("CONNGUARD_TEST_REFUSED_STATUS");
    bool external = env("CONNGUARD_TEST_SERVER_KIND") == "external";
    int max_connections = std::stoi(env("CONNGUARD_TEST_MAX_CONNECTIONS"));
    pid_t control_pid = static_cast<pid_t>(std::stol(env("CONNGUARD_TEST_CONTROL_PID")));
};

Policy policy(const std::string& toml) {
    return PolicySet::parse("[service.test]\n" + toml).service("test");
}

// Patient enough for a busy or restarting server; the tests that prove
// something pass their own.
const Policy kPatient = policy("max_attempts = 1000\ndeadline = \"30s\"\nmax_delay = \"200ms\"\n");
// The same without the limiter: every caller retries on its own, blind.
const Policy kBlind = policy(
    "max_attempts = 1000\ndeadline = \"30s\"\nmax_delay = \"200ms\"\n[service.test.limiter]\nenabled = "
    "false\n");

// Log records of any number of threads.
struct Captured {
    std::mutex mutex;
    std::vector<LogRecord> records;
    MySQLDBOptions options() {
        MySQLDBOptions o;
        o.log_sink = [this](const LogRecord& record) {
            const std::lock_guard<std::mutex> lock(mutex);
            records.push_back(record);
        };
        return o;
    }
    int retries_with(int code) {
        const std::lock_guard<std::mutex> lock(mutex);
        int count = 0;
        for (const LogRecord& r : records) count += r.event == LogEvent::Retry && r.code == code ? 1 : 0;
        return count;
    }
};

class Server : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NO_THROW(server_ = std::make_unique<TestServer>());
        ASSERT_NO_THROW(admin_ = std::make_unique<AdminConnection>(s().admin_host, s().admin_port,
                                                                   s().admin_user, s().admin_password));
        wait_until_idle();
    }

    MySQLDB open(MySQLDBOptions options = {}, const Policy& with = kPatient) {
        MySQLDB db(std::move(options));
        db.open(s().host, s().port, s().user, s().password, s().database, with);
        return db;
    }

    // The server ends the threads of closed connections asynchronously; wait
    // for them so that every test starts with all max_connections free. Only
    // the admin connection may be left, where Threads_connected counts it: an
    // earlier test's admin connection still ending takes a slot too.
    void wait_until_idle() {
        const long own = s().admin_counted ? 1 : 0;
        for (int i = 0; i < 500; ++i) {
            long connected = 0;
            ASSERT_NO_THROW(connected = admin_->status("Threads_connected"));
            if (connected <= own) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        FAIL() << "connections of an earlier test are still open";
    }

    // SHOW GLOBAL STATUS as the admin, once the server has counted what the
    // last test did (a refused connect is counted when its server thread ends).
    long global_status(const std::string& name) {
        wait_until_idle();
        long last = -1;
        for (int i = 0; i < 100; ++i) {
            long value = -1;
            EXPECT_NO_THROW(value = admin_->status(name));
            if (value == last) return value;
            last = value;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ADD_FAILURE() << name << " never settled";
        return last;
    }

    // The gate's key for the test server, as MySQLDB computes it.
    std::string target() const { return detail::server_key(s().host, s().port); }

    const TestServer& s() const { return *server_; }

private:
    std::unique_ptr<TestServer> server_;
    std::unique_ptr<AdminConnection> admin_;
};

TEST_F(Server, InsertsAndReadsRows) {
    MySQLDB db = open();
    EXPECT_TRUE(db.is_open());
    EXPECT_EQ(db.attempts(), 1);
    ASSERT_TRUE(db.execute_query("DROP TABLE IF EXISTS items")) << db.last_error().message;
    ASSERT_TRUE(
        db.execute_query("CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT, note TEXT)"));
    ASSERT_TRUE(db.execute_query("INSERT INTO items (name, note) VALUES ('plain', 'x')"));
    EXPECT_EQ(db.insert_id(), 1u);
    EXPECT_EQ(db.affected_rows(), 1u);
    EXPECT_TRUE(db.get_iterator().columns().empty());  // an INSERT has no result set

    const std::string long_name(300, 'n');  // longer than the initial column buffer
    Statement insert = db.prepare_statement("INSERT INTO items (name, note) VALUES (?, ?)");
    ASSERT_TRUE(insert.execute({long_name, std::nullopt})) << insert.last_error().message;
    EXPECT_EQ(insert.insert_id(), 2u);
    ASSERT_TRUE(insert.execute({"third", "it's \"quoted\""}));
    EXPECT_EQ(insert.affected_rows(), 1u);
    EXPECT_FALSE(insert.execute({"too few"}));
    EXPECT_NE(insert.last_error().message.find("2 parameters expected, 1 given"), std::string::npos);

    ASSERT_TRUE(db.execute_query("SELECT id, name, note FROM items ORDER BY id"));
    Rows rows = db.get_iterator();
    EXPECT_EQ(rows.columns(), (std::vector<std::string>{"id", "name", "note"}));
    std::vector<Row> all(rows.begin(), rows.end());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0], (Row{"1", "plain", "x"}));
    EXPECT_EQ(all[1], (Row{"2", long_name, std::nullopt}));
    EXPECT_EQ(all[2], (Row{"3", "third", "it's \"quoted\""}));

    Statement select = db.prepare_statement("SELECT name, note FROM items WHERE id >= ? ORDER BY id");
    ASSERT_TRUE(select.execute({"2"}));
    std::vector<Row> selected;
    for (const Row& row : select.rows()) selected.push_back(row);
    ASSERT_EQ(selected.size(), 2u);
    EXPECT_EQ(selected[0], (Row{long_name, std::nullopt}));
    EXPECT_EQ(selected[1], (Row{"third", "it's \"quoted\""}));

    EXPECT_FALSE(db.execute_query("SELECT * FROM no_such_table"));
    EXPECT_EQ(db.last_error().code, 1146);
    EXPECT_EQ(db.last_error().sqlstate, "42S02");
    EXPECT_THROW(db.prepare_statement("SELEKT 1"), QueryError);
    EXPECT_EQ(db.last_error().code, 1064);
    ASSERT_TRUE(db.execute_query("DROP TABLE items"));
}

// CLP's calls (components/core/src/clp/GlobalMySQLMetadataDB.cpp): a prepared
// INSERT with typed bindings rebound in a loop, rows read by a streaming cursor.
TEST_F(Server, TypedBindingsAndAStreamingIterator) {
    MySQLDB db = open();
    ASSERT_TRUE(db.execute_query("DROP TABLE IF EXISTS archives"));
    ASSERT_TRUE(
        db.execute_query("CREATE TABLE archives (id VARCHAR(64), begin_ts BIGINT, size BIGINT UNSIGNED, kind "
                         "TINYINT UNSIGNED, "
                         "note TEXT)"));
    const std::string sql = "INSERT INTO archives VALUES (?, ?, ?, ?, ?)";
    Statement insert = db.prepare_statement(sql.c_str(), sql.length());
    ParamBindings& bindings = insert.get_statement_bindings();
    EXPECT_EQ(bindings.size(), 5u);
    EXPECT_FALSE(insert.execute());  // nothing bound yet
    EXPECT_EQ(insert.last_error().message, "connguard::Statement: parameter 0 is not bound");

    struct Archive {
        std::string id;
        std::int64_t begin_ts;
        std::uint64_t size;
        std::uint8_t kind;
    };
    std::vector<Archive> archives = {{"b", 1700000000200, 18446744073709551615u, 255}, {"a", -5, 0, 0}};
    for (Archive& archive : archives) {
        bindings.bind_varchar(0, archive.id.c_str(), archive.id.length());
        bindings.bind_int64(1, archive.begin_ts);
        bindings.bind_uint64(2, archive.size);
        bindings.bind_uint8(3, archive.kind);
        bindings.bind_null(4);
        ASSERT_TRUE(insert.execute()) << insert.last_error().message;
        EXPECT_EQ(insert.affected_rows(), 1u);
    }
    EXPECT_THROW(bindings.bind_null(5), UsageError);
    const std::string note = "a note";
    bindings.bind_varchar(4, note.data(), note.size());
    archives[1].id = "c";  // read where it lives, at execute()
    bindings.bind_varchar(0, archives[1].id.c_str(), archives[1].id.length());
    ASSERT_TRUE(insert.execute()) << insert.last_error().message;

    ASSERT_TRUE(
        db.execute_query("SELECT id, begin_ts, size, kind, note FROM archives ORDER BY begin_ts, id"));
    MySQLDB::Iterator iterator = db.get_iterator();
    std::vector<std::string> rows;
    std::string field;
    while (iterator.contains_element()) {
        std::string line;
        for (std::size_t i = 0; i < 5; ++i) {
            iterator.get_field_as_string(i, field);
            line += (i == 0 ? "" : " ") + field;
        }
        rows.push_back(line);
        iterator.get_next();
    }
    EXPECT_EQ(rows, (std::vector<std::string>{"a -5 0 0 ", "c -5 0 0 a note",
                                              "b 1700000000200 18446744073709551615 255 "}));
    EXPECT_TRUE(db.execute_query("SELECT 1")) << db.last_error().message;  // all read: usable again
}

// An unread iterator frees its result set when destroyed: the connection is usable after.
TEST_F(Server, ADestroyedIteratorLeavesTheConnectionUsable) {
    MySQLDB db = open();
    // 1000 rows on MariaDB and MySQL 8 alike (MySQL's default recursion depth is 1000).
    ASSERT_TRUE(
        db.execute_query("WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < "
                         "1000) SELECT n FROM seq"));
    {
        MySQLDB::Iterator iterator = db.get_iterator();
        std::string first;
        iterator.get_field_as_string(0, first);
        EXPECT_EQ(first, "1");
        // Streamed, not buffered: the server still has rows to send.
        EXPECT_FALSE(db.execute_query("SELECT 1"));
        EXPECT_EQ(db.last_error().code, 2014) << db.last_error().message;  // CR_COMMANDS_OUT_OF_SYNC
    }
    ASSERT_TRUE(db.execute_query("SELECT 2")) << db.last_error().message;
    Rows rows = db.get_iterator();
    ASSERT_TRUE(rows.contains_element());
    EXPECT_EQ(*rows.begin(), (Row{"2"}));
}

// As CLP's MySQLDB: open() on an open object and close() on a closed one throw.
TEST_F(Server, OpenWhileOpenAndCloseWhileClosedThrow) {
    MySQLDB db = open();
    EXPECT_THROW(db.open(s().host, s().port, s().user, s().password, s().database, kPatient), UsageError);
    EXPECT_THROW(db.open(s().host, s().port, s().user, s().password, s().database), UsageError);
    EXPECT_TRUE(db.execute_query("SELECT 1")) << "the open connection was kept";
    db.close();
    EXPECT_THROW(db.close(), UsageError);
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);  // closed: opens again
    EXPECT_TRUE(db.execute_query("SELECT 1")) << db.last_error().message;
}

std::string session_status(MySQLDB& db, const std::string& name) {
    EXPECT_TRUE(db.execute_query("SHOW SESSION STATUS LIKE '" + name + "'")) << db.last_error().message;
    MySQLDB::Iterator row = db.get_iterator();
    std::string value;
    row.get_field_as_string(1, value);
    return value;
}

// CLP's MySQLDB connects with CLIENT_COMPRESS: compressed when asked, by flag or option.
TEST_F(Server, CompressionIsOnWhenAsked) {
    MySQLDB plain = open();
    EXPECT_EQ(session_status(plain, "Compression"), "OFF");
    MySQLDBOptions flag;
    flag.client_flags = CLIENT_COMPRESS;
    MySQLDB flagged = open(flag);
    EXPECT_EQ(session_status(flagged, "Compression"), "ON");
    MySQLDBOptions option;
    option.configure = [](st_mysql* mysql) { mysql_optionsv(mysql, MYSQL_OPT_COMPRESS, nullptr); };
    MySQLDB configured = open(option);
    EXPECT_EQ(session_status(configured, "Compression"), "ON");
}

// Refused attempts first, then one that connects: each had a fresh handle and
// the service's options, so the connection that stays has them too.
TEST_F(Server, TheServicesOptionsAreSetOnEveryAttempt) {
    std::vector<MySQLDB> held;
    for (int i = 0; i < s().max_connections; ++i) held.push_back(open());
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        held.back().close();
    });
    Captured log;
    MySQLDBOptions options = log.options();
    options.client_flags = CLIENT_COMPRESS;
    std::atomic<int> configured{0};
    options.configure = [&configured](st_mysql* mysql) {
        ++configured;
        mysql_optionsv(mysql, MYSQL_INIT_COMMAND, "SET @service_option = 'set'");
    };
    MySQLDB db(options);
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    release.join();
    EXPECT_GT(db.attempts(), 1);
    EXPECT_EQ(configured, db.attempts());
    EXPECT_EQ(session_status(db, "Compression"), "ON");
    ASSERT_TRUE(db.execute_query("SELECT @service_option")) << db.last_error().message;
    Rows rows = db.get_iterator();
    ASSERT_TRUE(rows.contains_element());
    EXPECT_EQ(*rows.begin(), (Row{"set"}));
}

// 64 threads, each open -> SELECT SLEEP(0.02) -> close, released together.
// Returns the error codes of the opens that failed.
std::vector<std::optional<int>> storm(const TestServer& s, const Policy& with, Captured& log) {
    constexpr int kThreads = 64;
    std::mutex mutex;
    std::condition_variable gate;
    bool go = false;
    std::vector<std::optional<int>> failures;
    std::atomic<int> queries_ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            MySQLDB db(log.options());
            {
                std::unique_lock<std::mutex> lock(mutex);
                gate.wait(lock, [&] { return go; });
            }
            try {
                db.open(s.host, s.port, s.user, s.password, s.database, with);
                if (db.execute_query("SELECT SLEEP(0.02)")) {
                    for (const Row& row : db.get_iterator()) queries_ok += row.at(0) == "0" ? 1 : 0;
                }
                db.close();
            } catch (const ConnectError& error) {
                const std::lock_guard<std::mutex> lock(mutex);
                failures.push_back(error.code());
            }
        });
    }
    {
        const std::lock_guard<std::mutex> lock(mutex);
        go = true;
    }
    gate.notify_all();
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(queries_ok + static_cast<int>(failures.size()), kThreads);
    return failures;
}

TEST_F(Server, SixtyFourThreadsAllSucceedWithRetry) {
    Captured log;
    const std::vector<std::optional<int>> failures = storm(s(), kBlind, log);
    EXPECT_TRUE(failures.empty()) << failures.size() << " of 64 opens failed";
    EXPECT_GT(log.retries_with(1040), 0) << "the server was never full: the test proves nothing";
}

TEST_F(Server, SixtyFourThreadsMostlyFailWithoutRetry) {
    Captured log;
    const std::vector<std::optional<int>> failures =
        storm(s(), policy("max_attempts = 1\n[service.test.limiter]\nenabled = false\n"), log);
    int too_many = 0;
    for (const std::optional<int>& code : failures) too_many += code == 1040 ? 1 : 0;
    EXPECT_GT(too_many, 32) << failures.size() << " failed, " << too_many << " with 1040";
    EXPECT_EQ(log.retries_with(1040), 0);
}

// The limiter's point: all 64 still succeed, and the server (by its own count)
// refuses fewer connects than when every thread backs off blind, in the same run.
TEST_F(Server, TheLimiterHasTheServerRefuseFewerConnectsThanBlindBackoff) {
    Captured log;
    const long start = global_status(s().refused_status);
    const std::vector<std::optional<int>> blind_failures = storm(s(), kBlind, log);
    const long blind = global_status(s().refused_status) - start;
    const std::vector<std::optional<int>> gated_failures = storm(s(), kPatient, log);
    const long gated = global_status(s().refused_status) - start - blind;
    std::cout << "connects refused by the server: blind backoff " << blind << ", limiter " << gated << "\n";
    EXPECT_TRUE(blind_failures.empty()) << blind_failures.size() << " of 64 opens failed";
    EXPECT_TRUE(gated_failures.empty()) << gated_failures.size() << " of 64 opens failed";
    EXPECT_GT(blind, 0) << "the server was never full: the test proves nothing";
    EXPECT_LT(gated, blind);
}

// Spec 8.2: refused connects are connguard_attempt_failures_total{class="capacity"},
// which equals the server's own count of refusals when nothing else connects
// (CONNGUARD_TEST_REFUSED_STATUS: MariaDB counts a 1040 refused to an account
// without admin rights in Aborted_connects, MySQL in
// Connection_errors_max_connections).
TEST_F(Server, MetricsCountEveryConnectTheServerRefused) {
    Captured log;
    const long before = global_status(s().refused_status);
    Metrics metrics;
    {
        const EventSubscription observing = add_event_sink(metrics.sink());
        EXPECT_TRUE(storm(s(), kBlind, log).empty());    // every caller for itself: many refusals
        EXPECT_TRUE(storm(s(), kPatient, log).empty());  // through the gate
    }
    const long refused = global_status(s().refused_status) - before;
    EXPECT_GT(refused, 0) << "the server was never full: the test proves nothing";
    EXPECT_EQ(metrics.value("connguard_attempt_failures_total", {{"class", "capacity"}}), refused);
    const double connects = metrics.value("connguard_connects_total");
    EXPECT_EQ(connects, 2 * 64);  // every caller of both storms
    EXPECT_EQ(metrics.value("connguard_attempts_total"),
              connects + metrics.value("connguard_attempt_failures_total"));
    EXPECT_GT(metrics.value("connguard_connects_retried_total"), 0);
    EXPECT_EQ(metrics.value("connguard_give_ups_total"), 0);
    EXPECT_EQ(metrics.value("connguard_connect_duration_seconds", {{"outcome", "connected"}}), connects);
    EXPECT_EQ(metrics.value("connguard_limiter_holding", {{"server", target()}}), 0);  // all closed
    const std::string rendered = metrics.prometheus_text() + metrics.snapshot_json();
    EXPECT_EQ(rendered.find(s().password), std::string::npos);
    EXPECT_NE(rendered.find("connguard_attempt_failures_total{service=\"test\",target=\"mariadb://" +
                            s().user + ":***@"),
              std::string::npos)
        << rendered;
}

TEST_F(Server, ASinkThatThrowsOnConnectedChangesNothing) {
    const std::shared_ptr<Clock> clock = std::make_shared<SteadyClock>();  // a gate of its own
    MySQLDBOptions options;
    options.clock = clock;
    const std::shared_ptr<Gate> gate = Gate::of(target(), kPatient, clock, random_seed);
    const EventSubscription sink = add_event_sink([](const Event& e) {
        if (e.name == EventName::Connected) throw std::runtime_error("the sink's bug");
    });
    MySQLDB db(options);
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    EXPECT_TRUE(db.is_open());
    EXPECT_EQ(gate->state().holding, 1);
    db.close();
    EXPECT_EQ(gate->state().in_use, 0);
}

TEST_F(Server, CloseAndTheDestructorReportTheReleaseToTheGate) {
    // Our own clock, to find the gate these MySQLDBs share.
    const std::shared_ptr<Clock> clock = std::make_shared<SteadyClock>();
    MySQLDBOptions options;
    options.clock = clock;
    const std::shared_ptr<Gate> gate = Gate::of(target(), kPatient, clock, random_seed);
    MySQLDB a = open(options);
    MySQLDB b = open(options);
    EXPECT_EQ(gate->state().holding, 2);
    a = std::move(b);  // a's own connection closes
    EXPECT_EQ(gate->state().holding, 1);
    std::thread([&a] { a.close(); }).join();  // closed on another thread
    EXPECT_EQ(gate->state().holding, 0);
    {
        MySQLDB c = open(options);
        EXPECT_EQ(gate->state().holding, 1);
    }
    EXPECT_EQ(gate->state().holding, 0);
    EXPECT_EQ(gate->state().in_use, 0);
}

TEST_F(Server, AccessDeniedFailsAtOnceWithoutThePassword) {
    const std::string wrong = "Wr0ng-Passw0rd-for-connguard";
    Captured log;
    MySQLDB db(log.options());
    try {
        db.open(s().host, s().port, s().user, wrong, s().database, kPatient);
        FAIL() << "connected with a wrong password";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.code(), 1045);
        EXPECT_EQ(error.sqlstate(), "28000");
        EXPECT_EQ(error.attempts(), 1);
        EXPECT_EQ(error.reason(), Reason::Fatal);
        const std::string what = error.what();
        EXPECT_NE(what.find("Access denied"), std::string::npos) << what;
        EXPECT_NE(what.find("gave up after 1 attempt in"), std::string::npos) << what;
        EXPECT_EQ(what.find(wrong), std::string::npos) << what;
        EXPECT_EQ(what.find(s().password), std::string::npos) << what;
    }
    ASSERT_EQ(log.records.size(), 1u);  // no retry, one ERROR
    EXPECT_EQ(log.records[0].event, LogEvent::GiveUp);
    EXPECT_EQ(log.records[0].message.find(wrong), std::string::npos) << log.records[0].message;
    EXPECT_FALSE(db.is_open());
}

TEST_F(Server, TheSameObjectOpensAgainAfterAFailedOpen) {
    std::vector<MySQLDB> held;
    for (int i = 0; i < s().max_connections; ++i) held.push_back(open());
    Captured log;
    MySQLDB db(log.options());
    try {
        db.open(s().host, s().port, s().user, s().password, s().database, policy("max_attempts = 2\n"));
        FAIL() << "the server had a free slot";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.code(), 1040);
        EXPECT_EQ(error.attempts(), 2);  // the second attempt was refused as the server, not a stale handle
    }
    held.clear();
    wait_until_idle();
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    EXPECT_EQ(db.attempts(), 1);
    EXPECT_TRUE(db.execute_query("SELECT 1")) << db.last_error().message;
}

TEST_F(Server, OneOpenConnectsOnALaterAttemptWhenASlotFrees) {
    std::vector<MySQLDB> held;
    for (int i = 0; i < s().max_connections; ++i) held.push_back(open());
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        held.back().close();
    });
    Captured log;
    MySQLDB db(log.options());
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    release.join();
    EXPECT_GT(db.attempts(), 1);
    EXPECT_EQ(log.retries_with(1040), db.attempts() - 1);
    const std::lock_guard<std::mutex> lock(log.mutex);
    for (const LogRecord& record : log.records) {  // it waited in the limiter's queue, never slept blind
        EXPECT_NE(record.message.find("queued for a free slot"), std::string::npos) << record.message;
    }
    EXPECT_TRUE(db.execute_query("SELECT 1")) << db.last_error().message;
}

// Whether a TCP connect to the server's port is refused (the server is down).
bool refused(const TestServer& s) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(s.port));
    ::inet_pton(AF_INET, s.host.c_str(), &address.sin_addr);
    const bool down = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0;
    ::close(fd);
    return down;
}

TEST_F(Server, OpenSucceedsWithinTheDeadlineWhenTheServerRestarts) {
    if (s().external) {
        GTEST_SKIP() << "the runner cannot restart an external server (MYSQL_TEST_URL): this test runs on "
                        "the embedded MariaDB, by make test-cpp (docs/testing.md)";
    }
    // The runner stops the server and starts it again 1 s after it is down.
    ASSERT_EQ(::kill(s().control_pid, SIGUSR1), 0);
    const auto asked = std::chrono::steady_clock::now();
    while (!refused(s())) {
        ASSERT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(30))
            << "the server never stopped";
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Captured log;
    MySQLDB db(log.options());
    const auto start = std::chrono::steady_clock::now();
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(took, kPatient.deadline);
    EXPECT_GT(db.attempts(), 1);
    EXPECT_TRUE(db.execute_query("SELECT 1")) << db.last_error().message;
    const std::lock_guard<std::mutex> lock(log.mutex);
    ASSERT_FALSE(log.records.empty());
    for (const LogRecord& record : log.records) {
        EXPECT_EQ(record.event, LogEvent::Retry);
        EXPECT_EQ(record.error_class, ErrorClass::Transient) << record.message;
    }
}

// The leak checks: failed attempts in bulk, then LeakSanitizer (ASan builds)
// or valgrind (the MySQLDBLeaks.valgrind ctest) looks for what they left.
class MySQLDBLeaks : public Server {
protected:
    void TearDown() override {
#if defined(__SANITIZE_ADDRESS__)
        EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found leaks";
#endif
    }
};

TEST_F(MySQLDBLeaks, AThousandRefusedAttemptsInOneOpen) {
    MySQLDBOptions options;
    options.clock = std::make_shared<FakeClock>();
    options.log_sink = [](const LogRecord&) {};
    MySQLDB db(options);
    const Policy thousand = policy("max_attempts = 1000\ndeadline = \"1000m\"\n");
    try {
        db.open("127.0.0.1", closed_port(), s().user, s().password, s().database, thousand);
        FAIL() << "connected to a closed port";
    } catch (const ConnectError& error) {
        EXPECT_EQ(error.attempts(), 1000);
        EXPECT_EQ(error.reason(), Reason::Attempts);
    }
}

TEST_F(MySQLDBLeaks, AThousandFailedOpensOfOneObject) {
    MySQLDBOptions options;
    options.log_sink = [](const LogRecord&) {};
    MySQLDB db(options);
    int denied = 0;
    for (int i = 0; i < 1000; ++i) {
        try {
            db.open(s().host, s().port, s().user, "wrong", s().database, kPatient);
        } catch (const ConnectError& error) {
            denied += error.code() == 1045 ? 1 : 0;
        }
    }
    EXPECT_EQ(denied, 1000);
    db.open(s().host, s().port, s().user, s().password, s().database, kPatient);
    EXPECT_TRUE(db.execute_query("SELECT 1"));
}

}  // namespace
}  // namespace connguard
