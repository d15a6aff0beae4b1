#include "connguard/mysqldb.hpp"

#include <mysql.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <new>
#include <utility>

#include "connguard/environment_policy.hpp"
#include "connguard/mask.hpp"
#include "server_end.hpp"
#include "server_key.hpp"

namespace connguard {
namespace {

// mysql_init initialises the library on first use, which is not thread-safe;
// doing it once up front lets threads open connections concurrently.
void init_library() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// Connector/C takes whole seconds; round up so an attempt never gets less
// time than its cap grants (it may get up to a second more).
unsigned int whole_seconds(double seconds) {
    return static_cast<unsigned int>(
        std::min(std::ceil(seconds), double{std::numeric_limits<unsigned int>::max()}));
}

// The driver's text with the known password masked: a server or proxy may
// echo it where spec 4.3's rule finds neither a URL nor a key.
std::string masked(std::string text, const std::string& password) {
    if (password.empty()) return text;
    for (std::size_t at = text.find(password); at != std::string::npos; at = text.find(password, at + 3)) {
        text.replace(at, password.size(), "***");
    }
    return text;
}

// How long a close waits for the server to close its end after QUIT.
constexpr std::chrono::milliseconds kServerCloseWait{1000};

// One default clock for all: MySQLDBs share the gate of a target only on the same clock.
const std::shared_ptr<Clock>& steady_clock() {
    static const std::shared_ptr<Clock> clock = std::make_shared<SteadyClock>();
    return clock;
}

}  // namespace

void MySQLDB::Closer::operator()(st_mysql* mysql) const noexcept {
    // mysql_close sends QUIT and closes the socket at once, and the server
    // frees the session a moment later: a connect handed the slot in between
    // is refused. A duplicate of the socket outlives mysql_close so we can wait
    // for the server's end of stream (spec 6, released()).
    const my_socket socket = mysql_get_socket(mysql);
    const detail::UniqueFd server_end(socket >= 0 ? ::dup(socket) : -1);
    mysql_close(mysql);
    if (server_end.fd >= 0) detail::wait_for_end_of_stream(server_end.fd, kServerCloseWait);
}

MySQLDB::MySQLDB() : MySQLDB(MySQLDBOptions{}) {}

MySQLDB::MySQLDB(MySQLDBOptions options) : options_(std::move(options)) {}

MySQLDB::~MySQLDB() = default;
MySQLDB::MySQLDB(MySQLDB&& other) noexcept = default;

MySQLDB& MySQLDB::operator=(MySQLDB&& other) noexcept {
    if (this != &other) {
        reset();
        options_ = std::move(other.options_);
        slot_ = std::move(other.slot_);
        handle_ = std::move(other.handle_);
        last_error_ = std::move(other.last_error_);
        attempts_ = other.attempts_;
    }
    return *this;
}

void MySQLDB::open(const std::string& host, unsigned int port, const std::string& username,
                   const std::string& password, const std::string& database) {
    require_closed();
    const Policy policy = options_.policy ? *options_.policy : environment_policy(options_.service);
    open(host, port, username, password, database, policy, options_.service);
}

void MySQLDB::open(const std::string& host, unsigned int port, const std::string& username,
                   const std::string& password, const std::string& database, const Policy& policy,
                   std::string_view service) {
    require_closed();
    init_library();
    // Here rather than in the constructor: a moved-from object may open again.
    if (!options_.clock) options_.clock = steady_clock();
    if (!options_.log_sink) options_.log_sink = stderr_sink();
    if (!options_.seed) options_.seed = random_seed;
    // Masked all the same: the caller's strings may hold a URL (a DSN passed as the host).
    const CallSite site{service_name(policy, service), mask_dsn("mariadb://" + username + ":***@" + host +
                                                                ":" + std::to_string(port) + "/" + database)};
    const auto attempt = [&](double timeout) -> std::optional<AttemptFailure> {
        // A fresh handle per attempt: Connector/C leaves a handle whose
        // connect failed unusable, so reusing it would fail every retry.
        std::unique_ptr<st_mysql, Closer> mysql(mysql_init(nullptr));
        if (!mysql) throw std::bad_alloc();
        if (options_.read_timeout > 0)
            mysql_optionsv(mysql.get(), MYSQL_OPT_READ_TIMEOUT, &options_.read_timeout);
        if (options_.write_timeout > 0) {
            mysql_optionsv(mysql.get(), MYSQL_OPT_WRITE_TIMEOUT, &options_.write_timeout);
        }
        if (options_.configure) options_.configure(mysql.get());
        // Connector/C bounds the whole handshake by it (the greeting and the
        // authentication reads too), not only the TCP connect: the cap is enough.
        const unsigned int connect_timeout = whole_seconds(timeout);
        mysql_optionsv(mysql.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
        if (mysql_real_connect(mysql.get(), host.c_str(), username.c_str(), password.c_str(),
                               database.c_str(), port, nullptr, options_.client_flags) != nullptr) {
            handle_ = std::move(mysql);
            return std::nullopt;
        }
        const unsigned int code = mysql_errno(mysql.get());
        return AttemptFailure{code != 0 ? std::optional<int>(static_cast<int>(code)) : std::nullopt,
                              mysql_sqlstate(mysql.get()),
                              mask_dsn(masked(mysql_error(mysql.get()), password))};
    };
    try {
        if (policy.limiter.enabled) {
            const std::shared_ptr<Gate> gate =
                Gate::of(detail::server_key(host, port), policy, options_.clock, options_.seed);
            Admitted admitted =
                retry_connect_gated(policy, site, attempt, *gate, options_.log_sink, options_.seed);
            attempts_ = admitted.attempts;
            slot_ = std::move(admitted.slot);
        } else {
            attempts_ =
                retry_connect(policy, site, attempt, *options_.clock, options_.log_sink, options_.seed);
        }
    } catch (...) {
        // No connection stays open without its slot, whatever throws after it connected.
        handle_.reset();
        throw;
    }
    last_error_ = {};
}

void MySQLDB::close() {
    require_open("close");
    reset();
}

void MySQLDB::require_open(const char* call) const {
    if (!handle_) throw UsageError(std::string("connguard::MySQLDB::") + call + ": no connection is open");
}

void MySQLDB::require_closed() const {
    if (handle_) throw UsageError("connguard::MySQLDB::open: a connection is open; close() it first");
}

void MySQLDB::reset() noexcept {
    handle_.reset();  // closes, then releases the slot, in that order
    slot_.release();
}

bool MySQLDB::fail() {
    last_error_ = {static_cast<int>(mysql_errno(handle_.get())), mysql_sqlstate(handle_.get()),
                   mysql_error(handle_.get())};
    return false;
}

bool MySQLDB::execute_query(const std::string& sql) {
    require_open("execute_query");
    last_error_ = {};
    if (mysql_real_query(handle_.get(), sql.data(), sql.size()) != 0) return fail();
    return true;
}

Statement MySQLDB::prepare_statement(const std::string& sql) {
    return prepare_statement(sql.data(), sql.size());
}

Statement MySQLDB::prepare_statement(const char* sql, std::size_t length) {
    require_open("prepare_statement");
    last_error_ = {};
    try {
        return Statement::prepare(handle_.get(), sql, length);
    } catch (const QueryError& error) {
        last_error_ = error.error();
        throw;
    }
}

MySQLDB::Iterator MySQLDB::get_iterator() {
    require_open("get_iterator");
    MYSQL* mysql = handle_.get();
    MYSQL_RES* used = mysql_use_result(mysql);
    if (used == nullptr) {
        if (mysql_field_count(mysql) == 0) return Rows();  // the statement had no result set
        fail();
        throw QueryError(last_error_);
    }
    // Shared: the Rows' fetch function is a copyable std::function. Freeing an
    // unread result reads the rest of it, so the connection is usable after.
    const std::shared_ptr<MYSQL_RES> result(used, &mysql_free_result);
    const unsigned int count = mysql_num_fields(result.get());
    std::vector<std::string> columns;
    const MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
    for (unsigned int i = 0; i < count; ++i) columns.emplace_back(fields[i].name);
    return Rows(std::move(columns), [result, mysql, count](Row& row) {
        const MYSQL_ROW values = mysql_fetch_row(result.get());
        if (values == nullptr) {  // the end, or a read error: streamed rows come off the wire
            if (mysql_errno(mysql) != 0) {
                throw QueryError(
                    {static_cast<int>(mysql_errno(mysql)), mysql_sqlstate(mysql), mysql_error(mysql)});
            }
            return false;
        }
        const unsigned long* lengths = mysql_fetch_lengths(result.get());
        row.assign(count, std::nullopt);
        for (unsigned int i = 0; i < count; ++i) {
            if (values[i] != nullptr) row[i] = std::string(values[i], lengths[i]);
        }
        return true;
    });
}

std::uint64_t MySQLDB::affected_rows() const {
    return handle_ ? mysql_affected_rows(handle_.get()) : 0;
}

std::uint64_t MySQLDB::insert_id() const {
    return handle_ ? mysql_insert_id(handle_.get()) : 0;
}

}  // namespace connguard
