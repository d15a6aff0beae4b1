// Beyond report.json: the lines of a call's own actions, and actions of the
// wrong kind refused.
#include <gtest/gtest.h>

#include <stdexcept>

#include "connguard/call.hpp"
#include "connguard/report.hpp"

namespace connguard {
namespace {

Policy no_jitter() {
    Policy policy;
    policy.jitter = Jitter::None;
    policy.never_retry = {1040};
    return policy;
}

TEST(Report, LinesOfACallsActions) {
    Call call(no_jitter(), 1, true);
    call.start();
    call.granted(0.0);
    const Actions retried = call.failed(0.01, 1203);  // rejected, retry (queued), wait
    EXPECT_EQ(retry_line("api", "", retried[1], "max_user_connections"),
              "connguard retry: service=api target=- code=1203 ER_TOO_MANY_USER_CONNECTIONS (capacity) "
              "attempt 1/10, queued for a free slot: max_user_connections");
    call.granted(0.5);
    const Actions gave_up = call.failed(0.5, 1040);  // never_retry: fatal, with the table's advice
    EXPECT_EQ(give_up_summary("api", "", gave_up[1]),
              "connguard gave up after 2 attempts in 0.500s (reason: fatal; last error 1040 "
              "ER_CON_COUNT_ERROR, fatal; service=api target=-); 1040 ER_CON_COUNT_ERROR: Raise "
              "max_connections or shrink client pools; consider a connection pooler.");
}

TEST(Report, TheAdviceIsForFatalGiveUpsOnly) {
    Policy policy = no_jitter();
    policy.max_attempts = 1;
    Call call(policy, 1, false);
    call.start();
    const Action give_up = call.failed(0.25, 1053)[0];
    EXPECT_EQ(give_up_summary("", "", give_up),
              "connguard gave up after 1 attempt in 0.250s (reason: attempts; last error 1053 "
              "ER_SERVER_SHUTDOWN, transient; service=default target=-)");
}

TEST(Report, NeverAdmitted) {
    Call call(no_jitter(), 1, true);
    call.start();
    const Action give_up = call.expired(30.0)[1];
    const std::string waited = queue_timeout_message("db", 30.0, 2, 2);
    EXPECT_EQ(give_up_line("", "db", give_up, waited),
              "connguard gave up after 0 attempts in 30.000s (reason: deadline; no attempt, waited in the "
              "limiter's queue; service=default target=db): " +
                  waited);
}

TEST(Report, AnActionOfAnotherKindIsRefused) {
    Call call(no_jitter(), 1, false);
    const Action attempt = call.start()[0];
    EXPECT_THROW(retry_line("", "", attempt, "x"), std::invalid_argument);
    EXPECT_THROW(give_up_summary("", "", attempt), std::invalid_argument);
    EXPECT_THROW(give_up_line("", "", attempt, "x"), std::invalid_argument);
    Action classless;
    classless.kind = Action::Do::Retry;
    EXPECT_THROW(retry_line("", "", classless, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace connguard
