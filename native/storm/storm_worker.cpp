// connguard_storm_worker: the C++ clients of `connguard storm --adapter cpp`,
// one std::thread per client over connguard::MySQLDB. It speaks the storm
// worker protocol of python/connguard/storm/worker.py: a job as one JSON line
// on stdin, "ready", then "go", one JSON line per client, {"end": true}.
//
// Strategies: "none" is the plain driver (one mysql_real_connect, no gate);
// "tenacity" is a line-for-line port of the Python workers' tenacity retry
// (wait_random_exponential(multiplier=0.05, max=5), stop_after_delay(deadline),
// on 1040 only) around that plain connect; "connguard" is MySQLDB with the
// job's deadline and max_attempts 1000, the limiter on, as the Python workers'
// connguard strategy; "oracle" is the plain connect of "none" inside a counting
// semaphore of the job's "slots" (the process's share of the server's free
// slots), released after close(), which returns once the server has closed
// its end (MySQLDB's close rule). MariaDB counts a closed connection out a
// moment after its end of stream, so a connect let in at once is sometimes
// refused: the oracle retries a 1040 after 1 ms until the deadline, as the
// Python workers' oracle. Each client holds its own "holds" entry
// ("hold" for all when absent). With "metrics": true in the job, the
// connguard strategy's clients run with connguard::Metrics subscribed to the
// process's events, and the worker writes {"metrics": SNAPSHOT} (spec 8.3)
// just before {"end": true}; the other strategies do not go through connguard
// and write []. Exit status 2 for a job it cannot run.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "connguard/events.hpp"
#include "connguard/metrics.hpp"
#include "connguard/mysqldb.hpp"

namespace {

using nlohmann::json;

enum class Strategy { kNone, kTenacity, kConnguard, kOracle };

struct Job {
    Strategy strategy;
    connguard::Policy policy;
    double deadline;
    int clients;
    std::vector<std::string> sql;  // per client
    int slots;                     // the oracle's semaphore; 0 for the other strategies
    std::string host;
    unsigned int port;
    std::string user;
    std::string password;
    std::string database;
    bool metrics;  // write the metrics line
};

// Throws std::invalid_argument for a strategy this worker has not.
Strategy parse_strategy(const std::string& name) {
    if (name == "none") return Strategy::kNone;
    if (name == "tenacity") return Strategy::kTenacity;
    if (name == "connguard") return Strategy::kConnguard;
    if (name == "oracle") return Strategy::kOracle;
    throw std::invalid_argument("unknown strategy \"" + name +
                                "\"; one of none, tenacity, connguard, oracle");
}

// none, tenacity and oracle connect with the plain driver: one attempt, no gate.
connguard::Policy strategy_policy(Strategy strategy, double deadline) {
    connguard::Policy policy;
    if (strategy == Strategy::kConnguard) {
        policy.deadline = deadline;
        policy.max_attempts = 1000;
    } else {
        policy.max_attempts = 1;
        policy.limiter.enabled = false;
    }
    return policy;
}

std::string sleep_sql(double hold) {
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "SELECT SLEEP(%.6f)", hold);
    return buf.data();
}

// Throws std::invalid_argument (unknown strategy, bad field) or a json error
// (bad job); neither quotes the job, which holds the password.
Job read_job(const std::string& line) {
    const json job = json::parse(line);
    const Strategy strategy = parse_strategy(job.at("strategy").get<std::string>());
    const double deadline = job.at("deadline").get<double>();
    const int clients = job.at("clients").get<int>();
    if (clients < 0) throw std::invalid_argument("\"clients\" must be >= 0");
    std::vector<std::string> sql;
    if (job.contains("holds")) {
        const auto holds = job.at("holds").get<std::vector<double>>();
        if (holds.size() != static_cast<std::size_t>(clients)) {
            throw std::invalid_argument("\"holds\" must have one hold per client");
        }
        for (const double hold : holds) sql.push_back(sleep_sql(hold));
    } else {
        sql.assign(static_cast<std::size_t>(clients), sleep_sql(job.at("hold").get<double>()));
    }
    int slots = 0;
    if (strategy == Strategy::kOracle) {
        slots = job.contains("slots") && job.at("slots").is_number_integer() ? job.at("slots").get<int>() : 0;
        if (slots < 1) throw std::invalid_argument("the oracle needs \"slots\" (an integer >= 1)");
    }
    const json& connect = job.at("connect");
    return Job{strategy,
               strategy_policy(strategy, deadline),
               deadline,
               clients,
               std::move(sql),
               slots,
               connect.at("host").get<std::string>(),
               connect.at("port").get<unsigned int>(),
               connect.at("user").get<std::string>(),
               connect.at("password").get<std::string>(),
               connect.at("database").get<std::string>(),
               job.value("metrics", false)};
}

// The oracle's counting semaphore (C++17 has no std::counting_semaphore).
class Semaphore {
public:
    explicit Semaphore(int count) : count_(count) {}

    // Acquired for its lifetime.
    class Held {
    public:
        explicit Held(Semaphore& semaphore) : semaphore_(semaphore) { semaphore_.acquire(); }
        ~Held() { semaphore_.release(); }
        Held(const Held&) = delete;
        Held& operator=(const Held&) = delete;

    private:
        Semaphore& semaphore_;
    };

