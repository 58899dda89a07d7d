from fastapi.testclient import TestClient

from tests.conftest import Person, sign_in


def test_admin_signs_in_and_reads_the_audit_page(client: TestClient, admin: Person) -> None:
    sign_in(client, admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "create_user" in page.text
