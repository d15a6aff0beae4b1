// Waiting for the server to close its end of a connection (spec 6, released()):
// internal to MySQLDB, which closes through a duplicate of the socket.
#pragma once

#include <chrono>

namespace connguard::detail {

// Owns a file descriptor; -1 for none.
struct UniqueFd {
    explicit UniqueFd(int fd) noexcept : fd(fd) {}
    ~UniqueFd();
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    const int fd;
};

// Reads and drops what arrives on `fd` until the peer closes, the socket
// fails, or `limit` passes.
void wait_for_end_of_stream(int fd, std::chrono::milliseconds limit) noexcept;

}  // namespace connguard::detail