    void acquire() {
        std::unique_lock<std::mutex> lock(mutex_);
        freed_.wait(lock, [&] { return count_ > 0; });
        --count_;
    }
    void release() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            ++count_;
        }
        freed_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    int count_;
};

// One JSON line per client on stdout, times in seconds since "go".
class Emitter {
public:
    void go() { start_ = std::chrono::steady_clock::now(); }
    double since_go() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    void client(bool ok, std::optional<int> code, double wait) {
        const json line = {
            {"ok", ok}, {"code", code ? json(*code) : json(nullptr)}, {"wait", wait}, {"done", since_go()}};
        const std::lock_guard<std::mutex> lock(mutex_);
        std::cout << line.dump() << std::endl;
    }

private:
    std::mutex mutex_;
    std::chrono::steady_clock::time_point start_;
};

// tenacity's wait_random_exponential(multiplier=0.05, max=5) with
// stop_after_delay(deadline), retrying `connect` only on 1040.
template <typename Connect>
void tenacious(const Connect& connect, double deadline) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const auto start = std::chrono::steady_clock::now();
    for (int attempt = 1;; ++attempt) {
        try {
            connect();
            return;
        } catch (const connguard::ConnectError& error) {
            const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
            if (error.code() != 1040 || spent.count() >= deadline) throw;
            const double high = std::min(5.0, 0.05 * std::pow(2.0, attempt - 1));
            std::this_thread::sleep_for(
                std::chrono::duration<double>(std::uniform_real_distribution<double>(0.0, high)(random)));
        }
    }
}

// The oracle's connect: a 1040 (the server still counting a connection whose
// end it closed) is tried again after 1 ms, until the deadline.
template <typename Connect>
void oracle_open(const Connect& connect, double deadline) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(deadline);
    for (;;) {
        try {
            connect();
            return;
        } catch (const connguard::ConnectError& error) {
            if (error.code() != 1040 || std::chrono::steady_clock::now() >= until) throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// Connect, SELECT SLEEP(hold), close (which returns once the server has closed its end).
void run_client(const Job& job, const std::string& sql, Emitter& emit) {
    connguard::MySQLDBOptions options;
    options.policy = job.policy;
    options.log_sink = [](const connguard::LogRecord&) {};  // the storm counts outcomes itself
    connguard::MySQLDB db(options);
    try {
        if (job.strategy == Strategy::kTenacity) {
            tenacious([&] { db.open(job.host, job.port, job.user, job.password, job.database); },
                      job.deadline);
        } else if (job.strategy == Strategy::kOracle) {
            oracle_open([&] { db.open(job.host, job.port, job.user, job.password, job.database); },
                        job.deadline);
        } else {
            db.open(job.host, job.port, job.user, job.password, job.database);
        }
    } catch (const connguard::ConnectError& error) {
        emit.client(false, error.code(), emit.since_go());
        return;
    }
    const double waited = emit.since_go();
    std::optional<int> failed;
    try {
        if (!db.execute_query(sql)) throw connguard::QueryError(db.last_error());
        db.get_iterator();  // reads the result
    } catch (const connguard::QueryError& error) {
        failed = error.error().code;
    }
    db.close();
    emit.client(!failed, failed, waited);
}

}  // namespace

int main() {
    std::string line;
    if (!std::getline(std::cin, line)) {
        std::cerr << "connguard_storm_worker: expected a job as one JSON line on stdin\n";
        return 2;
    }
    std::optional<Job> job;
    try {
        job = read_job(line);
    } catch (const std::exception& error) {
        std::cerr << "connguard_storm_worker: " << error.what() << "\n";
        return 2;
    }

    connguard::Metrics metrics;
    connguard::EventSubscription observing;
    if (job->metrics && job->strategy == Strategy::kConnguard)
        observing = connguard::add_event_sink(metrics.sink());

    // Every client's thread exists before "ready", so "go" starts them together.
    Emitter emit;
    std::mutex mutex;
    std::condition_variable released;
    std::optional<bool> go;  // set once: whether the storm said "go"
    std::optional<Semaphore> oracle;
    if (job->strategy == Strategy::kOracle) oracle.emplace(job->slots);
    std::vector<std::thread> clients;
    for (int i = 0; i < job->clients; ++i) {
        clients.emplace_back([&, i] {
            {
                std::unique_lock<std::mutex> lock(mutex);
                released.wait(lock, [&] { return go.has_value(); });
                if (!*go) return;
            }
            const std::string& sql = job->sql[static_cast<std::size_t>(i)];
            if (!oracle) {
                run_client(*job, sql, emit);
                return;
            }
            const Semaphore::Held held(*oracle);  // released after run_client's close()
            run_client(*job, sql, emit);
        });
    }
    std::cout << "ready" << std::endl;
    const bool told = std::getline(std::cin, line) && line == "go";
    emit.go();
    {
        const std::lock_guard<std::mutex> lock(mutex);
        go = told;
    }
    released.notify_all();
    for (std::thread& client : clients) client.join();
    if (!told) {
        std::cerr << "connguard_storm_worker: expected 'go'\n";
        return 1;
    }
    if (job->metrics) {
        observing.reset();
        const json snapshot =
            job->strategy == Strategy::kConnguard ? json::parse(metrics.snapshot_json()) : json::array();
        std::cout << json{{"metrics", snapshot}}.dump() << std::endl;
    }
    std::cout << json{{"end", true}}.dump() << std::endl;
    return 0;
}
