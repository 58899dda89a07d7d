import json
from collections.abc import Callable

Cli = Callable[..., tuple[int, str, str]]


def test_add_then_a_duplicate_exits_2_naming_the_existing_id(cli: Cli) -> None:
    code, out, _ = cli(
        "partners", "add", "World Health Organization", "--type", "un_agency", "--acronym", "WHO", "--json"
    )
    assert code == 0
    who = json.loads(out)["id"]
    code, out, err = cli("partners", "add", "World-Health organization", "--type", "ngo")
    assert code == 2
    assert f"Error: Organisation 'World-Health organization' exists already (id {who})" in err
    assert f"existing_id={who}" in err
    assert json.loads(cli("partners", "list", "--json")[1])["count"] == 1


def test_an_alias_of_another_organisation_is_refused_from_the_cli(cli: Cli) -> None:
    cli("partners", "add", "World Food Programme", "--type", "un_agency", "--alias", "Programme alimentaire mondial")
    code, _, err = cli("partners", "add", "Food NGO", "--type", "ngo", "--alias", "programme alimentaire  mondial")
    assert code == 2
    assert "exists already (id 1)" in err
    assert "alias" in err
    code, _, err = cli("partners", "alias", "add", "1", "World Food Programme of the UN")
    assert code == 0
    code, out, _ = cli("partners", "show", "WFP of the UN", "--json")
    assert code == 2  # not an alias: nothing is guessed
    code, out, _ = cli("partners", "show", "world food programme of the un", "--json")
    assert json.loads(out)["aliases"] == ["Programme alimentaire mondial", "World Food Programme of the UN"]


def test_search_list_edit_and_show(cli: Cli) -> None:
    cli("partners", "add", "Government of Ethiopia", "--type", "government", "--country", "ETH")
    cli(
        "partners",
        "add",
        "Ethiopian Public Health Institute",
        "--type",
        "government_agency",
        "--country",
        "Ethiopia",
        "--parent",
        "Government of Ethiopia",
        "--acronym",
        "EPHI",
    )
    code, out, _ = cli("partners", "search", "ephi", "--json")
    hits = json.loads(out)
    assert code == 0
    assert hits[0]["organisation"]["country_code"] == "ET"
    assert hits[0]["rank"] == 0
    code, out, _ = cli("partners", "list", "--country", "ET", "--type", "government", "--json")
    assert [o["name"] for o in json.loads(out)["data"]] == ["Government of Ethiopia"]
    code, out, _ = cli("partners", "edit", "EPHI", "--website", "https://ephi.gov.et", "--json")
    assert code == 0
    assert json.loads(out)["website"] == "https://ephi.gov.et"
    code, out, _ = cli("partners", "show", "Government of Ethiopia", "--json")
    assert [c["name"] for c in json.loads(out)["children"]] == ["Ethiopian Public Health Institute"]
    code, out, _ = cli("partners", "show", "Government of Ethiopia")
    assert code == 0
    assert "Ethiopian Public Health Institute" in out
    code, _, err = cli("partners", "add", "Somewhere Aid", "--type", "ngo", "--country", "Atlantis")
    assert code == 2
    assert "Unknown country 'Atlantis'" in err


def test_members_and_joint_actions_from_the_cli(cli: Cli) -> None:
    cli("partners", "add", "China NGO Network for International Exchanges", "--type", "network", "--acronym", "CNIE")
    cli("partners", "add", "China Foundation for Peace and Development", "--type", "ngo", "--acronym", "CFPD")
    code, out, _ = cli(
        "partners", "member", "add", "CNIE", "CFPD", "--role", "member", "--joined", "2005-10-01", "--json"
    )
    assert code == 0
    assert json.loads(out)["joined_on"] == "2005-10-01"
    code, _, err = cli("partners", "member", "add", "CNIE", "CFPD")
    assert code == 2
    assert "already" in err
    args = ["--title", "COVID-19 supplies to partner countries", "--participant", "CFPD", "--status", "completed"]
    args += ["--country", "PK", "--country", "Ethiopia", "--start", "2020-03-01", "--json"]
    code, out, _ = cli("partners", "joint-action", "add", "CNIE", *args)
    assert code == 0, out
    assert json.loads(out)["countries"] == ["ET", "PK"]
    code, out, _ = cli("partners", "joint-actions", "--network", "CNIE", "--json")
    listed = json.loads(out)
    assert listed["count"] == 1
    assert listed["data"][0]["participants"][0]["name"] == "China Foundation for Peace and Development"
    code, out, _ = cli("partners", "joint-actions")
    assert code == 0
    assert "COVID" in out
    code, _, err = cli("partners", "joint-action", "add", "CFPD", "--title", "Solo")
    assert code == 2
    assert "not a network" in err
