"""core.web.read_json: limits checked before parsing, storable values only, translated 4xx answers."""

from __future__ import annotations

import json

import pytest

from core import web


def _read(app, body: str | bytes, content_type="application/json", **config):
    app.config.update(config)
    with app.test_request_context("/x", method="POST", data=body, content_type=content_type):
        return web.read_json()


def test_plain_json_is_read(app):
    assert _read(app, '{"data": {"a": [1, 2.5, "x", null, true]}}') == {"data": {"a": [1, 2.5, "x", None, True]}}
    assert _read(app, "not json", content_type="text/plain") is None  # not a JSON request


def test_nesting_is_limited_before_parsing(app):
    ok = "[" * 32 + "]" * 32
    assert _read(app, ok) is not None
    for deep in ("[" * 33 + "]" * 33, "[" * 100_000 + "]" * 100_000, '{"a": ' * 2000 + "1" + "}" * 2000):
        with pytest.raises(web.JSONRefused) as exc:
            _read(app, deep)
        assert exc.value.status == 400
    assert _read(app, json.dumps({"text": "[[[[" * 100})) == {"text": "[[[[" * 100}  # brackets in strings


@pytest.mark.parametrize("body", ['{"n": 9223372036854775808}', '{"n": -9223372036854775809}',
                                  '{"n": 123456789012345678901234567890}', '{"x": NaN}', '{"x": Infinity}',
                                  '{"x": -Infinity}', '{"x": 1e400}', "{not json", b'{"x": "\xff"}'])
def test_unstorable_or_malformed_values_are_refused(app, body):
    with pytest.raises(web.JSONRefused):
        _read(app, body)


def test_int64_bounds_are_accepted(app):
    assert _read(app, '{"n": 9223372036854775807, "m": -9223372036854775808}') == {"n": 2**63 - 1, "m": -(2**63)}


def test_size_is_limited(app):
    with pytest.raises(web.JSONTooLarge) as exc:
        _read(app, json.dumps({"a": "x" * 2000}), JSON_MAX_BYTES=1000)
    assert exc.value.status == 413


def test_refusals_are_translated_4xx(app, client):
    """On a form view a JSON body is refused before the view runs; the message is German by default."""
    from tests.conftest import csrf_token

    token = csrf_token(client, "/admin/login")
    r = client.post("/admin/login", data="[1]", content_type="application/json", headers={"X-CSRFToken": token})
    assert r.status_code == 415 and r.get_json() == {"error": "Diese Adresse nimmt Formulardaten an, kein JSON."}
    with app.test_request_context("/x", method="POST", data="[" * 50 + "]" * 50, content_type="application/json"):
        with pytest.raises(web.JSONRefused) as exc:
            web.read_json()
        assert exc.value.message == "Die Daten konnten nicht gelesen werden."
