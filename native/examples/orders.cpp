// A service that stores orders: connect through connguard with the policy
// file's [service.orders], insert rows, read them back.
// Usage: DB_PASSWORD=... orders POLICY_FILE HOST PORT USER DATABASE
#include <connguard/mysqldb.hpp>
#include <connguard/policy_set.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

int run(char** argv) {
    const char* password = std::getenv("DB_PASSWORD");  // never on the command line
    const connguard::Policy policy = connguard::load_policy(argv[1], "orders");

    connguard::MySQLDB db;
    db.open(argv[2], static_cast<unsigned int>(std::stoul(argv[3])), argv[4], password ? password : "",
            argv[5], policy);
    db.execute_query(
        "CREATE TABLE IF NOT EXISTS orders (id INT AUTO_INCREMENT PRIMARY KEY, item TEXT, qty INT)");
    connguard::Statement insert = db.prepare_statement("INSERT INTO orders (item, qty) VALUES (?, ?)");
    for (const char* item : {"widget", "gadget"}) {
        if (!insert.execute({item, "3"})) throw connguard::QueryError(insert.last_error());
    }
    if (!db.execute_query("SELECT item, SUM(qty) FROM orders GROUP BY item ORDER BY item")) {
        throw connguard::QueryError(db.last_error());
    }
    for (const connguard::Row& row : db.get_iterator()) std::cout << *row[0] << " " << *row[1] << "\n";
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: DB_PASSWORD=... orders POLICY_FILE HOST PORT USER DATABASE\n";
        return 2;
    }
    try {
        return run(argv);
    } catch (const std::exception& error) {  // ConnectError, QueryError, PolicyError: no password in any
        std::cerr << "orders: " << error.what() << "\n";
        return 1;
    }
}
