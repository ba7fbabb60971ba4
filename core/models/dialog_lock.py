"""A named lease for periodic jobs on the embedded store / MongoDB (Redis has its own lock)."""

from __future__ import annotations

import mongoengine as me


class TaskLock(me.Document):
    name = me.StringField(required=True, primary_key=True, max_length=100)
    holder = me.StringField(max_length=100)
    until = me.DateTimeField(required=True)

    meta = {"collection": "task_locks"}
