import pytest

from core.passwords import (
    HASHER,
    PRODUCTION_PARAMS,
    hash_password,
    hasher,
    needs_rehash,
    password_problems,
    verify_password,
)


@pytest.fixture(autouse=True)
def _ctx(app):
    with app.test_request_context():
        yield


def test_argon2id_with_owasp_parameters(app):
    app.config["PASSWORD_HASH_PARAMS"] = None  # what every deployment runs with (the test app's is cheap)
    assert hasher() is HASHER
    assert PRODUCTION_PARAMS == {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1, "hash_len": 32,
                                 "salt_len": 16}
    h = hash_password("korrekt-Pferd-Batterie-42")
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(h, "korrekt-Pferd-Batterie-42")
    assert not verify_password(h, "korrekt-Pferd-Batterie-43")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
    assert not needs_rehash(h)


def test_the_test_app_hashes_at_minimal_cost_and_rehashes_to_the_configured_parameters(app):
    h = hash_password("korrekt-Pferd-Batterie-42")
    assert h.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_password(h, "korrekt-Pferd-Batterie-42")
    assert not verify_password(h, "korrekt-Pferd-Batterie-43")
    assert not verify_password(None, "anything")
    assert needs_rehash(HASHER.hash("korrekt-Pferd-Batterie-42"))  # a production hash is not what the app makes
    app.config["PASSWORD_HASH_PARAMS"] = None
    assert needs_rehash(h)


@pytest.mark.parametrize("password", ["kurz", "elf-Zeichen", "password1234", "PASSWORD1234", "aaaaaaaaaaaaaaaa",
                                      "qwertyuiopas", "123456789012"])
def test_weak_passwords_are_refused(password):
    assert password_problems(password)


def test_long_passphrases_are_accepted():
    assert password_problems("Äpfel, Öl und Übermut: großartige Grüße aus Köln an die Straße!!") == []
    assert len("Äpfel, Öl und Übermut: großartige Grüße aus Köln an die Straße!!") == 64  # characters, not bytes
    # long is not enough: 64 characters of only two kinds are refused as too common
    too_common = "Dieses Passwort ist zu gebräuchlich. Bitte wählen Sie ein anderes."
    assert password_problems("Ä" * 3 + "x" * 61) == [too_common]
    assert password_problems("die Sonne scheint über dem Schloßpark und zwei Kähne schaukeln sanft") == []
    assert password_problems("a9" + "Z" * 62 + "bq") == []
    assert len("a9" + "Z" * 62) == 64


def test_password_must_not_be_the_email():
    assert password_problems("olivia.sommer-2026", email="olivia.sommer@example.com")


def test_too_long():
    assert password_problems("x1y2" * 40)
