"""Relationship: a tie between two persons. For a referral, person_a referred person_b."""

import uuid

from django.db import models
from django.db.models.functions import Now

from orca.db import TimeStampedModel, choices_check, percent_check
from persons.choices import Strength
from persons.models import Person


class RelationshipType(models.TextChoices):
    REFERRAL = "referral", "Referral"  # person_a referred person_b
    FAMILY = "family", "Family"
    PARTNER = "partner", "Partner / spouse"
    FRIEND = "friend", "Friend"
    COLLEAGUE = "colleague", "Colleague"
    GUARDIAN = "guardian", "Guardian"  # person_a is the guardian of person_b (junior members)
    CORPORATE = "corporate", "Corporate sponsor"  # person_a's employer plan covers person_b
    TRAINING_PARTNER = "training_partner", "Training partner"


class Direction(models.TextChoices):
    A_TO_B = "a_to_b", "A → B"
    B_TO_A = "b_to_a", "B → A"
    MUTUAL = "mutual", "Mutual"


class ReferralChannel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    REFERRAL_LINK = "referral_link", "Referral link"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social media"
    PHONE = "phone", "Phone"
    EVENT = "event", "Event / bring-a-friend"


class RelationshipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    CONVERTED = "converted", "Converted"
    EXPIRED = "expired", "Expired"
    INACTIVE = "inactive", "Inactive"


class Relationship(TimeStampedModel):
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_as_a")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_as_b")
    relationship_type = models.CharField(
        max_length=32, choices=RelationshipType.choices, default=RelationshipType.REFERRAL
    )
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.A_TO_B)
    referral_date = models.DateTimeField(null=True, blank=True)
    referral_channel = models.CharField(max_length=32, choices=ReferralChannel.choices, blank=True)
    referral_campaign = models.CharField(max_length=200, blank=True)
    referral_link_id = models.CharField(max_length=100, blank=True)
    is_primary_referrer = models.BooleanField(default=False)
    attribution_percentage = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    relationship_level = models.PositiveSmallIntegerField(
        default=1, help_text="Depth in the referral tree: 1 for a direct referral."
    )
    relationship_strength = models.CharField(max_length=16, choices=Strength.choices, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        db_table = "relationships"
        indexes = [
            models.Index(fields=["person_a", "relationship_type", "person_b"], name="rel_a_type_b_idx"),
            models.Index(fields=["person_b", "relationship_type", "person_a"], name="rel_b_type_a_idx"),
            models.Index(
                fields=["referral_link_id"], name="rel_link_idx", condition=~models.Q(referral_link_id="")
            ),
            # The admin's status filter in the admin's order (that of rel_a_type_b_idx): pending,
            # expired and converted ties are each a small share, and worth listing.
            models.Index(
                fields=["status", "person_a", "relationship_type", "person_b"], name="rel_status_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(person_a=models.F("person_b")), name="relationship_not_self"
            ),
            models.UniqueConstraint(
                fields=["person_a", "person_b", "relationship_type"], name="relationship_unique_pair_type"
            ),
            choices_check("relationship_type", RelationshipType),
            choices_check("direction", Direction),
            choices_check("referral_channel", ReferralChannel, blank=True),
            choices_check("status", RelationshipStatus),
            choices_check("relationship_strength", Strength, blank=True),
            percent_check("attribution_percentage"),
            models.CheckConstraint(
                condition=models.Q(relationship_level__gte=1), name="relationship_level_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a} → {self.person_b} ({self.get_relationship_type_display()})"


class ReferralCredit(models.Model):
    """One referrer credited for one referred person's joining (not in the schema document).

    The ledger that makes crediting happen once: a second conversion of the same person, a retried
    task or a double click finds the row and credits nothing more.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referrer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referral_credits_earned")
    referred = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referral_credits_given")
    attribution_percentage = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        db_table = "referral_credits"
        constraints = [
            models.UniqueConstraint(fields=["referred", "referrer"], name="referral_credit_once"),
            percent_check("attribution_percentage"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="referral_credit_amount_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["referrer", "created_at"], name="referral_credit_referrer_idx")]

    def __str__(self) -> str:
        return f"{self.referrer} credited {self.amount} for {self.referred}"
