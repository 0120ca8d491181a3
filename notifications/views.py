from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import NotificationSettingsForm
from .models import Notification, email_mode

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": notifications.unread().count(), "mode": email_mode(request.user)},
    )


@login_required
@require_GET
def notification_count(request):
    """The unread count for the navigation bar, fetched after the page loads (htmx)."""
    count = Notification.objects.visible_to(request.user).unread().count()
    return render(request, "notifications/_count.html", {"count": count})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification (from the list or its e-mail): marked read, then on to the page it
    names, where that page's own scope check applies. Another user's notification is 404."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    url = services.notification_open(notification=notification)
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        url = "/"
    return redirect(url)


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    form = NotificationSettingsForm(request.POST or None, initial={"email": email_mode(request.user)})
    if request.method == "POST" and form.is_valid():
        services.notification_settings_set(user=request.user, email=form.cleaned_data["email"])
        messages.success(request, _("Your choice is saved."))
        return redirect("notifications:list")
    return render(request, "notifications/settings.html", {"form": form})
