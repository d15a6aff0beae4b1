#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "connguard/policy_set.hpp"
#include "policy_set_table.hpp"

namespace connguard {
namespace {

// The PolicyError that loading `text` (then asking for `service`) throws.
PolicyError error_of(std::string_view text, std::string_view service = "") {
    try {
        const PolicySet set = PolicySet::parse(text, "p.toml");
        if (!service.empty()) set.service(service);
    } catch (const PolicyError& error) {
        return error;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return PolicyError(PolicyErrorKind::Io, "", 0, "", "", "", "");
}

void expect_error(std::string_view text, PolicyErrorKind kind, std::string_view table, std::string_view key,
                  int line) {
    const PolicyError error = error_of(text);
    EXPECT_EQ(to_string(error.kind()), to_string(kind)) << error.what();
    EXPECT_EQ(error.table(), table) << error.what();
    EXPECT_EQ(error.key(), key) << error.what();
    EXPECT_EQ(error.line(), line) << error.what();
    EXPECT_EQ(error.file(), "p.toml");
}

// A file under the temp directory, removed when the test ends.
class TempFile {
public:
    explicit TempFile(const std::string& text)
        : path_(std::filesystem::temp_directory_path() /
                ("connguard-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml")) {
        std::ofstream(path_) << text;
    }
    ~TempFile() { std::filesystem::remove(path_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

TEST(PolicySet, EmptyFileIsTheBuiltInDefaults) {
    const PolicySet set = PolicySet::parse("");
    const Policy& p = set.defaults();
    EXPECT_EQ(p.service, "");
    EXPECT_EQ(p.max_attempts, 10);
    EXPECT_EQ(p.deadline, 30.0);
    EXPECT_EQ(p.connect_timeout, 5.0);
    EXPECT_EQ(p.initial_delay, 0.05);
    EXPECT_EQ(p.max_delay, 5.0);
    EXPECT_EQ(p.multiplier, 2.0);
    EXPECT_EQ(p.jitter, Jitter::Full);
    EXPECT_TRUE(p.retry_on.empty());
    EXPECT_TRUE(p.never_retry.empty());
    EXPECT_TRUE(set.service_names().empty());
    EXPECT_EQ(set.source(), "<string>");
}

TEST(PolicySet, ServicesInheritDefaultKeysAndReplaceListsWhole) {
    const PolicySet set = PolicySet::parse(R"(
[default]
max_attempts = 7
deadline = "45s"
jitter = "equal"
retry_on = [1205]

[service.scheduler]
deadline = "2m"
retry_on = [1213, 1614]
multiplier = 3

[service.api]
)",
                                           "p.toml");
    EXPECT_EQ(set.defaults().max_attempts, 7);
    EXPECT_EQ(set.defaults().deadline, 45.0);
    EXPECT_EQ(set.defaults().retry_on, std::vector<int>{1205});

    const Policy& scheduler = set.service("scheduler");
    EXPECT_EQ(scheduler.service, "scheduler");
    EXPECT_EQ(scheduler.max_attempts, 7);
    EXPECT_EQ(scheduler.deadline, 120.0);
    EXPECT_EQ(scheduler.jitter, Jitter::Equal);
    EXPECT_EQ(scheduler.multiplier, 3.0);
    EXPECT_EQ(scheduler.retry_on, (std::vector<int>{1213, 1614}));

    const Policy& api = set.service("api");
    EXPECT_EQ(api.deadline, 45.0);
    EXPECT_EQ(api.retry_on, std::vector<int>{1205});
    EXPECT_EQ(set.service_names(), (std::vector<std::string>{"scheduler", "api"}));
}

TEST(PolicySet, AllKeysParse) {
    const Policy p = PolicySet::parse(R"([default]
max_attempts = 1000
deadline = "1.5m"
connect_timeout = "250ms"
initial_delay = "1s"
max_delay = "1s"
multiplier = 1.0
jitter = "decorrelated"
retry_on = [1, 65535]
never_retry = []
)")
                         .defaults();
    EXPECT_EQ(p.max_attempts, 1000);
    EXPECT_EQ(p.deadline, 90.0);
    EXPECT_EQ(p.connect_timeout, 0.25);
    EXPECT_EQ(p.initial_delay, 1.0);
    EXPECT_EQ(p.max_delay, 1.0);
    EXPECT_EQ(p.multiplier, 1.0);
    EXPECT_EQ(p.jitter, Jitter::Decorrelated);
    EXPECT_EQ(p.retry_on, (std::vector<int>{1, 65535}));
}

TEST(PolicyError, MessageFormatAndOmissions) {
    using K = PolicyErrorKind;
    EXPECT_STREQ(
        PolicyError(K::OutOfRange, "f.toml", 3, "default", "max_attempts", "0 is bad", "1 to 1000").what(),
        "f.toml:3: [default] max_attempts: 0 is bad (allowed: 1 to 1000)");
    EXPECT_STREQ(PolicyError(K::Io, "f.toml", 0, "", "", "cannot read", "a file").what(),
                 "f.toml: cannot read (allowed: a file)");
    EXPECT_STREQ(PolicyError(K::UnknownKey, "<dict>", 0, "", "x", "unknown", "a").what(),
                 "<dict>: x: unknown (allowed: a)");
    EXPECT_STREQ(PolicyError(K::UnknownService, "f", 0, "service.x", "", "p", "a, b").what(),
                 "f: [service.x] p (allowed: a, b)");
}

TEST(PolicyError, ControlCharactersAreEscapedSoTheMessageIsWhole) {
    const std::string key("a\0b\n", 4);
    EXPECT_STREQ(PolicyError(PolicyErrorKind::UnknownKey, "f", 2, "default", key, "unknown key", "x").what(),
                 "f:2: [default] a\\u0000b\\u000A: unknown key (allowed: x)");
    const PolicyError error = error_of("[default]\n\"a\\u0000b\" = 1\n");
    EXPECT_EQ(error.key(), std::string("a\0b", 3));
    EXPECT_STREQ(
        error.what(),
        "p.toml:2: [default] a\\u0000b: unknown key (allowed: max_attempts, deadline, connect_timeout, "
        "initial_delay, max_delay, multiplier, jitter, retry_on, never_retry and the table limiter)");
}

TEST(PolicyError, FloatsReadAsInEveryLanguage) {
    const auto problem = [](std::string_view value) {
        return error_of("[default]\nmultiplier = " + std::string(value) + "\n").problem();
    };
    EXPECT_EQ(problem("0.5"), "0.5 is out of range");
    EXPECT_EQ(problem("-0.0"), "-0 is out of range");
    EXPECT_EQ(problem("-1e21"), "-1e+21 is out of range");
    EXPECT_EQ(problem("-1e20"), "-100000000000000000000 is out of range");
    EXPECT_EQ(problem("1.5e-7"), "1.5e-7 is out of range");
    EXPECT_EQ(problem("1e-6"), "0.000001 is out of range");
    EXPECT_EQ(problem("5e-324"), "5e-324 is out of range");
    EXPECT_EQ(problem("-inf"), "-inf is out of range");
}

TEST(PolicyError, KindNames) {
    using K = PolicyErrorKind;
    EXPECT_EQ(to_string(K::Io), "io");
    EXPECT_EQ(to_string(K::Syntax), "syntax");
    EXPECT_EQ(to_string(K::UnknownTable), "unknown_table");
    EXPECT_EQ(to_string(K::UnknownKey), "unknown_key");
    EXPECT_EQ(to_string(K::WrongType), "wrong_type");
    EXPECT_EQ(to_string(K::OutOfRange), "out_of_range");
    EXPECT_EQ(to_string(K::BadDuration), "bad_duration");
    EXPECT_EQ(to_string(K::BadChoice), "bad_choice");
    EXPECT_EQ(to_string(K::Inconsistent), "inconsistent");
    EXPECT_EQ(to_string(K::UnknownService), "unknown_service");
}

TEST(PolicyErrors, Syntax) {
    expect_error("[default]\nmax_attempts = = 3\n", PolicyErrorKind::Syntax, "", "", 2);
    expect_error("[default]\n[default]\n", PolicyErrorKind::Syntax, "", "", 2);
}

// Where toml++ alone would stop elsewhere, or not at all (docs/spec.md 1.3).
TEST(PolicyErrors, SyntaxAsTheSpecPutsIt) {
    using K = PolicyErrorKind;
    expect_error("[default]\n# \xC0\xAF\n", K::Syntax, "", "", 2);  // not UTF-8, found first
    expect_error("[default]\nx = 1\nx = 2\n# \xFF\n", K::Syntax, "", "", 4);
    expect_error("[default]\nmultiplier = 0x" + std::string(125, '0') + "1\n", K::Syntax, "", "", 2);
    expect_error("[default]\nretry_on = [\n  +1." + std::string(124, '0') + ",\n  [\n", K::Syntax, "", "", 3);
    expect_error("[default]\nmultiplier = 0x" + std::string(124, '0') + "\n", K::OutOfRange, "default",
                 "multiplier", 2);
    // A header toml++ cannot make, reported on its own line, not the next.
    expect_error("service = 1\n[service.a]   # c\nx = 1\n", K::Syntax, "", "", 2);
    expect_error("[a]\nb = 1\n[a.b.c]\n[x]\n", K::Syntax, "", "", 3);
    expect_error("[a]\n[a]\nx = 1\n", K::Syntax, "", "", 2);
}

TEST(PolicyErrors, UnknownTable) {
    expect_error("[defaults]\n", PolicyErrorKind::UnknownTable, "", "defaults", 1);
    expect_error("[default]\n\n[default.extra]\n", PolicyErrorKind::UnknownTable, "default", "extra", 3);
    expect_error("[service.a]\nx = { y = 1 }\n", PolicyErrorKind::UnknownTable, "service.a", "x", 2);
    expect_error("[service.a.b]\n", PolicyErrorKind::UnknownTable, "service.a", "b", 1);
}

TEST(PolicyLimiter, InheritedKeyByKeyAndNamedInErrors) {
    const PolicySet set = PolicySet::parse(
        "[default.limiter]\ninitial_limit = 4\n\n[service.api.limiter]\nenabled = false\n", "p.toml");
    EXPECT_TRUE(set.defaults().limiter.enabled);
    EXPECT_EQ(set.service("api").limiter.initial_limit, 4);
    EXPECT_FALSE(set.service("api").limiter.enabled);
    EXPECT_EQ(set.service("api").limiter.max_limit, 1000);
    EXPECT_STREQ(
        error_of("[default.limiter]\nmax_limit = 0\n").what(),
        "p.toml:2: [default.limiter] max_limit: 0 is out of range (allowed: an integer from 1 to 100000)");
}

TEST(PolicyErrors, UnknownKey) {
    expect_error("[default]\nmax_attempt = 3\n", PolicyErrorKind::UnknownKey, "default", "max_attempt", 2);
    expect_error("max_attempts = 3\n", PolicyErrorKind::UnknownKey, "", "max_attempts", 1);
    EXPECT_STREQ(error_of("[default]\nmax_attempt = 3\n").what(),
                 "p.toml:2: [default] max_attempt: unknown key (allowed: max_attempts, deadline, "
                 "connect_timeout, initial_delay, max_delay, multiplier, jitter, retry_on, "
                 "never_retry and the table limiter)");
}

TEST(PolicyErrors, WrongType) {
    expect_error("[default]\nmax_attempts = \"3\"\n", PolicyErrorKind::WrongType, "default", "max_attempts",
                 2);
    expect_error("[default]\nmax_attempts = 3.0\n", PolicyErrorKind::WrongType, "default", "max_attempts", 2);
    expect_error("default = 1\n", PolicyErrorKind::WrongType, "", "default", 1);
    expect_error("service = \"x\"\n", PolicyErrorKind::WrongType, "", "service", 1);
    expect_error("[[default]]\n", PolicyErrorKind::WrongType, "", "default", 1);
    // A non-table under [service] is reported at the top level, as key "service.NAME".
    expect_error("[service]\napi = 1\n", PolicyErrorKind::WrongType, "", "service.api", 2);
    expect_error("[service.a]\n[[service.b]]\n", PolicyErrorKind::WrongType, "", "service.b", 2);
    expect_error("[default]\nmultiplier = \"2\"\n", PolicyErrorKind::WrongType, "default", "multiplier", 2);
    expect_error("[default]\njitter = true\n", PolicyErrorKind::WrongType, "default", "jitter", 2);
    expect_error("[service.x]\n\nretry_on = 1205\n", PolicyErrorKind::WrongType, "service.x", "retry_on", 3);
    expect_error("[service.x]\nnever_retry = [\n  1205,\n  \"1213\",\n]\n", PolicyErrorKind::WrongType,
                 "service.x", "never_retry", 2);
}

TEST(PolicyErrors, OutOfRange) {
    expect_error("[default]\nmax_attempts = 0\n", PolicyErrorKind::OutOfRange, "default", "max_attempts", 2);
    expect_error("[default]\nmax_attempts = 1001\n", PolicyErrorKind::OutOfRange, "default", "max_attempts",
                 2);
    expect_error("[default]\ndeadline = \"0s\"\n", PolicyErrorKind::OutOfRange, "default", "deadline", 2);
    expect_error("[default]\nconnect_timeout = \"0.0ms\"\n", PolicyErrorKind::OutOfRange, "default",
                 "connect_timeout", 2);
    expect_error("[default]\ndeadline = \"1" + std::string(400, '0') + "s\"\n", PolicyErrorKind::OutOfRange,
                 "default", "deadline", 2);
    expect_error("[default]\nmultiplier = 0.5\n", PolicyErrorKind::OutOfRange, "default", "multiplier", 2);
    expect_error("[default]\nmultiplier = nan\n", PolicyErrorKind::OutOfRange, "default", "multiplier", 2);
    expect_error("[default]\nmultiplier = inf\n", PolicyErrorKind::OutOfRange, "default", "multiplier", 2);
    expect_error("[default]\nretry_on = [1205, 0]\n", PolicyErrorKind::OutOfRange, "default", "retry_on", 2);
    expect_error("[default]\nnever_retry = [65536]\n", PolicyErrorKind::OutOfRange, "default", "never_retry",
                 2);
}

TEST(PolicyErrors, BadDuration) {
    expect_error("[default]\ndeadline = 30\n", PolicyErrorKind::BadDuration, "default", "deadline", 2);
    expect_error("[default]\ndeadline = 2.5\n", PolicyErrorKind::BadDuration, "default", "deadline", 2);
    expect_error("[default]\ninitial_delay = \"30\"\n", PolicyErrorKind::BadDuration, "default",
                 "initial_delay", 2);
    expect_error("[default]\nmax_delay = \"1h\"\n", PolicyErrorKind::BadDuration, "default", "max_delay", 2);
    expect_error("[default]\nmax_delay = [\"1s\"]\n", PolicyErrorKind::BadDuration, "default", "max_delay",
                 2);
    // A known key holding a table has the wrong type; it is not an unknown table.
    expect_error("[default]\ndeadline = { s = 1 }\n", PolicyErrorKind::BadDuration, "default", "deadline", 2);
    EXPECT_EQ(error_of("[default]\ndeadline = \"5s\\n\\\"\"\n").problem(),
              R"("5s\u000A\"" is not a duration)");
    const PolicyError bare = error_of("[default]\ndeadline = 30\n");
    EXPECT_NE(bare.problem().find("write a string with a unit"), std::string::npos);
    EXPECT_NE(bare.problem().find("\"250ms\""), std::string::npos);
}

TEST(PolicyErrors, BadChoice) {
    expect_error("[default]\njitter = \"random\"\n", PolicyErrorKind::BadChoice, "default", "jitter", 2);
    expect_error("[default]\njitter = \"Full\"\n", PolicyErrorKind::BadChoice, "default", "jitter", 2);
}

TEST(PolicyErrors, InconsistentIsCheckedOnTheEffectivePolicy) {
    // Reported at max_delay where the table names it...
    expect_error("[default]\nmax_delay = \"10ms\"\n", PolicyErrorKind::Inconsistent, "default", "max_delay",
                 2);
    expect_error("[default]\nmax_delay = \"1s\"\ninitial_delay = \"2s\"\n", PolicyErrorKind::Inconsistent,
                 "default", "max_delay", 2);
    expect_error("[default]\ninitial_delay = \"1s\"\n[service.a]\nmax_delay = \"500ms\"\n",
                 PolicyErrorKind::Inconsistent, "service.a", "max_delay", 4);
    // ...else at initial_delay.
    expect_error("[default]\ninitial_delay = \"6s\"\n", PolicyErrorKind::Inconsistent, "default",
                 "initial_delay", 2);
    expect_error("[service.a]\ninitial_delay = \"6s\"\n", PolicyErrorKind::Inconsistent, "service.a",
                 "initial_delay", 2);
    // Inheritance can also repair: the service raises max_delay for itself.
    EXPECT_NO_THROW(
        PolicySet::parse("[default]\nmax_delay = \"1s\"\n[service.a]\n"
                         "initial_delay = \"2s\"\nmax_delay = \"3s\"\n"));
    EXPECT_STREQ(error_of("[default]\nmax_delay = \"10ms\"\n").what(),
                 "p.toml:2: [default] max_delay: 10ms is less than initial_delay 50ms "
                 "(allowed: a duration >= initial_delay (50ms))");
    EXPECT_STREQ(error_of("[default]\ninitial_delay = \"6s\"\n").what(),
                 "p.toml:2: [default] initial_delay: 6s is greater than max_delay 5s "
                 "(allowed: a duration <= max_delay (5s))");
}

TEST(PolicyErrors, UnknownService) {
    const PolicyError error = error_of("[service.b]\n[service.a]\n", "c");
    EXPECT_EQ(error.kind(), PolicyErrorKind::UnknownService);
    EXPECT_EQ(error.table(), "service.c");
    EXPECT_EQ(error.key(), "");
    EXPECT_EQ(error.line(), 0);
    EXPECT_EQ(error.allowed(), "b, a");
    EXPECT_STREQ(error.what(), "p.toml: [service.c] no such service in the policy file (allowed: b, a)");
    EXPECT_EQ(error_of("[default]\n", "c").kind(), PolicyErrorKind::UnknownService);
}

TEST(PolicyErrors, FirstProblemInFileOrder) {
    // toml++ iterates keys sorted; the report must follow the file instead.
    expect_error("[default]\nzzz = 1\nmax_attempts = 0\n", PolicyErrorKind::UnknownKey, "default", "zzz", 2);
    expect_error("[service.b]\nmax_attempts = 0\n[service.a]\nmax_attempts = -1\n",
                 PolicyErrorKind::OutOfRange, "service.b", "max_attempts", 2);
    // Keys of every table are checked before consistency, wherever [default] is.
    expect_error("[default]\nmax_delay = \"1ms\"\n[service.a]\njitter = \"x\"\n", PolicyErrorKind::BadChoice,
                 "service.a", "jitter", 4);
    expect_error("[service.a]\njitter = \"x\"\n[default]\nmax_attempts = 0\n", PolicyErrorKind::BadChoice,
                 "service.a", "jitter", 2);
}

TEST(LoadPolicy, ReadsAFileAndValidatesEveryTable) {
    TempFile good("[default]\nmax_attempts = 3\n[service.api]\ndeadline = \"5s\"\n");
    EXPECT_EQ(load_policy(good.path()).max_attempts, 3);
    const Policy api = load_policy(good.path(), "api");
    EXPECT_EQ(api.max_attempts, 3);
    EXPECT_EQ(api.deadline, 5.0);
    EXPECT_EQ(PolicySet::load(good.path()).source(), good.path().string());

    TempFile bad("[default]\n[service.api]\ndeadline = 5\n");
    try {
        load_policy(bad.path());  // asks for [default]; [service.api] still fails
        FAIL() << "no error";
    } catch (const PolicyError& error) {
        EXPECT_EQ(error.kind(), PolicyErrorKind::BadDuration);
        EXPECT_EQ(error.file(), bad.path().string());
        EXPECT_EQ(std::string(error.what()).rfind(bad.path().string() + ":3: [service.api] deadline: ", 0),
                  0u)
            << error.what();
    }
}

TEST(LoadPolicy, UnreadableFileIsIo) {
    for (const std::filesystem::path& path :
         {std::filesystem::path("/nonexistent/connguard.toml"), std::filesystem::temp_directory_path()}) {
        try {
            PolicySet::load(path);
            FAIL() << "no error for " << path;
        } catch (const PolicyError& error) {
            EXPECT_EQ(error.kind(), PolicyErrorKind::Io);
            EXPECT_EQ(error.file(), path.string());
            EXPECT_EQ(error.line(), 0);
            EXPECT_EQ(std::string(error.what()).rfind(path.string() + ": cannot read", 0), 0u)
                << error.what();
        }
    }
}

TEST(FromTable, ValidatesTablesBuiltInCode) {
    const toml::table good{
        {"default", toml::table{{"max_attempts", 4}, {"deadline", "1m"}}},
        {"service", toml::table{{"api", toml::table{{"jitter", "none"}}}}},
    };
    const PolicySet set = detail::policy_set_from_table(good, "<dict>");
    EXPECT_EQ(set.source(), "<dict>");
    EXPECT_EQ(set.service("api").max_attempts, 4);
    EXPECT_EQ(set.service("api").deadline, 60.0);
    EXPECT_EQ(set.service("api").jitter, Jitter::None);

    const toml::table bad{{"default", toml::table{{"max_attempts", 0}}}};
    try {
        detail::policy_set_from_table(bad, "<dict>");
        FAIL() << "no error";
    } catch (const PolicyError& error) {
        EXPECT_EQ(error.line(), 0);
        EXPECT_EQ(std::string(error.what()).rfind("<dict>: [default] max_attempts: ", 0), 0u) << error.what();
    }
}

}  // namespace
}  // namespace connguard
