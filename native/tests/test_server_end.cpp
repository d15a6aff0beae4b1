// wait_for_end_of_stream on a real socket pair: it returns once the peer has
// closed, and a peer that never closes costs at most the limit.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "server_end.hpp"

namespace {

using connguard::detail::UniqueFd;
using connguard::detail::wait_for_end_of_stream;
using namespace std::chrono_literals;

struct Pair {
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        ours = fds[0];
        peer = fds[1];
    }
    int ours = -1;
    int peer = -1;
};

TEST(ServerEnd, ReturnsOnlyAfterThePeerClosed) {
    Pair pair;
    const UniqueFd ours(pair.ours);
    std::atomic<bool> peer_closed{false};
    std::thread server([&] {
        std::this_thread::sleep_for(50ms);         // the server frees the session, then closes
        ASSERT_EQ(::write(pair.peer, "x", 1), 1);  // anything it still sends is read and dropped
        peer_closed = true;
        ::close(pair.peer);
    });
    wait_for_end_of_stream(ours.fd, 10s);
    EXPECT_TRUE(peer_closed);
    server.join();
}

TEST(ServerEnd, APeerThatNeverClosesCostsAtMostTheLimit) {
    Pair pair;
    const UniqueFd ours(pair.ours);
    const UniqueFd peer(pair.peer);
    auto waited = std::async(std::launch::async, [&] { wait_for_end_of_stream(ours.fd, 100ms); });
    // A generous bound, not a speed check: the wait gives up instead of hanging.
    EXPECT_EQ(waited.wait_for(30s), std::future_status::ready);
}

TEST(ServerEnd, UniqueFdClosesItsDescriptor) {
    Pair pair;
    { const UniqueFd ours(pair.ours); }
    const UniqueFd peer(pair.peer);
    char byte = 0;
    EXPECT_EQ(::read(peer.fd, &byte, 1), 0);  // our end is gone: end of stream
}

}  // namespace
