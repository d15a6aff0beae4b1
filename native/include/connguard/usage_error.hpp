// A call the object's state does not allow: open() on an open MySQLDB,
// close() or a statement on a closed one, a field past the last row, a
// binding index out of range. A bug of the caller, never retried.
#pragma once

#include <string>

#include "connguard/error.hpp"

namespace connguard {

// code() is nullopt and sqlstate() "": the driver was never asked.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& what);
};

}  // namespace connguard
