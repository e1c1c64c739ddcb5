"""The people who use ORCA: staff, managers and admins. They sign in by email."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower

from orca.db import TimeStampedModel, choices_check

# Apps whose models managers administer in full; users they may only look up (for assignment).
MANAGED_APPS = {"persons", "extensions", "relationships", "interactions", "messaging", "pipelines", "agenda"}


class Role(models.TextChoices):
    STAFF = "staff", "Staff"  # front desk and sales: the staff web app only
    MANAGER = "manager", "Manager"  # also the Django admin, reassignment, blasts
    ADMIN = "admin", "Admin"  # every permission, including users


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(TimeStampedModel, AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "users"
        ordering = ["first_name", "last_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_email_ci_unique"),
            choices_check("role", Role),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access: managers and admins, never front-desk staff."""
        return self.is_active and self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_manager(self) -> bool:
        """Managers and admins: may reassign, delete and run blasts."""
        return self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        if not self.is_active:
            return False
        if self.role == Role.ADMIN:
            return True
        if self.role == Role.MANAGER:
            app_label = perm.split(".", 1)[0]
            return app_label in MANAGED_APPS or perm == "users.view_user"
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if not self.is_active:
            return False
        if self.role == Role.ADMIN:
            return True
        if self.role == Role.MANAGER:
            return app_label in MANAGED_APPS or app_label == "users"
        return super().has_module_perms(app_label)
