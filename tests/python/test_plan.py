"""connguard plan without a server: the [deployment] table, the budget, the proposals."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from connguard import PolicyError, PolicySet
from connguard.cli import main
from connguard.deployment import Service, load_deployment, parse_deployment
from connguard.plan import make_plan, propose, render
from docblocks import ROOT, Block, blocks

SERVICES = """\
[deployment.service.web]
replicas = 3
processes = 4
pool_size = 10

[deployment.service.worker]
replicas = 2
processes = 2
pool_size = 20
account = "jobs@10.0.%"
"""


def _service(name: str, processes: int, per_process: int) -> Service:
    return Service(name, 1, processes, per_process, "pool_size", name, "%", 2, True)


def test_a_deployment_that_fits_keeps_what_it_asked_for() -> None:
    plan = make_plan(parse_deployment(f"[deployment]\nmax_connections = 151\n{SERVICES}"))
    assert (plan.demand, plan.budget, plan.fits) == (200, 151, False)
    plan = make_plan(parse_deployment(f"[deployment]\nmax_connections = 300\n{SERVICES}"))
    assert plan.fits and plan.proposed == (10, 20)
    assert plan.statements() == [
        "ALTER USER 'web'@'%' WITH MAX_USER_CONNECTIONS 120;",
        "ALTER USER 'jobs'@'10.0.%' WITH MAX_USER_CONNECTIONS 80;",
    ]


def test_an_oversubscribed_one_gets_the_same_share_for_every_service() -> None:
    text = f"[deployment]\nmax_connections = 151\nreserve = 11\n{SERVICES}"
    plan = make_plan(parse_deployment(text, "deploy.toml"))
    assert (plan.demand, plan.budget, plan.fits) == (200, 140, False)
    assert plan.proposed == (7, 14)  # 70% of 10 and of 20: 84 + 56 = 140
    shown = render(plan)
    assert "OVERSUBSCRIBED: 200 connections asked for, 140 available (1.4x)" in shown
    assert "[service.web.limiter]\nmax_limit = 7" in shown
    assert "ALTER USER 'jobs'@'10.0.%' WITH MAX_USER_CONNECTIONS 56;" in shown


def test_nothing_is_proposed_when_one_connection_per_process_does_not_fit() -> None:
    text = "[deployment]\nmax_connections = 20\n"
    text += "[deployment.service.web]\nprocesses = 21\nmax_limit = 2\n"
    plan = make_plan(parse_deployment(text))
    assert plan.proposed is None and plan.statements() == []
    assert "does not fit even at 1 connection per process (21 processes)" in render(plan)


def test_proposals_fit_and_leave_no_room_a_service_could_still_use() -> None:
    rng = random.Random(17)
    for _ in range(500):
        services = [
            _service(f"s{i}", rng.randint(1, 12), rng.randint(1, 40))
            for i in range(rng.randint(1, 6))
        ]
        budget = rng.randint(1, 400)
        given = propose(services, budget)
        if sum(s.process_count for s in services) > budget:
            assert given is None
            continue
        assert given is not None
        used = sum(s.process_count * limit for s, limit in zip(services, given, strict=True))
        assert used <= budget
        assert all(1 <= limit <= s.per_process for s, limit in zip(services, given, strict=True))
        left = budget - used
        # Greedy to the end: every service below what it asked for needs more than is left.
        assert all(
            limit == s.per_process or s.process_count > left
            for s, limit in zip(services, given, strict=True)
        )


def test_a_proposal_below_initial_limit_lowers_it_and_the_lines_are_a_valid_policy() -> None:
    text = (
        '[default.limiter]\ninitial_limit = 4\n\n[service."api v2".limiter]\nenabled = false\n\n'
        "[deployment]\nmax_connections = 10\n\n"
        '[deployment.service."api v2"]\nprocesses = 4\npool_size = 8\n\n'
        "[deployment.service.cron]\nmax_limit = 1\n"
    )
    plan = make_plan(parse_deployment(text))
    assert plan.proposed == (2, 1)
    toml = plan.policy_toml()
    assert '[service."api v2".limiter]\nmax_limit = 2\ninitial_limit = 2' in toml
    assert "enabled = true" in toml
    policies = PolicySet.parse(toml)
    assert policies.service("api v2").limiter.max_limit == 2
    assert policies.service("cron").limiter.initial_limit == 1


def test_the_policy_beside_a_deployment_gives_max_limit_and_is_validated_too() -> None:
    text = (
        "[service.web.limiter]\nmax_limit = 3\n\n"
        "[deployment]\nmax_connections = 10\n[deployment.service.web]\nprocesses = 2\n"
        "[deployment.service.web2]\nmax_limit = 1\npool_size = 5\n"
    )
    web, web2 = parse_deployment(text).services
    assert (web.per_process, web.source) == (3, "policy max_limit")
    assert (web2.per_process, web2.source) == (1, "max_limit")  # the smaller counts
    with pytest.raises(PolicyError) as raised:
        parse_deployment(text + "[service.web]\ndeadline = 5\n", "both.toml")
    assert (raised.value.kind, raised.value.line, raised.value.table) == (
        "bad_duration",
        12,  # its own line: the [deployment] lines blanked for the engine keep their places
        "service.web",
    )


# (text, kind, line, table, key): each the first problem of its file.
INVALID = [
    ("[deployment\n", "syntax", 1, "", ""),
    ("[deployment]\nreserve = 1\n", "missing_key", 1, "deployment", "service"),
    ("[deploymnt]\nx = 1\n", "unknown_table", 1, "", "deploymnt"),
    ("deployment = 3\n", "wrong_type", 1, "", "deployment"),
    ("[other]\n", "unknown_table", 1, "", "other"),
    ("[deployment]\nfoo = 1\n", "unknown_key", 2, "deployment", "foo"),
    ("[deployment]\nmax_connections = true\n", "wrong_type", 2, "deployment", "max_connections"),
    ("[deployment]\nmax_connections = 0\n", "out_of_range", 2, "deployment", "max_connections"),
    ("[deployment]\nreserve = -1\n", "out_of_range", 2, "deployment", "reserve"),
    (
        "[deployment]\nmax_connections = 10\nreserve = 10\n[deployment.service.a]\npool_size = 1\n",
        "inconsistent",
        3,
        "deployment",
        "reserve",
    ),
    ("[deployment]\nservice = 1\n", "wrong_type", 2, "deployment", "service"),
    ("[deployment.service]\na = 1\n", "wrong_type", 2, "deployment", "service.a"),
    (
        "[deployment.service.a]\nprocesses = 2\n\n# pool_size forgotten\n",
        "missing_key",
        1,
        "deployment.service.a",
        "",
    ),
    (
        "[deployment.service.a]\npool_size = 1\nreplicas = 2.0\n",
        "wrong_type",
        3,
        "deployment.service.a",
        "replicas",
    ),
    (
        "[deployment.service.a]\npool_size = 100001\n",
        "out_of_range",
        2,
        "deployment.service.a",
        "pool_size",
    ),
    (
        "[deployment.service.a]\npoolsize = 1\n",
        "unknown_key",
        2,
        "deployment.service.a",
        "poolsize",
    ),
    ("[deployment.service.a.tls]\nx = 1\n", "unknown_table", 1, "deployment.service.a", "tls"),
    (
        "[deployment.service.a]\npool_size = 1\naccount = 'x@'\n",
        "out_of_range",
        3,
        "deployment.service.a",
        "account",
    ),
    ("[deployment.service.a]\naccount = 7\n", "wrong_type", 2, "deployment.service.a", "account"),
]


@pytest.mark.parametrize(("text", "kind", "line", "table", "key"), INVALID)
def test_an_invalid_deployment_names_file_line_table_key_and_what_is_allowed(
    text: str, kind: str, line: int, table: str, key: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_deployment(text, "deploy.toml")
    error = raised.value
    assert (error.kind, error.line, error.table, error.key) == (kind, line, table, key)
    assert error.file == "deploy.toml" and error.allowed
    where = f"deploy.toml:{line}: " + (f"[{table}] " if table else "") + (f"{key}: " if key else "")
    assert str(error).startswith(where) and str(error).endswith(f"(allowed: {error.allowed})")


def test_a_control_character_in_a_key_is_shown_escaped() -> None:
    with pytest.raises(PolicyError) as raised:
        parse_deployment('[deployment]\n"a\\nb" = 1\n', "deploy.toml")
    assert raised.value.key == "a\nb"
    assert "[deployment] a\\u000ab: unknown key" in str(raised.value)


def test_the_command_exits_0_when_it_fits_1_when_not_2_when_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deploy.toml"
    path.write_text(f"[deployment]\nmax_connections = 300\n{SERVICES}")
    assert main(["plan", str(path)]) == 0
    assert "fits: 200 of 300 connections (100 spare)" in capsys.readouterr().out
    path.write_text(f"[deployment]\nmax_connections = 151\n{SERVICES}")
    assert main(["plan", str(path)]) == 1
    path.write_text(SERVICES)  # no max_connections, no --dsn
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1: [deployment] max_connections: missing (allowed: " in err
    assert main(["plan", str(tmp_path / "absent.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert load_deployment(path).max_connections is None  # the plan reads it with --dsn


SCALE = blocks(ROOT / "docs" / "scale.md")
DEPLOYMENT = next(b for b in SCALE if b.language == "toml" and "[deployment]" in b.code)


def _shown_after(block: Block, starting: str) -> str:
    """The first text block after ``block`` that starts with ``starting``."""
    return next(
        b.code
        for b in SCALE
        if b.line > block.line and b.language == "text" and b.code.startswith(starting)
    )


def test_the_docs_plan_output_is_what_plan_prints_for_the_docs_deployment() -> None:
    plan = make_plan(parse_deployment(DEPLOYMENT.code, "deploy.toml"))
    assert render(plan) + "\n" == _shown_after(DEPLOYMENT, "deploy.toml: 3 services")


def test_the_docs_error_is_what_the_docs_deployment_with_a_pool_of_0_raises() -> None:
    assert DEPLOYMENT.code.count("pool_size = 20") == 1
    with pytest.raises(PolicyError) as raised:
        parse_deployment(DEPLOYMENT.code.replace("pool_size = 20", "pool_size = 0"), "deploy.toml")
    assert str(raised.value) + "\n" == _shown_after(DEPLOYMENT, "deploy.toml:13:")
