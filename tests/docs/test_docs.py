"""Documentation is tested: a setting or command without documentation fails the suite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from solidarity.cli.main import app
from solidarity.config import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[str]:
    # Typer vendors its own click, so groups are recognised by their sub-commands, not their class.
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield " ".join(path)
        return
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def test_every_setting_is_documented_in_settings_md() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [
        f"{ENV_PREFIX}{name.upper()}"
        for name in Settings.model_fields
        if not _mentions(text, f"`{ENV_PREFIX}{name.upper()}`")
    ]
    assert not missing, f"docs/settings.md does not document {missing}"


def test_settings_md_lists_no_setting_that_does_not_exist() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    table = text.split("## All settings", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(rf"^\| `{ENV_PREFIX}([A-Z0-9_]+)`", table, flags=re.MULTILINE)
    assert documented, "docs/settings.md has no settings table"
    stale = [name for name in documented if name.lower() not in Settings.model_fields]
    assert not stale, f"docs/settings.md documents settings that do not exist: {stale}"


def test_every_cli_command_is_documented_in_cli_md() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = list(_commands(typer.main.get_command(app), ("solidarity",)))
    assert "solidarity db upgrade" in commands
    missing = [command for command in commands if not _mentions(text, command)]
    assert not missing, f"docs/cli.md does not mention {missing}"


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_in_the_docs_lead_to_files_that_exist(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    broken = [
        target
        for target in targets
        if "://" not in target and not target.startswith("mailto:") and not (doc.parent / target).exists()
    ]
    assert not broken, f"{doc.relative_to(ROOT)} links to missing files: {broken}"
