"""`solidarity hubs`: the commands of the issue, their JSON and their exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.hubs.conftest import Depot, Flows

Cli = Callable[..., tuple[int, str, str]]


def test_add_receive_dispatch_stock_and_deliver(cli: Cli, depot: Depot, assistance_flows: Flows) -> None:
    code, out, _ = cli(
        "hubs", "add", "UNHRD Dubai", "--country", "AE", "--city", "Dubai", "--operator", "WFP", "--json"
    )
    assert code == 0
    assert json.loads(out)["country_code"] == "AE"
    code, out, err = cli(
        "hubs",
        "receive",
        "--hub",
        "Guangzhou",
        "--item",
        "ventilators",
        "--quantity",
        "12",
        "--lot",
        "V-01",
        "--expiry",
        "2099-06-30",
        "--owner",
        "UNICEF",
        "--flow",
        str(assistance_flows.in_kind),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["assistance_flow_id"] == assistance_flows.in_kind
    assert cli("hubs", "receive", "--hub", "Guangzhou", "--item", "VENT-ICU", "--quantity", "3")[0] == 0
    code, out, err = cli(
        "hubs", "dispatch", "--hub", "Guangzhou", "--to", "IT", "--item", "VENT-ICU", "--quantity", "14", "--json"
    )
    assert code == 0, err
    shipment = json.loads(out)
    assert [(x["lot"], x["quantity"]) for x in shipment["lines"]] == [("V-01", 12), ("NO-LOT", 2)]
    code, out, _ = cli("hubs", "stock", "--hub", "Guangzhou", "--json")
    assert json.loads(out) == [
        {
            "hub": "Guangzhou",
            "item": "VENT-ICU",
            "lot": "NO-LOT",
            "expiry": None,
            "owner": "World Food Programme",
            "quantity": 1,
        }
    ]
    code, _, err = cli("hubs", "deliver", str(shipment["id"]), "--accepted", "10", "--rejected", "3")
    assert code == 2
    assert "shipped 14" in err
    code, out, err = cli(
        "hubs",
        "deliver",
        str(shipment["id"]),
        "--accepted",
        "12",
        "--rejected",
        "2",
        "--reason",
        "cracked screens",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["state"] == "delivered"
    assert json.loads(cli("hubs", "stock", "--json")[1])[0]["quantity"] == 3


def test_dispatch_above_stock_exits_2_with_the_shortfall(cli: Cli, depot: Depot) -> None:
    cli("hubs", "receive", "--hub", str(depot.hub_id), "--item", "GOGGLES", "--quantity", "5")
    code, _, err = cli("hubs", "dispatch", "--hub", "guangzhou", "--to", "RS", "--item", "goggles", "--quantity", "9")
    assert code == 2
    assert "short by 4" in err
    assert json.loads(cli("hubs", "stock", "--json")[1])[0]["quantity"] == 5


def test_bad_input_exits_2_with_a_specific_message(cli: Cli, depot: Depot) -> None:
    base = ["hubs", "receive", "--hub", "Guangzhou", "--item"]
    cases = [
        ([*base, "unobtainium", "--quantity", "1"], "No catalogue item"),
        ([*base, "respirator", "--quantity", "1"], "ambiguous"),
        (["hubs", "receive", "--hub", "Atlantis", "--item", "VENT-ICU", "--quantity", "1"], "No hub"),
        ([*base, "VENT-ICU", "--quantity", "0"], "above zero"),
        ([*base, "VENT-ICU", "--quantity", "-2"], "above zero"),
        ([*base, "VENT-ICU", "--quantity", "1.5"], "valid integer"),
        ([*base, "VENT-ICU", "--quantity", "1", "--lot", "X", "--expiry", "2001-01-01"], "expired"),
        (
            [
                "hubs",
                "dispatch",
                "--hub",
                "Guangzhou",
                "--to",
                "IT",
                "--item",
                "VENT-ICU",
                "--quantity",
                "1",
                "--lot",
                "NOPE",
            ],
            "No lot",
        ),
        (["hubs", "deliver", "999", "--accepted", "1", "--rejected", "0"], "Shipment 999 does not exist"),
    ]
    for args, message in cases:
        code, _, err = cli(*args)
        assert code == 2, args
        assert message in err, (args, err)
    assert json.loads(cli("hubs", "stock", "--json")[1]) == []


def test_requests_from_the_cli(cli: Cli, depot: Depot) -> None:
    code, out, err = cli(
        "hubs", "request", "create", "--organisation", "UNICEF", "--country", "ET", "--line", "VENT-ICU=10", "--json"
    )
    assert code == 0, err
    request = json.loads(out)
    assert request["state"] == "draft"
    code, _, err = cli("hubs", "request", "move", str(request["id"]), "approved")
    assert code == 2
    assert "cannot become approved" in err
    cli("hubs", "request", "move", str(request["id"]), "submitted")
    line = request["lines"][0]["id"]
    code, out, _ = cli("hubs", "request", "move", str(request["id"]), "approved", "--approve", f"{line}=4", "--json")
    assert json.loads(out)["lines"][0]["approved_quantity"] == 4
