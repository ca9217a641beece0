"""A log-in answers in the same time whether or not the email has an account: the
password is always checked against an Argon2 hash (a dummy one for an unknown email).
Counted, not timed: the hasher must run once for every refused log-in."""

import pytest
from argon2 import PasswordHasher

import journal.auth.passwords as passwords

pytestmark = (
    pytest.mark.sqlite_only
)  # the password hasher is called, whatever the database: the same on both databases (tests/conftest.py)


class CountingHasher(PasswordHasher):
    def __init__(self, real: PasswordHasher):
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


@pytest.mark.parametrize("email", ["nobody@example.com", "ana@example.com"])
def test_every_refused_log_in_verifies_one_argon2_hash(client, user, hasher, email):
    response = client.post("/login", data={"email": email, "password": "not the right password"})
    assert response.status_code == 422
    assert hasher.verified == 1


def test_a_waiting_account_costs_one_verification_too(client, user, hasher, app):
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):
        client.post("/login", data={"email": user.email, "password": "not the right password"})
    assert hasher.verified == app.config["LOGIN_FREE_FAILURES"] + 1
