import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person, sign_in

API = "/api/v1/reference"


def test_country_accepts_alpha2_alpha3_and_names_with_population(client: TestClient) -> None:
    namibia = client.get(f"{API}/countries/NA")
    assert namibia.status_code == 200
    body = namibia.json()
    assert (body["alpha3"], body["name"], body["who_region"], body["population"]) == ("NAM", "Namibia", "AFRO", 2494530)
    assert client.get(f"{API}/countries/CIV").json()["alpha2"] == "CI"
    assert client.get(f"{API}/countries/Viet Nam").json()["alpha2"] == "VN"


def test_unknown_country_is_422_naming_the_value(client: TestClient) -> None:
    response = client.get(f"{API}/countries/Atlantis")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["value"] == "Atlantis"


def test_country_listing_filters_and_downloads_as_csv(client: TestClient) -> None:
    searo = client.get(f"{API}/countries", params={"who_region": "SEARO", "limit": 5}).json()
    assert searo["count"] == 11
    assert len(searo["data"]) == 5
    assert client.get(f"{API}/countries", params={"q": "NA"}).json()["data"][0]["name"] == "Namibia"
    download = client.get(f"{API}/countries", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == 251
    assert next(r for r in rows if r["alpha2"] == "NA")["name"] == "Namibia"
    assert client.get(f"{API}/countries", params={"who_region": "Mars"}).status_code == 422


def test_convert_answers_amount_rate_date_and_source(client: TestClient) -> None:
    response = client.get(f"{API}/fx/convert", params={"amount": "1000", "currency": "EUR", "date": "2020-03-15"})
    assert response.status_code == 200
    body = response.json()
    assert (body["amount_usd"], body["rate_to_usd"], body["rate_date"]) == ("1110.40", "1.1104", "2020-03-13")
    assert body["source"].startswith("ECB")


def test_bad_currency_or_date_is_422_never_500(client: TestClient) -> None:
    for params in (
        {"amount": "1", "currency": "ZZZ", "date": "2020-03-16"},
        {"amount": "1", "currency": "EUR", "date": "2020-02-30"},
        {"amount": "ten", "currency": "EUR", "date": "2020-03-16"},
        {"amount": "1", "currency": "XOF", "date": "2020-03-16"},
    ):
        response = client.get(f"{API}/fx/convert", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "invalid"
    assert client.get(f"{API}/fx/rates", params={"currency": "EURO", "date": "2020-03-16"}).status_code == 422


def test_rates_endpoint_and_currency_listing(client: TestClient) -> None:
    rate = client.get(f"{API}/fx/rates", params={"currency": "jpy", "date": "2020-03-16"}).json()
    assert (rate["currency"], rate["date"]) == ("JPY", "2020-03-16")
    currencies = client.get(f"{API}/currencies", params={"limit": 1000}).json()["data"]
    by_code = {c["code"]: c for c in currencies}
    assert by_code["EUR"]["has_ecb_rates"]
    assert not by_code["XOF"]["has_ecb_rates"]


def test_items_units_and_404(client: TestClient) -> None:
    items = client.get(f"{API}/items", params={"category": "vaccines"}).json()["data"]
    assert [i["code"] for i in items] == ["VACC-COVID"]
    assert client.get(f"{API}/items/mask-n95").json()["category"] == "ppe"
    assert client.get(f"{API}/items/NOPE").status_code == 404
    assert "dose" in {u["code"] for u in client.get(f"{API}/units").json()["data"]}
    assert client.get(f"{API}/items", params={"format": "csv"}).text.startswith("code,name,category")


def test_creating_items_and_overriding_populations_needs_a_reference_coordinator(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    item = {"code": "GOWN-ISO2", "name": "Isolation gown level 2", "category": "ppe", "unit_code": "each"}
    editor = token_for(make_person(Role.EDITOR))
    assert client.post(f"{API}/items", json=item).status_code == 401  # anonymous: sign in or send a token
    assert client.post(f"{API}/items", json=item, headers=editor).status_code == 403
    coordinator = token_for(make_person(Role.COORDINATOR, modules=["reference"]))
    created = client.post(f"{API}/items", json=item, headers=coordinator)
    assert created.status_code == 201
    assert created.json()["code"] == "GOWN-ISO2"
    assert client.post(f"{API}/items", json=item, headers=coordinator).status_code == 409
    bad = client.post(f"{API}/items", json=item | {"code": "X 1"}, headers=coordinator)
    assert bad.status_code == 422

    override = {"population": 2600000, "year": 2021, "source": "Namibia Statistics Agency"}
    assert client.put(f"{API}/populations/NA", json=override, headers=editor).status_code == 403
    assert client.put(f"{API}/populations/NA", json=override, headers=coordinator).status_code == 200
    assert client.get(f"{API}/countries/NAM").json()["population"] == 2600000
    assert client.get(f"{API}/populations/Namibia").json()["year"] == 2021


def test_reference_pages_render(client: TestClient, admin: Person) -> None:
    sign_in(client, admin)
    assert 'href="/reference/countries"' in client.get("/reference").text
    countries = client.get("/reference/countries", params={"q": "NA"})
    assert countries.status_code == 200
    assert "Namibia" in countries.text
    assert "2,494,530" in countries.text
    converted = client.get("/reference/currencies", params={"amount": "1000", "currency": "EUR", "date": "2020-03-14"})
    assert converted.status_code == 200
    assert "1,110.40 USD" in converted.text
    assert "2020-03-13" in converted.text
    assert "ECB" in converted.text
    refused = client.get("/reference/currencies", params={"amount": "1", "currency": "XOF", "date": "2020-03-16"})
    assert refused.status_code == 422
    assert "No exchange rate for XOF" in refused.text
    items = client.get("/reference/items", params={"category": "ppe"})
    assert items.status_code == 200
    assert "MASK-N95" in items.text
    assert "VENT-ICU" not in items.text
