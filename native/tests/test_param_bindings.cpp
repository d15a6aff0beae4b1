// ParamBindings' compile-time contract (the binds against the server are in
// test_mysqldb_server.cpp): a failure here fails the build.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "connguard/param_bindings.hpp"

namespace connguard {
namespace {

// A binding is read at execute(): a temporary would be gone by then, so the
// typed binds take lvalues only, of exactly their type.
template <typename T, typename = void>
struct BindsInt64 : std::false_type {};
template <typename T>
struct BindsInt64<T, std::void_t<decltype(std::declval<ParamBindings&>().bind_int64(0, std::declval<T>()))>>
    : std::true_type {};
static_assert(BindsInt64<std::int64_t&>::value && BindsInt64<const std::int64_t&>::value);
static_assert(!BindsInt64<std::int64_t>::value, "a temporary");
static_assert(!BindsInt64<int&>::value, "another type, converted to a temporary");

template <typename T, typename = void>
struct BindsUInt8 : std::false_type {};
template <typename T>
struct BindsUInt8<T, std::void_t<decltype(std::declval<ParamBindings&>().bind_uint8(0, std::declval<T>()))>>
    : std::true_type {};
static_assert(BindsUInt8<std::uint8_t&>::value && !BindsUInt8<std::uint8_t>::value);

}  // namespace
}  // namespace connguard
