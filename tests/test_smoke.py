import pytest

pytestmark = pytest.mark.sqlite_only  # the app starts and answers: the same on both databases (tests/conftest.py)


def test_today_greets_logged_in_user(auth_client):
    response = auth_client.get("/today")
    assert response.status_code == 200
    assert "Hello, Ana" in response.get_data(as_text=True)
