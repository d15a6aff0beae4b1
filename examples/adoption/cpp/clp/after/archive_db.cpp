// A CLP-style metadata service: mirrors components/core/src/clp/GlobalMySQLMetadataDB.cpp
// (a prepared INSERT with typed bindings in a transaction, the rows read back
// through a streaming iterator) and clp_s/indexer/MySQLIndexStorage.cpp
// (bind_uint8) of y-scope/clp, over connguard::MySQLDB.
// Usage: DB_PASSWORD=... archive_db HOST PORT USER DATABASE TABLE_PREFIX
#include <mysql.h>

#include <connguard/mysqldb.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "TraceableException.hpp"

namespace {

struct Archive {
    std::string id;
    int64_t begin_timestamp;
    uint64_t size;
    uint8_t kind;
};

class ArchiveDB {
public:
    class OperationFailed : public clp::TraceableException {
    public:
        using TraceableException::TraceableException;
        char const* what() const noexcept override { return "ArchiveDB operation failed"; }
    };

    // GlobalMySQLMetadataDB::ArchiveIterator: the rows, as the server sends them.
    class ArchiveIterator {
    public:
        explicit ArchiveIterator(connguard::MySQLDB::Iterator&& iterator)
            : m_db_iterator(std::make_unique<connguard::MySQLDB::Iterator>(std::move(iterator))) {}
        bool contains_element() const { return m_db_iterator->contains_element(); }
        void get_next() { m_db_iterator->get_next(); }
        void get_field(size_t field_ix, std::string& value) const {
            m_db_iterator->get_field_as_string(field_ix, value);
        }

    private:
        std::unique_ptr<connguard::MySQLDB::Iterator> m_db_iterator;
    };

    ArchiveDB(std::string host, int port, std::string username, std::string password,
              std::string database_name, std::string table_prefix)
        : m_host(std::move(host)),
          m_port(port),
          m_username(std::move(username)),
          m_password(std::move(password)),
          m_database_name(std::move(database_name)),
          m_table_prefix(std::move(table_prefix)) {}

    void open() {
        m_db.open(m_host, m_port, m_username, m_password, m_database_name);
        // CLP creates its tables at install time; the example makes its own.
        m_db.execute_query("DROP TABLE IF EXISTS " + m_table_prefix + "archives");
        m_db.execute_query("CREATE TABLE " + m_table_prefix +
                           "archives (id VARCHAR(64) PRIMARY KEY, begin_timestamp BIGINT, "
                           "size BIGINT UNSIGNED, kind TINYINT UNSIGNED)");
        std::string const statement = "INSERT INTO " + m_table_prefix +
                                      "archives (id, begin_timestamp, size, kind) VALUES (?, ?, ?, ?)";
        m_insert_archive_statement = std::make_unique<connguard::Statement>(
            m_db.prepare_statement(statement.c_str(), statement.length()));
    }

    void close() {
        m_insert_archive_statement.reset();
        m_db.close();
    }

    void add_archives(std::vector<Archive> archives) {
        if (false == m_db.execute_query("BEGIN"))
            throw OperationFailed(clp::ErrorCode_Failure, __FILE__, __LINE__);
        auto& statement_bindings = m_insert_archive_statement->get_statement_bindings();
        for (auto& archive : archives) {
            statement_bindings.bind_varchar(0, archive.id.c_str(), archive.id.length());
            statement_bindings.bind_int64(1, archive.begin_timestamp);
            statement_bindings.bind_uint64(2, archive.size);
            statement_bindings.bind_uint8(3, archive.kind);
            if (false == m_insert_archive_statement->execute()) {
                throw OperationFailed(clp::ErrorCode_Failure, __FILE__, __LINE__);
            }
        }
        if (false == m_db.execute_query("COMMIT"))
            throw OperationFailed(clp::ErrorCode_Failure, __FILE__, __LINE__);
    }

    std::unique_ptr<ArchiveIterator> get_archive_iterator() {
        if (false == m_db.execute_query("SELECT id, begin_timestamp, size, kind FROM " + m_table_prefix +
                                        "archives ORDER BY begin_timestamp")) {
            throw OperationFailed(clp::ErrorCode_Failure, __FILE__, __LINE__);
        }
        return std::make_unique<ArchiveIterator>(m_db.get_iterator());
    }

    // The session's protocol compression: ON when the connect asked for it.
    std::string get_compression() {
        if (false == m_db.execute_query("SHOW SESSION STATUS LIKE 'Compression'")) {
            throw OperationFailed(clp::ErrorCode_Failure, __FILE__, __LINE__);
        }
        auto iterator = m_db.get_iterator();
        std::string value;
        iterator.get_field_as_string(1, value);
        return value;
    }

private:
    static connguard::MySQLDBOptions compressed() {
        connguard::MySQLDBOptions options;
        options.client_flags = CLIENT_COMPRESS;  // what CLP's open() passed to mysql_real_connect
        return options;
    }

    std::string m_host;
    int m_port;
    std::string m_username;
    std::string m_password;
    std::string m_database_name;
    std::string m_table_prefix;

    connguard::MySQLDB m_db{compressed()};
    std::unique_ptr<connguard::Statement> m_insert_archive_statement;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: DB_PASSWORD=... archive_db HOST PORT USER DATABASE TABLE_PREFIX\n";
        return 2;
    }
    char const* password = std::getenv("DB_PASSWORD");  // never on the command line
    try {
        ArchiveDB db(argv[1], std::stoi(argv[2]), argv[3], password != nullptr ? password : "", argv[4],
                     argv[5]);
        db.open();
        std::cout << "compression " << db.get_compression() << "\n";
        db.add_archives({{"archive-b", 1700000000200, 2048, 1},
                         {"archive-a", -1700000000100, 18446744073709551615u, 255},
                         {"archive-c", 1700000000300, 0, 0}});
        {
            auto archives = db.get_archive_iterator();
            for (std::string value; archives->contains_element(); archives->get_next()) {
                for (size_t field_ix = 0; field_ix < 4; ++field_ix) {
                    archives->get_field(field_ix, value);
                    std::cout << (field_ix == 0 ? "" : " ") << value;
                }
                std::cout << "\n";
            }
        }
        db.close();
        return 0;
    } catch (clp::TraceableException const& e) {
        std::cerr << "archive_db: " << e.what() << " (" << e.get_filename() << ":" << e.get_line_number()
                  << ", error code " << e.get_error_code() << ")\n";
        return 1;
    } catch (connguard::Error const& e) {  // ConnectError after its retries, QueryError, UsageError
        std::cerr << "archive_db: " << e.what() << " (error code " << e.code().value_or(0) << ")\n";
        return 1;
    }
}
