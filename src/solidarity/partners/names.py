"""Organisation names compared as people mean them: the keys duplicates are detected on.

A name and its variants in case, accents, apostrophes, dashes, spacing and punctuation share one
key, so the registry refuses "World-Health Organization " when "World Health Organization"
exists. Acronyms get a tighter key with no spaces, so "W.H.O." and "WHO" are one.
"""

from __future__ import annotations

import re
import unicodedata

# Dropped rather than spaced: "People's" is "Peoples", "U.N." is "UN".
_DROPPED = "'’‘ʼ`´′."
_NOT_WORD = re.compile(r"[\W_]+")


def name_key(text: str) -> str:
    """The key a name or alias is unique on: casefolded, accents off, punctuation as single spaces.

    >>> name_key("  World-Health   Organization ")
    'world health organization'
    >>> name_key("People’s Republic") == name_key("Peoples Republic") == name_key("PEOPLE'S REPUBLIC")
    True
    >>> name_key("Médecins Sans Frontières")
    'medecins sans frontieres'
    >>> name_key("Straße & Co.")
    'strasse and co'
    >>> name_key("U.N. Children's Fund") == name_key("UN Childrens Fund")
    True
    >>> name_key("中国民间组织国际交流促进会")
    '中国民间组织国际交流促进会'
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    for mark in _DROPPED:
        text = text.replace(mark, "")
    text = text.replace("&", " and ")
    return _NOT_WORD.sub(" ", text).strip()


def acronym_key(text: str) -> str:
    """The key an acronym is compared on: like ``name_key`` without any spaces.

    >>> acronym_key("W.H.O."), acronym_key("who"), acronym_key("Mo H")
    ('who', 'who', 'moh')
    """
    return name_key(text).replace(" ", "")


def clean_display(text: str) -> str:
    """A name as it is shown: the user's spelling with runs of whitespace collapsed.

    >>> clean_display("  World   Health\\tOrganization ")
    'World Health Organization'
    """
    return " ".join(text.split())
