"""Role predicates (django-rules). Object scope itself lives in each model's ``visible_to``;
these answer "may this role do this kind of thing" and, with an object, "to this one"."""

from __future__ import annotations

import rules


@rules.predicate
def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


@rules.predicate
def is_doit(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == "doit")


@rules.predicate
def is_officer(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == "officer")


@rules.predicate
def is_enterprise_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == "enterprise")


is_city_staff = is_admin | is_doit


@rules.predicate
def in_own_district(user, obj) -> bool:
    """The object (an enterprise, or anything with ``district_id``) is in the officer's district."""
    return obj is not None and getattr(obj, "district_id", None) == user.district_id


@rules.predicate
def is_own_enterprise(user, obj) -> bool:
    return obj is not None and obj.pk == user.enterprise_id


rules.add_perm("accounts.manage_users", is_city_staff | is_officer)
rules.add_perm("accounts.create_officer", is_city_staff)
