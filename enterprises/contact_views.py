"""CP contacts of an enterprise and their handover (issue 16)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.scope import Scope

from . import services
from .forms import ContactForm, HandoverForm
from .models import Contact, Handover
from .selectors import get_enterprise_for


def _form_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, pk: int):
    enterprise = get_enterprise_for(request.user, pk)
    if not request.user.has_perm("enterprises.manage_contacts", enterprise):
        raise PermissionDenied
    form = ContactForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_add(
                by=request.user,
                enterprise=enterprise,
                role=data["role"],
                full_name=data["full_name"],
                held_from=data["held_from"],
                phone=data.get("phone") or "",
                email=data.get("email") or "",
                user=data.get("user"),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect(f"{enterprise.get_absolute_url()}#contacts")
    return render(request, "enterprises/contact_form.html", {"enterprise": enterprise, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def contact_handover(request, pk: int, contact_pk: int):
    enterprise = get_enterprise_for(request.user, pk)
    contact = get_object_or_404(Contact.objects.filter(enterprise=enterprise).select_related("user"), pk=contact_pk)
    if not request.user.has_perm("enterprises.manage_contacts", enterprise):
        raise PermissionDenied
    form = HandoverForm(
        request.POST or None, contact=contact, can_create_account=request.user.has_perm("accounts.manage_users")
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handover = services.contact_handover(
                by=request.user,
                contact=contact,
                on=data["on"],
                full_name=data["full_name"],
                phone=data.get("phone") or "",
                email=data.get("email") or "",
                successor_account=data.get("successor_account"),
                new_username=data.get("username") or "",
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if handover.closed_account:
                messages.success(
                    request,
                    _("Handover recorded. The account of %(name)s is closed.")
                    % {"name": handover.closed_account.get_full_name() or handover.closed_account.username},
                )
            else:
                messages.success(request, _("Handover recorded."))
            if data.get("username") and handover.successor_account:
                messages.success(
                    request,
                    _("Account %(name)s created; a set-password link was e-mailed to %(email)s.")
                    % {"name": handover.successor_account.username, "email": handover.successor_account.email},
                )
            return redirect(f"{enterprise.get_absolute_url()}#contacts")
    return render(
        request, "enterprises/handover_form.html", {"enterprise": enterprise, "contact": contact, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def handover_summary(request, pk: int):
    """What a successor finds when they first sign in: the enterprise's assessments, options,
    verified savings and open tasks. Reading it (POST) lets their account open on the home page."""
    from assessments.calls import enterprise_tasks
    from assessments.selectors import enterprise_cp_summary

    handover = get_object_or_404(
        Scope.of(request.user).enterprises(
            Handover.objects.select_related("enterprise", "departed", "successor"), "enterprise"
        ),
        pk=pk,
    )
    if request.method == "POST":
        services.handover_summary_read(handover=handover, by=request.user)
        return redirect("dashboard")
    enterprise = handover.enterprise
    return render(
        request,
        "enterprises/handover_summary.html",
        {
            "handover": handover,
            "enterprise": enterprise,
            "cp": enterprise_cp_summary(enterprise, request.user),
            "tasks": [t for t in enterprise_tasks(enterprise) if t.is_open],
            "contacts": Contact.objects.filter(enterprise=enterprise).current(),
            "is_successor": handover.successor_account_id == request.user.pk and handover.seen_at is None,
        },
    )
