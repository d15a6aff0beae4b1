// CLP's own Connector/C wrapper, which adopting connguard removes: mirrors
// components/core/src/clp/MySQLDB.hpp, MySQLPreparedStatement.hpp and
// MySQLParamBindings.hpp of y-scope/clp (the same classes and calls, condensed).
#pragma once

#include <mysql.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "TraceableException.hpp"

namespace clp {

class OperationFailed : public TraceableException {
public:
    using TraceableException::TraceableException;
    char const* what() const noexcept override { return "MySQLDB operation failed"; }
};

class MySQLParamBindings {
public:
    void resize(size_t num_fields);
    void bind_uint8(size_t field_index, uint8_t& value);
    void bind_int64(size_t field_index, int64_t& value);
    void bind_uint64(size_t field_index, uint64_t& value);
    void bind_varchar(size_t field_index, char const* value, size_t value_length);
    MYSQL_BIND* get_internal_mysql_bindings() { return m_statement_bindings.data(); }

private:
    MYSQL_BIND& binding(size_t field_index);

    std::vector<MYSQL_BIND> m_statement_bindings;
    std::vector<unsigned long> m_statement_binding_lengths;
};

class MySQLPreparedStatement {
public:
    explicit MySQLPreparedStatement(MYSQL* db_handle);
    MySQLPreparedStatement(MySQLPreparedStatement&& rhs) noexcept;
    MySQLPreparedStatement(MySQLPreparedStatement const&) = delete;
    MySQLPreparedStatement& operator=(MySQLPreparedStatement const&) = delete;
    ~MySQLPreparedStatement();

    void set(char const* statement, size_t statement_length);
    bool execute();
    MySQLParamBindings& get_statement_bindings() { return m_statement_bindings; }

private:
    MYSQL_STMT* m_statement_handle;
    MySQLParamBindings m_statement_bindings;
};

class MySQLDB {
public:
    class Iterator {
    public:
        explicit Iterator(MYSQL* db_handle);
        Iterator(Iterator&& rhs) noexcept;
        Iterator(Iterator const&) = delete;
        Iterator& operator=(Iterator const&) = delete;
        ~Iterator();

        bool contains_element() const { return nullptr != m_row; }
        void get_next();
        void get_field_as_string(size_t field_ix, std::string& field_value);

    private:
        void fetch_next_row();

        MYSQL_RES* m_query_result;
        MYSQL_ROW m_row{nullptr};
        unsigned int m_num_fields{0};
        unsigned long* m_field_lengths{nullptr};
    };

    MySQLDB() = default;
    MySQLDB(MySQLDB const&) = delete;
    MySQLDB& operator=(MySQLDB const&) = delete;
    ~MySQLDB();

    void open(std::string const& host, int port, std::string const& username, std::string const& password,
              std::string const& database);
    void close();
    bool execute_query(std::string const& sql_query);
    MySQLPreparedStatement prepare_statement(char const* statement, size_t statement_length);
    Iterator get_iterator() { return Iterator{m_db_handle}; }

private:
    MYSQL* m_db_handle{nullptr};
};

}  // namespace clp
