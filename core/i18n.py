"""Languages: German by default, English available; staff choose theirs."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["DEFAULT_LANGUAGE"]
    forced = getattr(g, "force_language", None)
    if forced in languages:
        return forced
    user = current_user
    if user and getattr(user, "is_authenticated", False) and getattr(user, "language", None) in languages:
        return user.language
    if session.get("lang") in languages:
        return session["lang"]
    if request and request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["DEFAULT_LANGUAGE"]


def renderer_lang() -> str:
    """``"en"`` or ``"de"``: the current locale as the form engine and the questionnaire renderer take it
    (the request's language in a request, the default language outside one)."""
    from flask_babel import get_locale

    return "en" if str(get_locale() or "de") == "en" else "de"


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["TIMEZONE"]
    user = current_user
    if user and getattr(user, "is_authenticated", False) and getattr(user, "business_unit", None):
        return user.business_unit.timezone
    return current_app.config["TIMEZONE"]


#: the languages the product speaks, each named in itself (as language choosers do: "English" on a German page)
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
