"""Business-unit settings and the feature switches ("Settings > Add function")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.features import get_feature
from core.models import BusinessUnit
from core.models._base import N_
from core.services.audit import Actor, record


def set_feature(actor: Actor, unit: BusinessUnit, key: str, enabled: bool) -> BusinessUnit:
    """Switch a feature on or off, atomically, with an audit event."""
    feature = get_feature(key)
    if feature is None:
        raise InvalidInput(_l("Unknown feature."))
    if enabled and not feature.available:
        raise InvalidInput(_l("This feature is not available yet."))
    if enabled:
        BusinessUnit.objects(pk=unit.pk).update_one(add_to_set__features=key)
    else:
        BusinessUnit.objects(pk=unit.pk).update_one(pull__features=key)
    record(actor, "feature_on" if enabled else "feature_off", object_type="business_units", object_id=unit.pk,
           summary=N_("Function %(key)s switched on") if enabled else N_("Function %(key)s switched off"),
           summary_params={"key": key}, before={"feature": key, "enabled": not enabled},
           after={"feature": key, "enabled": enabled}, business_unit=unit)
    unit.reload()
    return unit
