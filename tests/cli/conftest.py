from collections.abc import Callable
from pathlib import Path

import pytest

from solidarity.cli.main import main
from solidarity.config import Settings
from tests.conftest import TEST_SECRET


@pytest.fixture
def cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Callable[..., tuple[int, str, str]]:
    """Run `solidarity ARGS...` against the test database: returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("SOLIDARITY_ENVIRONMENT", "test")
    monkeypatch.setenv("SOLIDARITY_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SOLIDARITY_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            import io

            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), out, err

    return run
