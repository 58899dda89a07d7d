import csv
from importlib.resources import files

import pycountry
import pytest

from solidarity.errors import Invalid
from solidarity.reference.countries import (
    WHO_REGIONS,
    all_countries,
    countries_in_region,
    find_country,
    resolve_country,
)

WHO_STYLE_VARIANTS = {
    "Cote d'Ivoire": "CI",
    "Côte d’Ivoire": "CI",
    "Côte d'Ivoire": "CI",
    "Viet Nam": "VN",
    "Kosovo[1]": "XK",
    "Kosovo": "XK",
    "occupied Palestinian territory, including east Jerusalem": "PS",
    "West Bank and Gaza": "PS",
    "Bolivia (Plurinational State of)": "BO",
    "Iran (Islamic Republic of)": "IR",
    "Türkiye": "TR",
    "Republic of Korea": "KR",
    "Korea, South": "KR",
    "Democratic People's Republic of Korea": "KP",
    "Curaçao": "CW",
    "Réunion": "RE",
    "United States of America": "US",
    "US": "US",
    "Taiwan*": "TW",
    "Burma": "MM",
    "Congo (Kinshasa)": "CD",
    "Congo (Brazzaville)": "CG",
    "Holy See": "VA",
    "Eswatini": "SZ",
    "Cabo Verde": "CV",
    "Czechia": "CZ",
    "North Macedonia": "MK",
    "The United Kingdom": "GB",
    "Russian Federation": "RU",
    "Lao People's Democratic Republic": "LA",
    "Micronesia (Federated States of)": "FM",
    "Sint Maarten": "SX",
    "Saint Martin": "MF",
    "Bonaire, Sint Eustatius and Saba": "BQ",
    "Mainland China": "CN",
    "Diamond Princess": "XX",
    "MS Zaandam": "XX",
    "Other": "XX",
}

# ISO entries WHO reports under no region: uninhabited or without a WHO-reporting population.
WITHOUT_REGION = ["AQ", "BV", "EH", "GS", "HM", "IO", "TF", "UM", "XX"]


@pytest.mark.parametrize(("text", "alpha2"), WHO_STYLE_VARIANTS.items())
def test_real_world_name_variants_resolve(text: str, alpha2: str) -> None:
    assert resolve_country(text).alpha2 == alpha2


def test_namibia_code_is_never_a_missing_value() -> None:
    assert resolve_country("NA").name == "Namibia"
    assert resolve_country("NAM").alpha2 == "NA"
    assert resolve_country(" na ").alpha3 == "NAM"
    assert find_country("N/A") is None
    assert find_country("") is None


def test_alpha3_numeric_and_iso_names_resolve() -> None:
    assert resolve_country("CIV").alpha2 == "CI"
    assert resolve_country("704").alpha2 == "VN"
    assert resolve_country("Korea, Republic of").alpha2 == "KR"
    assert resolve_country("germany").alpha3 == "DEU"


def test_every_iso_code_and_name_resolves_to_itself() -> None:
    for iso in pycountry.countries:
        for text in (iso.alpha_2, iso.alpha_3, iso.name):
            assert resolve_country(text).alpha2 == iso.alpha_2, text


def test_every_alias_in_the_packaged_table_resolves() -> None:
    text = files("solidarity.reference").joinpath("data", "country_aliases.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        assert resolve_country(row["alias"]).alpha2 == row["alpha2"], row


def test_every_iso_country_has_a_who_region_except_the_documented_ones() -> None:
    countries = all_countries()
    assert len(countries) == len(pycountry.countries) + 2 == 251
    assert sorted(c.alpha2 for c in countries if c.who_region is None) == WITHOUT_REGION
    assert {c.who_region for c in countries} - {None} == set(WHO_REGIONS)


def test_non_iso_codes_epidemic_data_uses_are_present() -> None:
    kosovo = resolve_country("XK")
    assert (kosovo.alpha3, kosovo.who_region, kosovo.is_iso) == ("XKX", "EURO", False)
    assert resolve_country("XX").name == "Other"


def test_region_filter_accepts_both_who_spellings() -> None:
    assert countries_in_region("EUR") == countries_in_region("EURO")
    assert len(countries_in_region("SEARO")) == 11
    with pytest.raises(Invalid):
        countries_in_region("Atlantis")


def test_unknown_name_is_invalid_naming_the_value_and_suggesting_close_names() -> None:
    with pytest.raises(Invalid) as caught:
        resolve_country("Nambia", field="Country")
    assert "'Nambia'" in caught.value.message
    assert "Namibia" in caught.value.message
    assert caught.value.details[0]["field"] == "Country"
    assert caught.value.details[0]["value"] == "Nambia"
