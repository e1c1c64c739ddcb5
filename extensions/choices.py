"""Enumerated values of the three extension tables, each held by a database CHECK constraint.

The status enums are pipelines: their order is the order a person usually moves through them.
"""

from django.db import models


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    TOUR_SCHEDULED = "tour_scheduled", "Tour scheduled"
    TOUR_COMPLETED = "tour_completed", "Tour completed"
    TRIAL = "trial", "On trial"
    NEGOTIATING = "negotiating", "Negotiating"
    WON = "won", "Won (joined)"
    LOST = "lost", "Lost"


class LeadTemperature(models.TextChoices):
    COLD = "cold", "Cold"
    WARM = "warm", "Warm"
    HOT = "hot", "Hot"


class DecisionAuthority(models.TextChoices):
    SOLE = "sole", "Decides alone"
    SHARED = "shared", "Decides with partner/family"
    NEEDS_APPROVAL = "needs_approval", "Needs approval (e.g. employer)"


class DecisionTimeline(models.TextChoices):
    IMMEDIATELY = "immediately", "Ready now"
    THIS_WEEK = "this_week", "This week"
    THIS_MONTH = "this_month", "This month"
    ONE_TO_THREE_MONTHS = "1_3_months", "In 1–3 months"
    EXPLORING = "exploring", "Just exploring"


class Experience(models.TextChoices):
    NONE = "none", "New to fitness"
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    RETURNING = "returning", "Returning after a break"


class TrialStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CONTACTED = "contacted", "Contacted"
    APPOINTMENT_BOOKED = "appointment_booked", "Appointment booked"
    VISITED = "visited", "Visited"
    JOINED = "joined", "Joined"
    DECLINED = "declined", "Declined"
    UNRESPONSIVE = "unresponsive", "Unresponsive"


class RelationshipToReferrer(models.TextChoices):
    FRIEND = "friend", "Friend"
    FAMILY = "family", "Family"
    PARTNER = "partner", "Partner / spouse"
    COLLEAGUE = "colleague", "Colleague"
    NEIGHBOUR = "neighbour", "Neighbour"
    ACQUAINTANCE = "acquaintance", "Acquaintance"
    OTHER = "other", "Other"


class PermissionLevel(models.TextChoices):
    """What the referrer said the club may do with the referral's details."""

    NOT_ASKED = "not_asked", "Not asked yet"
    INTRO_ONLY = "intro_only", "Referrer introduces first"
    CONTACT_ALLOWED = "contact_allowed", "Club may contact"
    MENTION_REFERRER = "mention_referrer", "Club may contact and name the referrer"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"


class AppointmentStatus(models.TextChoices):
    NOT_SCHEDULED = "not_scheduled", "Not scheduled"
    SCHEDULED = "scheduled", "Scheduled"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    RESCHEDULED = "rescheduled", "Rescheduled"


class ConversionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONVERTED = "converted", "Converted"
    NOT_CONVERTED = "not_converted", "Not converted"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Pending start"
    ACTIVE = "active", "Active"
    FROZEN = "frozen", "Frozen"
    PAST_DUE = "past_due", "Past due"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class PaymentStatus(models.TextChoices):
    CURRENT = "current", "Current"
    PENDING = "pending", "Pending"
    OVERDUE = "overdue", "Overdue"
    FAILED = "failed", "Failed"


class ChurnRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
