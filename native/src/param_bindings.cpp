#include "connguard/param_bindings.hpp"

#include <string>

#include "connguard/usage_error.hpp"

namespace connguard {

void ParamBindings::bind(std::size_t index, Type type, const void* value, std::size_t length) {
    if (index >= bindings_.size()) {
        throw UsageError("connguard::ParamBindings: no parameter " + std::to_string(index) +
                         " (the statement has " + std::to_string(bindings_.size()) + ")");
    }
    bindings_[index] = {type, value, length};
}

void ParamBindings::bind_uint8(std::size_t index, const std::uint8_t& value) {
    bind(index, Type::UInt8, &value, 0);
}

void ParamBindings::bind_int64(std::size_t index, const std::int64_t& value) {
    bind(index, Type::Int64, &value, 0);
}

void ParamBindings::bind_uint64(std::size_t index, const std::uint64_t& value) {
    bind(index, Type::UInt64, &value, 0);
}

void ParamBindings::bind_varchar(std::size_t index, const char* value, std::size_t length) {
    bind(index, Type::Varchar, value, length);
}

void ParamBindings::bind_null(std::size_t index) {
    bind(index, Type::Null, nullptr, 0);
}

}  // namespace connguard
