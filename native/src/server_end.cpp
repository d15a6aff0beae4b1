#include "server_end.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace connguard::detail {

UniqueFd::~UniqueFd() {
    if (fd >= 0) ::close(fd);
}

void wait_for_end_of_stream(int fd, std::chrono::milliseconds limit) noexcept {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::array<char, 256> sink{};
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd readable{fd, POLLIN, 0};
        const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return;
        const ssize_t got = ::read(fd, sink.data(), sink.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;  // end of stream, or the socket failed: either way done
    }
}

}  // namespace connguard::detail
