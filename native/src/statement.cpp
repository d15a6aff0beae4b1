#include "connguard/statement.hpp"

#include <mysql.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace connguard {
namespace {

// Column buffers of one result set; grown when a value does not fit.
struct ResultBuffers {
    std::vector<MYSQL_BIND> binds;
    std::vector<std::string> data;
    std::vector<unsigned long> lengths;
    std::vector<my_bool> nulls;
    std::vector<my_bool> errors;
};

constexpr unsigned long kInitialColumnBuffer = 64;

SqlError misuse(const std::string& message) {
    return {0, "HY000", "connguard::Statement: " + message};
}

// Binds, executes and buffers any result set; false on failure (the
// statement's errno says why).
bool run(MYSQL_STMT* stmt, std::vector<MYSQL_BIND>& binds) {
    if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) return false;
    if (mysql_stmt_execute(stmt) != 0) return false;
    return mysql_stmt_field_count(stmt) == 0 || mysql_stmt_store_result(stmt) == 0;
}

}  // namespace

void Statement::Closer::operator()(st_mysql_stmt* stmt) const noexcept {
    mysql_stmt_close(stmt);
}

Statement Statement::prepare(MYSQL* mysql, const char* sql, std::size_t length) {
    Statement statement(mysql_stmt_init(mysql));
    if (!statement.stmt_) throw std::bad_alloc();
    if (mysql_stmt_prepare(statement.stmt_.get(), sql, static_cast<unsigned long>(length)) != 0) {
        statement.fail();
        throw QueryError(statement.last_error_);
    }
    statement.bindings_ = ParamBindings(mysql_stmt_param_count(statement.stmt_.get()));
    return statement;
}

bool Statement::fail() {
    last_error_ = {static_cast<int>(mysql_stmt_errno(stmt_.get())), mysql_stmt_sqlstate(stmt_.get()),
                   mysql_stmt_error(stmt_.get())};
    return false;
}

bool Statement::execute() {
    last_error_ = {};
    const std::vector<ParamBindings::Binding>& bound = bindings_.bindings_;
    std::vector<MYSQL_BIND> binds(bound.size());  // value-initialised: all zero
    std::vector<unsigned long> lengths(bound.size());
    for (std::size_t i = 0; i < bound.size(); ++i) {
        MYSQL_BIND& bind = binds[i];
        switch (bound[i].type) {
            case ParamBindings::Type::Unbound:
                last_error_ = misuse("parameter " + std::to_string(i) + " is not bound");
                return false;
            case ParamBindings::Type::Null: bind.buffer_type = MYSQL_TYPE_NULL; break;
            case ParamBindings::Type::UInt8:
                bind.buffer_type = MYSQL_TYPE_TINY;
                bind.is_unsigned = 1;
                break;
            case ParamBindings::Type::Int64: bind.buffer_type = MYSQL_TYPE_LONGLONG; break;
            case ParamBindings::Type::UInt64:
                bind.buffer_type = MYSQL_TYPE_LONGLONG;
                bind.is_unsigned = 1;
                break;
            case ParamBindings::Type::Varchar:
                bind.buffer_type = MYSQL_TYPE_STRING;
                lengths[i] = static_cast<unsigned long>(bound[i].length);
                bind.buffer_length = lengths[i];
                bind.length = &lengths[i];
                break;
        }
        bind.buffer = const_cast<void*>(bound[i].value);  // Connector/C only reads parameters
    }
    return run(stmt_.get(), binds) || fail();
}

bool Statement::execute(const Params& params) {
    last_error_ = {};
    const unsigned long expected = mysql_stmt_param_count(stmt_.get());
    if (params.size() != expected) {
        last_error_ = misuse(std::to_string(expected) + " parameters expected, " +
                             std::to_string(params.size()) + " given");
        return false;
    }
    std::vector<MYSQL_BIND> binds(params.size());  // value-initialised: all zero
    std::vector<unsigned long> lengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (!params[i]) {
            binds[i].buffer_type = MYSQL_TYPE_NULL;
            continue;
        }
        lengths[i] = params[i]->size();
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].buffer = const_cast<char*>(params[i]->data());  // Connector/C only reads it
        binds[i].buffer_length = lengths[i];
        binds[i].length = &lengths[i];
    }
    return run(stmt_.get(), binds) || fail();
}

Rows Statement::rows() {
    MYSQL_STMT* stmt = stmt_.get();
    const unsigned int count = mysql_stmt_field_count(stmt);
    if (count == 0) return Rows();
    std::vector<std::string> columns;
    const std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> meta(mysql_stmt_result_metadata(stmt),
                                                                        &mysql_free_result);
    if (!meta)
        throw QueryError(
            {static_cast<int>(mysql_stmt_errno(stmt)), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt)});
    for (unsigned int i = 0; i < count; ++i)
        columns.emplace_back(mysql_fetch_field_direct(meta.get(), i)->name);

    auto buffers = std::make_shared<ResultBuffers>();
    buffers->binds.resize(count);
    buffers->data.assign(count, std::string(kInitialColumnBuffer, '\0'));
    buffers->lengths.resize(count);
    buffers->nulls.resize(count);
    buffers->errors.resize(count);
    const auto bind_column = [buffers](unsigned int i) {
        MYSQL_BIND& bind = buffers->binds[i];
        std::memset(&bind, 0, sizeof(MYSQL_BIND));
        bind.buffer_type = MYSQL_TYPE_STRING;
        bind.buffer = buffers->data[i].data();
        bind.buffer_length = buffers->data[i].size();
        bind.length = &buffers->lengths[i];
        bind.is_null = &buffers->nulls[i];
        bind.error = &buffers->errors[i];
    };
    for (unsigned int i = 0; i < count; ++i) bind_column(i);
    const auto error = [stmt] {
        return QueryError(
            {static_cast<int>(mysql_stmt_errno(stmt)), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt)});
    };
    if (mysql_stmt_bind_result(stmt, buffers->binds.data()) != 0) throw error();

    return Rows(std::move(columns), [stmt, buffers, bind_column, error, count](Row& row) {
        const int status = mysql_stmt_fetch(stmt);
        if (status == MYSQL_NO_DATA) return false;
        if (status == 1) throw error();
        row.assign(count, std::nullopt);
        for (unsigned int i = 0; i < count; ++i) {
            if (buffers->nulls[i]) continue;
            const unsigned long length = buffers->lengths[i];
            if (length > buffers->data[i].size()) {
                // Truncated (MYSQL_DATA_TRUNCATED): grow the buffer and read the
                // column again; the new buffer is bound for the next rows too.
                buffers->data[i].resize(length);
                bind_column(i);
                if (mysql_stmt_fetch_column(stmt, &buffers->binds[i], i, 0) != 0) throw error();
                if (mysql_stmt_bind_result(stmt, buffers->binds.data()) != 0) throw error();
            }
            row[i] = buffers->data[i].substr(0, length);
        }
        return true;
    });
}

std::uint64_t Statement::affected_rows() const {
    return mysql_stmt_affected_rows(stmt_.get());
}

std::uint64_t Statement::insert_id() const {
    return mysql_stmt_insert_id(stmt_.get());
}

}  // namespace connguard
