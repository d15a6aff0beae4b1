// The test server's admin account (CONNGUARD_TEST_ADMIN_*) on a plain
// Connector/C connection: outside connguard, so its connect is no event and
// holds no slot at any gate. A test keeps one open from SetUp to its end: where
// an admin connection takes one of max_connections' slots (an external server,
// CONNGUARD_TEST_ADMIN_COUNTED=1) the runner lent the tests one such slot, and
// a connection per query would hold a second, for the moment its server
// thread takes to end, that the test's next connect expects free.
#pragma once

#include <mysql.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace connguard {

class AdminConnection {
public:
    // Retries for up to 10 s while the server is full (1040: even the admins'
    // extra slot is taken) or not listening yet.
    AdminConnection(const std::string& host, unsigned int port, const std::string& user,
                    const std::string& password)
        : shown_(user + ":***@" + host + ":" + std::to_string(port)) {
        for (int attempt = 1;; ++attempt) {
            mysql_ = mysql_init(nullptr);
            if (mysql_ == nullptr) throw std::runtime_error("mysql_init failed");
            if (mysql_real_connect(mysql_, host.c_str(), user.c_str(), password.c_str(), nullptr, port,
                                   nullptr, 0) != nullptr) {
                return;
            }
            const unsigned int code = mysql_errno(mysql_);
            const std::string message = mysql_error(mysql_);
            mysql_close(mysql_);
            mysql_ = nullptr;
            const bool busy = code == 1040 || code == 2002 || code == 2003;  // full, or not listening
            if (!busy || attempt == kAttempts) {
                throw std::runtime_error("the admin account " + shown_ + " cannot connect: " + message);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    AdminConnection(const AdminConnection&) = delete;
    AdminConnection& operator=(const AdminConnection&) = delete;
    ~AdminConnection() { mysql_close(mysql_); }

    // The value of SHOW GLOBAL STATUS LIKE 'name'.
    long status(const std::string& name) {
        const std::string sql = "SHOW GLOBAL STATUS LIKE '" + name + "'";
        if (mysql_query(mysql_, sql.c_str()) != 0) {
            throw std::runtime_error(sql + " as " + shown_ + ": " + mysql_error(mysql_));
        }
        MYSQL_RES* result = mysql_store_result(mysql_);
        MYSQL_ROW row = result == nullptr ? nullptr : mysql_fetch_row(result);
        const bool found = row != nullptr && row[1] != nullptr;
        const long value = found ? std::stol(row[1]) : 0;
        mysql_free_result(result);
        if (!found) throw std::runtime_error("the server has no status variable " + name);
        return value;
    }

private:
    static constexpr int kAttempts = 200;
    std::string shown_;  // user:***@host:port, for messages
    MYSQL* mysql_ = nullptr;
};

}  // namespace connguard
