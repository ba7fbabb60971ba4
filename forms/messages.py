"""Validation messages worded as Form.io's own translations (@formio/core ``EN_ERRORS``) plus German."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["LINT", "MESSAGES", "interpolate", "lint_message", "message"]

EN: dict[str, str] = {
    "invalidOption": "{{field}} is an invalid value.",
    "invalidDay": "{{field}} is not a valid day.",
    "required": "{{field}} is required",
    "array": "{{field}} must be an array",
    "array_nonempty": "{{field}} must be a non-empty array",
    "nonarray": "{{field}} must not be an array",
    "select": "{{field}} contains an invalid selection",
    "pattern": "{{field}} does not match the pattern {{pattern}}",
    "minLength": "{{field}} must have at least {{length}} characters.",
    "maxLength": "{{field}} must have no more than {{length}} characters.",
    "minWords": "{{field}} must have at least {{length}} words.",
    "maxWords": "{{field}} must have no more than {{length}} words.",
    "min": "{{field}} cannot be less than {{min}}.",
    "max": "{{field}} cannot be greater than {{max}}.",
    "minSelectedCount": "You must select at least {{minCount}} items",
    "maxSelectedCount": "You may only select up to {{maxCount}} items",
    "invalid_email": "{{field}} must be a valid email.",
    "invalid_regex": "{{field}} does not match the pattern {{regex}}.",
    "invalid_date": "{{field}} is not a valid date.",
    "invalid_day": "{{field}} is not a valid day.",
    "mask": "{{field}} does not match the mask.",
    "invalidDate": "{{field}} is not a valid date",
    "number": "{{field}} is not a valid number.",
    "requiredDayField": "{{field}} is required",
    "requiredMonthField": "{{field}} is required",
    "requiredYearField": "{{field}} is required",
    "requiredDayEmpty": "{{field}} is required",
    # Not in EN_ERRORS (Form.io falls back to the key); worded in the same style:
    "jsonLogic": "{{field}} is not valid.",
    "minRows": "{{field}} must have at least {{length}} rows.",
    "maxRows": "{{field}} must have no more than {{length}} rows.",
    "invalidType": "{{field}} has an invalid value.",
    "invalidFile": "{{field}} contains an invalid file.",
    "invalidSignature": "{{field}} is not a valid signature.",
    "custom": "{{field}} is not valid.",
    "minDate": "{{field}} should not contain date before {{minDate}}",
    "maxDate": "{{field}} should not contain date after {{maxDate}}",
    "minYear": "{{field}} should not contain year less than {{minYear}}",
    "maxYear": "{{field}} should not contain year greater than {{maxYear}}",
    "scriptLimit": "{{field}} could not be checked: the form's own check took too long or needed too much"
                   " memory. Please tell us; we will correct the form.",
    "invalid_url": "{{field}} must be a valid url.",
    "time": "{{field}} is not a valid time.",
    "maxTags": "{{field}} must have no more than {{length}} tags.",
    "rowInvalid": "Row {{row}} of {{field}} is not valid.",
}

DE: dict[str, str] = {
    "invalidOption": "{{field}} ist ein ungültiger Wert.",
    "invalidDay": "{{field}} ist kein gültiger Tag.",
    "required": "{{field}} ist ein Pflichtfeld",
    "array": "{{field}} muss eine Liste sein",
    "array_nonempty": "{{field}} muss eine nicht leere Liste sein",
    "nonarray": "{{field}} darf keine Liste sein",
    "select": "{{field}} enthält eine ungültige Auswahl",
    "pattern": "{{field}} entspricht nicht dem Muster {{pattern}}",
    "minLength": "{{field}} muss mindestens {{length}} Zeichen haben.",
    "maxLength": "{{field}} darf nicht mehr als {{length}} Zeichen haben.",
    "minWords": "{{field}} muss mindestens {{length}} Wörter haben.",
    "maxWords": "{{field}} darf nicht mehr als {{length}} Wörter haben.",
    "min": "{{field}} darf nicht kleiner als {{min}} sein.",
    "max": "{{field}} darf nicht größer als {{max}} sein.",
    "minSelectedCount": "Sie müssen mindestens {{minCount}} Einträge auswählen",
    "maxSelectedCount": "Sie dürfen höchstens {{maxCount}} Einträge auswählen",
    "invalid_email": "{{field}} muss eine gültige E-Mail-Adresse sein.",
    "invalid_regex": "{{field}} entspricht nicht dem Muster {{regex}}.",
    "invalid_date": "{{field}} ist kein gültiges Datum.",
    "invalid_day": "{{field}} ist kein gültiger Tag.",
    "mask": "{{field}} entspricht nicht der Eingabemaske.",
    "invalidDate": "{{field}} ist kein gültiges Datum",
    "number": "{{field}} ist keine gültige Zahl.",
    "requiredDayField": "{{field}} ist ein Pflichtfeld",
    "requiredMonthField": "{{field}} ist ein Pflichtfeld",
    "requiredYearField": "{{field}} ist ein Pflichtfeld",
    "requiredDayEmpty": "{{field}} ist ein Pflichtfeld",
    "jsonLogic": "{{field}} ist ungültig.",
    "minRows": "{{field}} muss mindestens {{length}} Zeilen haben.",
    "maxRows": "{{field}} darf nicht mehr als {{length}} Zeilen haben.",
    "invalidType": "{{field}} hat einen ungültigen Wert.",
    "invalidFile": "{{field}} enthält eine ungültige Datei.",
    "invalidSignature": "{{field}} ist keine gültige Unterschrift.",
    "custom": "{{field}} ist ungültig.",
    "minDate": "{{field}} darf kein Datum vor dem {{minDate}} enthalten",
    "maxDate": "{{field}} darf kein Datum nach dem {{maxDate}} enthalten",
    "minYear": "{{field}} darf kein Jahr vor {{minYear}} enthalten",
    "maxYear": "{{field}} darf kein Jahr nach {{maxYear}} enthalten",
    "scriptLimit": "{{field}} konnte nicht geprüft werden: die Prüfung im Formular hat zu lange gedauert oder"
                   " zu viel Speicher gebraucht. Bitte sagen Sie uns Bescheid; wir korrigieren das Formular.",
    "invalid_url": "{{field}} muss eine gültige URL sein.",
    "time": "{{field}} ist keine gültige Uhrzeit.",
    "maxTags": "{{field}} darf nicht mehr als {{length}} Schlagwörter haben.",
    "rowInvalid": "Zeile {{row}} von {{field}} ist ungültig.",
}

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "de": DE}

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def interpolate(template: str, params: dict[str, Any]) -> str:
    """Replace ``{{ name }}`` placeholders (unknown names become empty, as Form.io's interpolate does)."""

    def repl(m: re.Match[str]) -> str:
        v = params.get(m.group(1))
        return "" if v is None else str(v)

    return _PLACEHOLDER.sub(repl, template)


def message(key: str, lang: str, params: dict[str, Any]) -> str:
    """The message for ``key`` (a translation key or a literal message) in ``lang`` ("de" or "en")."""
    table = MESSAGES.get(lang, DE)
    return interpolate(table.get(key, key), params)


#: lint reasons shown to designers (forms/expressions.py decides where they apply)
LINT: dict[str, dict[str, str]] = {
    "en": {
        "template": "template code (“{{ … }}”, “{% … %}”) is not allowed here: the form renderer would run it"
                    " as code in the browser of everyone who opens the questionnaire.",
        "script": "JavaScript is not allowed here: the form renderer would run it in the browser of everyone"
                  " who opens the questionnaire. JavaScript belongs only in custom validation, calculated values,"
                  " custom conditions, custom default values and logic, which the server checks in a sandbox.",
        "moment": "this date computed with moment(…) is JavaScript and not allowed: enter a fixed date, or a"
                  " date relative to today such as moment().add(10, 'days'), moment().subtract(1, 'year') or"
                  " moment().startOf('month') (only add, subtract, startOf and endOf).",
        "javascript": "JavaScript (run on the server in a sandbox, in the browser only in the isolated renderer).",
        "jsSyntax": "this JavaScript does not compile; correct it (the form's code runs on the server and in"
                    " the isolated renderer only when it compiles).",
        "dataSrc": "these options would be fetched from another server or computed by a script, which"
                   " questionnaires never do: enter the options as a fixed list (values or JSON).",
        "lodashOperator": "this lodash operator is not supported: the server evaluates only pure lodash functions"
                          " of texts, numbers and lists (such as _camelCase, _trim, _sum, _includes, _get).",
    },
    "de": {
        "template": "Vorlagen-Code („{{ … }}“, „{% … %}“) ist hier nicht erlaubt: der Formular-Renderer würde"
                    " ihn im Browser aller ausführen, die den Fragebogen öffnen.",
        "script": "JavaScript ist hier nicht erlaubt: der Formular-Renderer würde es im Browser aller"
                  " ausführen, die den Fragebogen öffnen. JavaScript gehört nur in eigene Prüfungen, berechnete"
                  " Werte, eigene Bedingungen, eigene Vorgabewerte und Logik, die der Server abgeschottet prüft.",
        "moment": "Dieses mit moment(…) berechnete Datum ist JavaScript und nicht erlaubt: bitte ein festes"
                  " Datum eintragen oder ein Datum relativ zu heute wie moment().add(10, 'days'),"
                  " moment().subtract(1, 'year') oder moment().startOf('month') (nur add, subtract, startOf"
                  " und endOf).",
        "javascript": "JavaScript (läuft auf dem Server in einer abgeschotteten Umgebung, im Browser nur im"
                      " isolierten Renderer).",
        "jsSyntax": "dieses JavaScript lässt sich nicht übersetzen; bitte korrigieren (der Code des Formulars"
                    " läuft auf dem Server und im isolierten Renderer nur, wenn er sich übersetzen lässt).",
        "dataSrc": "Diese Optionen würden von einem anderen Server geladen oder per Skript berechnet, was"
                   " Fragebögen nie tun: bitte die Optionen als feste Liste (Werte oder JSON) eintragen.",
        "lodashOperator": "dieser lodash-Operator wird nicht unterstützt: der Server wertet nur reine"
                          " lodash-Funktionen für Texte, Zahlen und Listen aus (etwa _camelCase, _trim, _sum,"
                          " _includes, _get).",
    },
}


def lint_message(code: str, lang: str) -> str:
    """A lint reason (:data:`LINT`) in ``lang`` ("de" or "en"; German for anything else)."""
    return LINT.get(lang, LINT["de"]).get(code) or LINT["en"][code]
