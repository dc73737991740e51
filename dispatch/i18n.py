"""Which language a request is answered in: Chinese first, English second."""

from __future__ import annotations

from flask import current_app, request, session

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """An explicit choice (``?lang=``, then the session) wins; otherwise ``Accept-Language``; otherwise Chinese."""
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=current_app.config["BABEL_DEFAULT_LOCALE"])


def language() -> str:
    """The current request's language code, ``zh`` or ``en``."""
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"
