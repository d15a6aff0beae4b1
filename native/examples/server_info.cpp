// Connector/C next to connguard: open() through MySQLDB, with the policy of
// $CONNGUARD_POLICY and $CONNGUARD_SERVICE, then call libmariadb on
// native_handle() for what MySQLDB does not wrap.
// Usage: DB_PASSWORD=... server_info HOST PORT USER DATABASE
#include <mysql.h>

#include <connguard/mysqldb.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: DB_PASSWORD=... server_info HOST PORT USER DATABASE\n";
        return 2;
    }
    try {
        const char* password = std::getenv("DB_PASSWORD");  // never on the command line
        connguard::MySQLDB db;
        db.open(argv[1], static_cast<unsigned int>(std::stoul(argv[2])), argv[3], password ? password : "",
                argv[4]);
        MYSQL* mysql = db.native_handle();
        std::cout << "client " << mysql_get_client_info() << "\nserver " << mysql_get_server_info(mysql)
                  << "\n";
        return 0;
    } catch (const std::exception& error) {  // ConnectError, PolicyError: no password in any
        std::cerr << "server_info: " << error.what() << "\n";
        return 1;
    }
}
