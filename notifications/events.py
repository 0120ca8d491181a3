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
    }


def message_for(event: str, params: dict) -> str:
    template = _messages().get(event)
    if template is None:
        return event
    values = {"actor": "", "object": "", "comment": "", "done": 0, "failed": 0, **params}
    return template % values
