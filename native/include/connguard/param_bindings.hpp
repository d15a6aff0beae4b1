// The typed parameters of a prepared statement, bound by reference as CLP's
// MySQLParamBindings binds them: Statement::execute() reads each value where
// it lives, so a loop can rebind the same variables and execute again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace connguard {

class Statement;

// One binding per placeholder, in order from 0; each must be bound before
// execute(). A value must live, unmoved, until the execute() that reads it:
// temporaries are refused at compile time (the deleted overloads).
class ParamBindings {
public:
    std::size_t size() const noexcept { return bindings_.size(); }

    // TINYINT UNSIGNED, BIGINT, BIGINT UNSIGNED. Throw UsageError for an
    // index past the last placeholder.
    void bind_uint8(std::size_t index, const std::uint8_t& value);
    void bind_int64(std::size_t index, const std::int64_t& value);
    void bind_uint64(std::size_t index, const std::uint64_t& value);
    void bind_uint8(std::size_t index, const std::uint8_t&& value) = delete;
    void bind_int64(std::size_t index, const std::int64_t&& value) = delete;
    void bind_uint64(std::size_t index, const std::uint64_t&& value) = delete;
    // `length` bytes at `value` (need not end in a NUL), sent as a string.
    void bind_varchar(std::size_t index, const char* value, std::size_t length);
    void bind_null(std::size_t index);

private:
    friend class Statement;
    enum class Type { Unbound, Null, UInt8, Int64, UInt64, Varchar };
    struct Binding {
        Type type = Type::Unbound;
        const void* value = nullptr;
        std::size_t length = 0;  // of a Varchar
    };

    ParamBindings() = default;
    explicit ParamBindings(std::size_t count) : bindings_(count) {}
    void bind(std::size_t index, Type type, const void* value, std::size_t length);

    std::vector<Binding> bindings_;
};

}  // namespace connguard
