"""Questionnaires ("Fragebögen"): an editable draft plus immutable published versions."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet, no_control_characters, utcnow

KINDS = ("master_data", "consent", "anamnesis", "survey", "custom")
STATUSES = ("active", "archived")


class Questionnaire(TimestampedMixin, me.Document):
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    name = me.StringField(required=True, max_length=200, validation=no_control_characters)
    kind = me.StringField(required=True, choices=KINDS, default="custom")
    description = me.StringField(max_length=2000)
    #: the Form.io definition designers edit; linted on publish
    draft = me.DictField(default=lambda: {"display": "form", "components": []})
    status = me.StringField(choices=STATUSES, default="active")
    #: the designer's scoring model for dialog results (forms/scoring.py), validated and frozen on publish
    scoring = me.DictField()
    #: set when the draft contains code the browser renderer would run ("<path>: <kind>", kind as in
    #: forms.expressions: template/script/moment); saving a clean draft clears it
    unsafe_reason = me.StringField()
    #: number of the newest published version (0: never published); incremented atomically
    latest_version = me.IntField(default=0, min_value=0)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "questionnaires",
        "indexes": [{"fields": ["business_unit", "name"], "unique": True, "name": "unit_name"},
                    {"fields": ["business_unit", "kind", "status"], "name": "unit_kind"}],
        "ordering": ["name"],
    }

    def __str__(self) -> str:
        return self.name


class QuestionnaireVersion(me.Document):
    """A published, frozen definition. Never updated after insert."""

    questionnaire = me.ReferenceField("Questionnaire", required=True)
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    number = me.IntField(required=True, min_value=1)
    name = me.StringField(required=True, max_length=200, validation=no_control_characters)
    kind = me.StringField(required=True, choices=KINDS)
    schema = me.DictField(required=True)
    #: SHA-256 of the canonical JSON of ``schema``
    sha256 = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    renderer_version = me.StringField(required=True)
    published_at = me.DateTimeField(required=True, default=utcnow)
    published_by = me.StringField(max_length=300)
    #: the frozen scoring model of this version (empty: dialogs show no results)
    scoring = me.DictField()
    #: set (by core.services.questionnaires.flag_unsafe_definitions) when the schema contains code the
    #: browser renderer would run: "<path>: <kind>"; such a version is never rendered interactively.
    #: The only field ever updated after insert (metadata about the frozen schema, not part of it).
    unsafe_reason = me.StringField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "questionnaire_versions",
        "indexes": [{"fields": ["questionnaire", "number"], "unique": True, "name": "questionnaire_number"},
                    {"fields": ["business_unit", "kind"], "name": "unit_kind"}],
        "ordering": ["-number"],
    }

    def save(self, *args, **kwargs):
        if self.pk is not None and QuestionnaireVersion.objects(pk=self.pk).count():
            raise me.OperationError("A published questionnaire version is immutable.")
        return super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"
