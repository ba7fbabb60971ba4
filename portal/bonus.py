"""The customer's bonus card in the portal (balance, progress, rewards, vouchers, history) and their
personal referral code and link; the public page a referral link opens.

Shown where the portal is on and the unit has switched on the bonus programme or the referral bonus;
only to a viewer who sees the whole customer (not a project-bound account).
"""

from __future__ import annotations

import segno
from flask import abort, g, render_template, url_for

from core.extensions import limiter
from core.models import BusinessUnit
from core.services import bonus as bonus_service
from core.services import referrals
from core.services.portal import portal_unit
from portal import bp
from portal.auth import viewer_required


def shows_bonus(viewer) -> bool:
    """The portal menu's "Bonus card" entry: whole-customer viewers of a unit with either feature."""
    unit = viewer.unit
    return viewer.whole_customer and (unit.has_feature("bonus") or unit.has_feature("referral"))


@bp.app_template_global("portal_shows_bonus")
def _portal_shows_bonus(viewer) -> bool:
    return shows_bonus(viewer)


@bp.route("/bonus")
@viewer_required
def bonus():
    viewer = g.viewer
    if not shows_bonus(viewer):
        abort(404)
    unit: BusinessUnit = viewer.unit
    card = bonus_service.state(viewer.customer, history=20) if unit.has_feature("bonus") else None
    vouchers = [v for v in bonus_service.vouchers_of(viewer.customer) if v.status == "open"] if card else []
    link = None
    code = None
    if unit.has_feature("referral"):
        code = bonus_service.card_for(viewer.customer).referral_code
        link = url_for(".referral_landing", slug=unit.slug, code=code, _external=True)
    number = bonus_service.card_for(viewer.customer).number
    return render_template("portal/bonus.html", viewer=viewer, card=card, vouchers=vouchers,
                           labels=bonus_service.ENTRY_LABELS,
                           code=code, link=link, number=" ".join(number[i:i + 4] for i in range(0, 12, 4)),
                           qr=segno.make(number, error="m").svg_data_uri(scale=4) if card else None,
                           referred=referrals.referred_by(viewer.customer) if code else [])


@bp.route("/<slug>/empfehlung/<code>")
@limiter.limit("30 per minute")
def referral_landing(slug: str, code: str):
    """Opened by someone a customer sent their link to: the unit and the code to mention at the first visit."""
    unit = portal_unit(slug)
    if unit is None or not unit.has_feature("referral") or referrals.referrer_by_code(unit, code) is None:
        abort(404)
    return render_template("portal/referral.html", unit=unit, code=code.upper()[:20])
