"""Pages issue a fixed number of SQL statements whatever the data size."""

import pytest

from journal.testing import count_queries, login_as, make_couple, make_user


def crowd(n):
    for _ in range(n):
        make_couple(make_user(), make_user())


@pytest.mark.parametrize("path", ["/today", "/couple", "/account"])
def test_page_statement_count_does_not_grow(app, couple, path):
    ana = couple[0]
    client = app.test_client()
    login_as(client, ana)
    client.get(path)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    crowd(25)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert few.count == many.count
    assert many.count <= 5, many.statements
