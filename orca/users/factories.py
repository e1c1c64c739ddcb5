"""Users of each role, for tests and the demo data (seed_demo)."""

from __future__ import annotations

from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from .models import Role, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@lru_cache(maxsize=8)
def hashed_password(raw: str) -> str:
    """Hash each distinct password once per process.

    A real hash costs a large fraction of a second by design; tests and the demo data create many
    users with the same password, so they share one salted hash instead of paying that each time.
    """
    return make_password(raw)


class UserFactory(DjangoModelFactory):
    """A staff user by default; `UserFactory(manager=True)` or `UserFactory(admin=True)` for the others."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        manager = factory.Trait(role=Role.MANAGER)
        admin = factory.Trait(role=Role.ADMIN)

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttributeSequence(
        lambda o, n: f"{o.first_name}.{o.last_name}.{n}@orca.test".lower().replace(" ", "")
    )
    phone = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    role = Role.STAFF
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class, *args, password: str = DEFAULT_PASSWORD, **kwargs) -> User:
        # User.save() lowercases the email and keeps is_superuser in step with the role.
        user = model_class(**kwargs)
        user.password = hashed_password(password)
        user.save()
        return user
