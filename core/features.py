"""The feature catalogue ("Settings > Add function"): what a business unit can switch on.

A switched-off feature hides its menus and refuses its routes (see ``admin.views.base.SecureModelView.feature``
and the feature checks in the kiosk and portal services).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Feature:
    key: str
    name: object  # lazy string
    description: object
    #: False where the catalogue lists a feature whose screens are not built yet
    available: bool = True


CATALOGUE: tuple[Feature, ...] = (
    Feature("kiosk", _l("Customer questionnaire on a tablet"),
            _l("Pair tablets and let customers fill questionnaires in the shop (Kundenabfrage).")),
    Feature("portal", _l("Customer portal"),
            _l("Customers log in to see their data, documents, messages and bookings (Kundenportal).")),
    Feature("dialogs", _l("Dialogs"),
            _l("Invite customers to questionnaires by e-mail; results, dashboards and reports.")),
    Feature("reminders", _l("Appointment reminders"),
            _l("Send customers a reminder before their appointment (e-mail, or the outbox).")),
    Feature("documents", _l("Documents"),
            _l("Documents in the customer file: upload, categories, share in the portal, versions, and requests "
               "the customer answers in the portal.")),
    Feature("bonus", _l("Revenue bonus cards"),
            _l("Record what customers pay and reward them with points, rewards and vouchers (Umsatzbonus).")),
    Feature("referral", _l("Referral bonus"),
            _l("Reward customers who recommend you when the new customer's first paid visit is recorded "
               "(Empfehlungsbonus).")),
    Feature("call_link", _l("Call link"),
            _l("Call your customers straight from the computer: every phone number becomes a link (tel:, SIP or "
               "your cloud telephone system), and calls are noted in the customer file (Anruflink).")),
)

FEATURE_KEYS: tuple[str, ...] = tuple(f.key for f in CATALOGUE)


def get_feature(key: str) -> Feature | None:
    return next((f for f in CATALOGUE if f.key == key), None)
