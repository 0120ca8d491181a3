"""Role predicates (django-rules), each a question to the one scope policy (``accounts.scope``):
"may this kind of user do this kind of thing" and, with an object, "to this one"."""

from __future__ import annotations

import rules

from .scope import Scope


@rules.predicate
def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


@rules.predicate
def is_city_staff(user) -> bool:
    """DOIT staff and administrators: the whole city."""
    return Scope.of(user).is_city


@rules.predicate
def is_officer(user) -> bool:
    """An officer of a local economic office, with the unit they act for."""
    return Scope.of(user).is_unit


@rules.predicate
def is_enterprise_staff(user) -> bool:
    return Scope.of(user).is_enterprise


@rules.predicate
def in_scope(user, obj) -> bool:
    """The object (an enterprise, or anything with an ``enterprise``) is in the user's scope."""
    return Scope.of(user).covers(obj)


rules.add_perm("accounts.manage_users", is_city_staff | is_officer)
rules.add_perm("accounts.create_officer", is_city_staff)
