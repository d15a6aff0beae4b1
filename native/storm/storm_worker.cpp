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
// connguard strategy. Exit status 2 for a job it cannot run.
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

#include "connguard/mysqldb.hpp"

namespace {

using nlohmann::json;

enum class Strategy { kNone, kTenacity, kConnguard };

struct Job {
    Strategy strategy;
    connguard::Policy policy;
    double deadline;
    int clients;
    std::string sql;
    std::string host;
    unsigned int port;
    std::string user;
    std::string password;
    std::string database;
};

// Throws std::invalid_argument for a strategy this worker has not.
Strategy parse_strategy(const std::string& name) {
    if (name == "none") return Strategy::kNone;
    if (name == "tenacity") return Strategy::kTenacity;
    if (name == "connguard") return Strategy::kConnguard;
    throw std::invalid_argument("unknown strategy \"" + name + "\"; one of none, tenacity, connguard");
}

// none and tenacity connect with the plain driver: one attempt, no gate.
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

// Throws std::invalid_argument (unknown strategy) or a json error (bad job).
Job read_job(const std::string& line) {
    const json job = json::parse(line);
    const Strategy strategy = parse_strategy(job.at("strategy").get<std::string>());
    const double deadline = job.at("deadline").get<double>();
    const json& connect = job.at("connect");
    return Job{strategy,
               strategy_policy(strategy, deadline),
               deadline,
               job.at("clients").get<int>(),
               sleep_sql(job.at("hold").get<double>()),
               connect.at("host").get<std::string>(),
               connect.at("port").get<unsigned int>(),
               connect.at("user").get<std::string>(),
               connect.at("password").get<std::string>(),
               connect.at("database").get<std::string>()};
}

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

// Connect, SELECT SLEEP(hold), close.
void run_client(const Job& job, Emitter& emit) {
    connguard::MySQLDBOptions options;
    options.policy = job.policy;
    options.log_sink = [](const connguard::LogRecord&) {};  // the storm counts outcomes itself
    connguard::MySQLDB db(options);
    try {
        if (job.strategy == Strategy::kTenacity) {
            tenacious([&] { db.open(job.host, job.port, job.user, job.password, job.database); },
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
        if (!db.execute_query(job.sql)) throw connguard::QueryError(db.last_error());
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

    // Every client's thread exists before "ready", so "go" starts them together.
    Emitter emit;
    std::mutex mutex;
    std::condition_variable released;
    std::optional<bool> go;  // set once: whether the storm said "go"
    std::vector<std::thread> clients;
    for (int i = 0; i < job->clients; ++i) {
        clients.emplace_back([&] {
            {
                std::unique_lock<std::mutex> lock(mutex);
                released.wait(lock, [&] { return go.has_value(); });
                if (!*go) return;
            }
            run_client(*job, emit);
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
    std::cout << json{{"end", true}}.dump() << std::endl;
    return 0;
}
