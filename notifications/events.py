"""The sentence of each event, written in the reader's language when shown or e-mailed."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _messages() -> dict[str, str]:
    return {
        "savings_submitted": _("%(actor)s submitted the savings report %(object)s: it waits for your verification."),
        "savings_returned": _("Your savings report %(object)s was returned by %(actor)s: %(comment)s"),
        "savings_verified": _("Your savings report %(object)s was verified by %(actor)s."),
        "assessment_submitted": _("%(actor)s submitted the assessment %(object)s: it waits for approval."),
        "assessment_approved": _("The assessment %(object)s was approved by %(actor)s."),
        "assessment_returned": _("The assessment %(object)s was returned by %(actor)s: %(comment)s"),
        "report_ready": _("Your report %(object)s is ready to download."),
        "batch_ready": _("The year-end batch %(object)s has finished: %(done)s reports ready, %(failed)s failed."),
        "call_due_soon": _("Your savings report for %(period)s %(year)s is due on %(due)s: submit it on the portal."),
        "call_overdue": _(
            "Your savings report for %(period)s %(year)s was due on %(due)s and has not been received: submit it now."
        ),
        "call_missing": _(
            "%(missing)s of the %(expected)s savings reports for %(period)s %(year)s asked of %(commune)s are still "
            "missing (due on %(due)s)."
        ),
    }


def _periods() -> dict[str, str]:
    """The period of a data call, as its messages name it."""
    return {
        "Y": _("the full year"),
        "Q1": _("quarter 1"),
        "Q2": _("quarter 2"),
        "Q3": _("quarter 3"),
        "Q4": _("quarter 4"),
    }


def message_for(event: str, params: dict) -> str:
    template = _messages().get(event)
    if template is None:
        return event
    values = {"actor": "", "object": "", "comment": "", "done": 0, "failed": 0, **params}
    if "period" in params:
        values["period"] = _periods().get(str(params["period"]), str(params["period"]))
    values.setdefault("year", "")
    values.setdefault("due", "")
    values.setdefault("missing", 0)
    values.setdefault("expected", 0)
    values.setdefault("commune", "")
    return template % values
