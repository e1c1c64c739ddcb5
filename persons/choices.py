"""Enumerated values of the persons table. Each is held by a CHECK constraint in the database.

A blank value ("") means "not known yet" wherever a column allows it.
"""

from django.db import models


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    PHONE = "phone", "Phone call"
    WHATSAPP = "whatsapp", "WhatsApp"
    IN_PERSON = "in_person", "In person"


class ContactFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ONLY_WHEN_NEEDED = "only_when_needed", "Only when needed"


class AcquisitionSource(models.TextChoices):
    WALK_IN = "walk_in", "Walk-in"
    WEBSITE = "website", "Website"
    REFERRAL = "referral", "Referral"
    SOCIAL_MEDIA = "social_media", "Social media"
    PAID_SEARCH = "paid_search", "Paid search"
    EVENT = "event", "Event"
    CORPORATE = "corporate", "Corporate partner"
    PHONE_INQUIRY = "phone_inquiry", "Phone inquiry"
    FLYER = "flyer", "Flyer / local ad"
    OTHER = "other", "Other"


class InterestLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class MembershipType(models.TextChoices):
    """Plans a club sells; also the values of persons.preferred_membership."""

    BASIC = "basic", "Basic"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    VIP = "vip", "VIP"
    OFF_PEAK = "off_peak", "Off-peak"
    STUDENT = "student", "Student"
    SENIOR = "senior", "Senior"
    FAMILY = "family", "Family"
    CORPORATE = "corporate", "Corporate"
    CLASS_PACK = "class_pack", "Class pack"


class BudgetRange(models.TextChoices):
    UNDER_30 = "under_30", "Under $30 / month"
    FROM_30_TO_60 = "30_60", "$30–60 / month"
    FROM_60_TO_100 = "60_100", "$60–100 / month"
    FROM_100_TO_200 = "100_200", "$100–200 / month"
    OVER_200 = "over_200", "Over $200 / month"


class PriceSensitivity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class PaymentPreference(models.TextChoices):
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    CASH = "cash", "Cash"
    INVOICE = "invoice", "Invoice (corporate)"


class Service(models.TextChoices):
    """What a person may be interested in (persons.interested_services)."""

    GYM_FLOOR = "gym_floor", "Gym floor"
    GROUP_CLASSES = "group_classes", "Group classes"
    PERSONAL_TRAINING = "personal_training", "Personal training"
    SWIMMING = "swimming", "Swimming"
    YOGA = "yoga", "Yoga"
    PILATES = "pilates", "Pilates"
    SPIN = "spin", "Spin"
    HIIT = "hiit", "HIIT"
    BOXING = "boxing", "Boxing"
    NUTRITION = "nutrition", "Nutrition coaching"
    SPA = "spa", "Sauna and spa"
    KIDS = "kids", "Kids' programmes"


class Strength(models.TextChoices):
    """How close two persons are: a referral's tie to its referrer, or any relationship."""

    WEAK = "weak", "Weak"
    MODERATE = "moderate", "Moderate"
    STRONG = "strong", "Strong"
