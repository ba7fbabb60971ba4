"""The four German sample questionnaires (JSON next to this file), created and published once; the
Anamnesebogen and the Zufriedenheitsumfrage bring a scoring model (``scoring``) so their dialogs have
results. A sample created by an older release gets the model on its draft (published with its next version)."""

from __future__ import annotations

import json
from pathlib import Path

from core.models import Questionnaire
from core.services import questionnaires, scoring
from core.services.audit import Actor

FOLDER = Path(__file__).parent / "questionnaires"


def load_samples(unit) -> int:
    """Create and publish the samples missing in ``unit``; returns how many were created."""
    actor = Actor.system("seed")
    created = 0
    for path in sorted(FOLDER.glob("*.json")):
        sample = json.loads(path.read_text(encoding="utf-8"))
        q = Questionnaire.objects(business_unit=unit, name=sample["name"]).first()
        if q is None:
            q = questionnaires.create(actor, unit, name=sample["name"], kind=sample["kind"],
                                      definition=sample["schema"], description=sample.get("description", ""))
            created += 1
        if sample.get("scoring") and not q.scoring:  # a sample's scoring model (dialog results)
            scoring.save(actor, q, json.dumps(sample["scoring"]))
        if q.latest_version == 0:
            questionnaires.publish(actor, q)
    return created
