import json
from collections.abc import Callable

import pytest

from solidarity.demo import DEMO_ADMIN_EMAIL

Cli = Callable[..., tuple[int, str, str]]


def test_db_upgrade_reports_the_head_revision(cli: Cli) -> None:
    code, out, _ = cli("db", "upgrade")
    assert code == 0
    assert "is at revision" in out
    assert cli("db", "current")[1].strip().endswith("(up to date)")


def test_demo_is_idempotent_and_prints_the_admin_login(cli: Cli) -> None:
    code, out, _ = cli("demo")
    assert code == 0
    assert DEMO_ADMIN_EMAIL in out
    first = json.loads(cli("user", "list", "--json")[1])
    code, out, _ = cli("demo", "--json")
    assert set(json.loads(out)["created"].values()) == {0}
    assert json.loads(cli("user", "list", "--json")[1]) == first


def test_user_create_then_token_create_and_revoke(cli: Cli) -> None:
    cli("demo")
    code, out, err = cli(
        "user",
        "create",
        "--email",
        "Officer@MoH.example",
        "--organisation",
        "WHO",
        "--role",
        "editor",
        "--password-stdin",
        "--json",
        stdin="a long password\n",
    )
    assert code == 0, err
    user = json.loads(out)
    assert (user["email"], user["role"]) == ("officer@moh.example", "editor")
    code, out, _ = cli("token", "create", "--user", "officer@moh.example", "--name", "import", "--json")
    issued = json.loads(out)
    assert issued["token"].startswith("sol_")
    listed = json.loads(cli("token", "list", "--user", "officer@moh.example", "--json")[1])
    assert [t["id"] for t in listed] == [issued["id"]]
    assert issued["token"] not in json.dumps(listed)
    assert cli("token", "revoke", str(issued["id"]))[0] == 0
    assert json.loads(cli("token", "list", "--user", "officer@moh.example", "--json")[1])[0]["revoked_at"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("user", "create", "--email", "x@y.org", "--organisation", "Nowhere Inc", "--password-stdin"),
            "No organisation",
        ),
        (("token", "create", "--user", "ghost@example.org", "--name", "n"), "No user with e-mail"),
        (("token", "revoke", "424242"), "does not exist"),
    ],
)
def test_refused_commands_print_error_and_exit_2(cli: Cli, args: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*args, stdin="a long password\n")
    assert code == 2
    assert err.startswith("Error: ")
    assert message in err
    assert "Traceback" not in err + out


def test_duplicate_user_exits_2_and_names_the_existing_id(cli: Cli) -> None:
    cli("demo")
    code, _, err = cli(
        "user",
        "create",
        "--email",
        DEMO_ADMIN_EMAIL,
        "--organisation",
        "WHO",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert code == 2
    assert "exists already (id " in err


def test_bad_setting_exits_2_naming_the_variable(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_PORT", "eighty")
    code, _, err = cli("db", "current")
    assert code == 2
    assert "SOLIDARITY_PORT has value 'eighty'" in err


def test_unreachable_database_exits_2_with_a_clear_message(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", "postgresql+psycopg://ana:pw@127.0.0.1:1/none")
    code, _, err = cli("db", "upgrade")
    assert code == 2
    assert "Cannot reach the database" in err
    assert "pw@" not in err


def test_usage_error_exits_2(cli: Cli) -> None:
    assert cli("token", "create", "--user")[0] == 2


def test_audit_list_shows_what_the_demo_did(cli: Cli) -> None:
    cli("demo")
    entries = json.loads(cli("audit", "list", "--limit", "10000", "--json")[1])
    assert {"create_organisation", "create_user"} <= {e["action"] for e in entries}
    assert {e["actor"] for e in entries} == {"cli"}
