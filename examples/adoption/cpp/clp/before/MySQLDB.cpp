// Mirrors components/core/src/clp/MySQLDB.cpp, MySQLPreparedStatement.cpp and
// MySQLParamBindings.cpp of y-scope/clp: one mysql_init and mysql_real_connect
// (CLIENT_COMPRESS), no retry.
#include "MySQLDB.hpp"

#include <cstring>
#include <iostream>
#include <utility>

namespace clp {

void MySQLParamBindings::resize(size_t num_fields) {
    m_statement_bindings.resize(num_fields);
    m_statement_binding_lengths.resize(num_fields);
    for (size_t i = 0; i < num_fields; ++i) {
        std::memset(&m_statement_bindings[i], 0, sizeof(MYSQL_BIND));
        m_statement_bindings[i].length = &m_statement_binding_lengths[i];
    }
}

MYSQL_BIND& MySQLParamBindings::binding(size_t field_index) {
    if (field_index >= m_statement_bindings.size())
        throw OperationFailed(ErrorCode_OutOfBounds, __FILE__, __LINE__);
    return m_statement_bindings[field_index];
}

void MySQLParamBindings::bind_uint8(size_t field_index, uint8_t& value) {
    MYSQL_BIND& bound = binding(field_index);
    bound.buffer_type = MYSQL_TYPE_TINY;
    bound.buffer = &value;
    bound.is_unsigned = true;
    m_statement_binding_lengths[field_index] = sizeof(value);
}

void MySQLParamBindings::bind_int64(size_t field_index, int64_t& value) {
    MYSQL_BIND& bound = binding(field_index);
    bound.buffer_type = MYSQL_TYPE_LONGLONG;
    bound.buffer = &value;
    m_statement_binding_lengths[field_index] = sizeof(value);
}

void MySQLParamBindings::bind_uint64(size_t field_index, uint64_t& value) {
    MYSQL_BIND& bound = binding(field_index);
    bound.buffer_type = MYSQL_TYPE_LONGLONG;
    bound.buffer = &value;
    bound.is_unsigned = true;
    m_statement_binding_lengths[field_index] = sizeof(value);
}

void MySQLParamBindings::bind_varchar(size_t field_index, char const* value, size_t value_length) {
    MYSQL_BIND& bound = binding(field_index);
    bound.buffer_type = MYSQL_TYPE_STRING;
    bound.buffer = const_cast<char*>(value);
    bound.buffer_length = value_length;
    m_statement_binding_lengths[field_index] = value_length;
}

MySQLPreparedStatement::MySQLPreparedStatement(MYSQL* db_handle)
    : m_statement_handle(mysql_stmt_init(db_handle)) {
    if (nullptr == m_statement_handle) throw OperationFailed(ErrorCode_Failure, __FILE__, __LINE__);
}

MySQLPreparedStatement::MySQLPreparedStatement(MySQLPreparedStatement&& rhs) noexcept
    : m_statement_handle(std::exchange(rhs.m_statement_handle, nullptr)),
      m_statement_bindings(std::move(rhs.m_statement_bindings)) {}

MySQLPreparedStatement::~MySQLPreparedStatement() {
    if (nullptr != m_statement_handle) mysql_stmt_close(m_statement_handle);
}

void MySQLPreparedStatement::set(char const* statement, size_t statement_length) {
    if (0 != mysql_stmt_prepare(m_statement_handle, statement, statement_length)) {
        std::cerr << "MySQLPreparedStatement: Failed to prepare statement - "
                  << mysql_stmt_error(m_statement_handle) << "\n";
        throw OperationFailed(ErrorCode_Failure, __FILE__, __LINE__);
    }
    m_statement_bindings.resize(mysql_stmt_param_count(m_statement_handle));
}

bool MySQLPreparedStatement::execute() {
    if (0 != mysql_stmt_bind_param(m_statement_handle, m_statement_bindings.get_internal_mysql_bindings()) ||
        0 != mysql_stmt_execute(m_statement_handle)) {
        std::cerr << "MySQLPreparedStatement: Failed to execute statement - "
                  << mysql_stmt_error(m_statement_handle) << "\n";
        return false;
    }
    return true;
}

MySQLDB::Iterator::Iterator(MYSQL* db_handle) : m_query_result(mysql_use_result(db_handle)) {
    if (nullptr == m_query_result) throw OperationFailed(ErrorCode_Failure, __FILE__, __LINE__);
    fetch_next_row();
}

MySQLDB::Iterator::Iterator(Iterator&& rhs) noexcept
    : m_query_result(std::exchange(rhs.m_query_result, nullptr)),
      m_row(std::exchange(rhs.m_row, nullptr)),
      m_num_fields(rhs.m_num_fields),
      m_field_lengths(rhs.m_field_lengths) {}

MySQLDB::Iterator::~Iterator() {
    if (nullptr != m_query_result) mysql_free_result(m_query_result);
}

void MySQLDB::Iterator::get_next() {
    if (nullptr != m_row) fetch_next_row();
}

void MySQLDB::Iterator::get_field_as_string(size_t field_ix, std::string& field_value) {
    if (nullptr == m_row) throw OperationFailed(ErrorCode_NotInit, __FILE__, __LINE__);
    if (field_ix >= m_num_fields) throw OperationFailed(ErrorCode_OutOfBounds, __FILE__, __LINE__);
    field_value.assign(m_row[field_ix] != nullptr ? m_row[field_ix] : "", m_field_lengths[field_ix]);
}

void MySQLDB::Iterator::fetch_next_row() {
    m_row = mysql_fetch_row(m_query_result);
    if (nullptr != m_row) {
        m_field_lengths = mysql_fetch_lengths(m_query_result);
        m_num_fields = mysql_num_fields(m_query_result);
    }
}

MySQLDB::~MySQLDB() {
    if (nullptr != m_db_handle) close();
}

void MySQLDB::open(std::string const& host, int port, std::string const& username,
                   std::string const& password, std::string const& database) {
    if (nullptr != m_db_handle) throw OperationFailed(ErrorCode_NotReady, __FILE__, __LINE__);
    m_db_handle = mysql_init(nullptr);
    if (nullptr == m_db_handle) throw OperationFailed(ErrorCode_Failure, __FILE__, __LINE__);
    if (nullptr == mysql_real_connect(m_db_handle, host.c_str(), username.c_str(), password.c_str(),
                                      database.c_str(), port, nullptr, CLIENT_COMPRESS)) {
        std::cerr << "MySQLDB: Failed to connect - " << mysql_error(m_db_handle) << "\n";
        throw OperationFailed(ErrorCode_Failure, __FILE__, __LINE__);
    }
}

void MySQLDB::close() {
    if (nullptr == m_db_handle) throw OperationFailed(ErrorCode_NotInit, __FILE__, __LINE__);
    mysql_close(m_db_handle);
    m_db_handle = nullptr;
}

bool MySQLDB::execute_query(std::string const& sql_query) {
    if (nullptr == m_db_handle) throw OperationFailed(ErrorCode_NotInit, __FILE__, __LINE__);
    if (0 != mysql_real_query(m_db_handle, sql_query.c_str(), sql_query.length())) {
        std::cerr << "MySQLDB: Query failed - " << mysql_error(m_db_handle) << "\n";
        return false;
    }
    return true;
}

MySQLPreparedStatement MySQLDB::prepare_statement(char const* statement, size_t statement_length) {
    if (nullptr == m_db_handle) throw OperationFailed(ErrorCode_NotInit, __FILE__, __LINE__);
    MySQLPreparedStatement prepared_statement(m_db_handle);
    prepared_statement.set(statement, statement_length);
    return prepared_statement;
}

}  // namespace clp
