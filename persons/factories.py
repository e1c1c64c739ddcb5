"""Persons a fitness club would really have on file, for tests and the demo data (seed_demo).

Randomness comes from factory-boy's generator, which `factory.random.reseed_random(n)` seeds
together with Faker, so a seeded run gives the same people every time.

Contact details are safe to send to: emails use the reserved example.com/.net/.org domains and
phone numbers use the 555-01XX lines set aside for fiction (valid US numbers otherwise).
Roles are given in extensions/factories.py, through extensions.services.person_set_roles.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import factory
import factory.random
import phonenumbers
from django.utils import timezone
from factory.django import DjangoModelFactory
from factory.faker import Faker as FakerDeclaration

from .choices import (
    AcquisitionSource,
    BudgetRange,
    ContactFrequency,
    ContactMethod,
    Gender,
    InterestLevel,
    MembershipType,
    PaymentPreference,
    PriceSensitivity,
    Service,
)
from .models import Person
from .services import person_create

# Every US area code phonenumbers accepts with a 555-01XX line: about 45,000 fictional numbers, so
# few unrelated people share one (some do, as households share a landline).
AREA_CODES = tuple(
    str(code)
    for code in range(201, 990)
    if phonenumbers.is_valid_number(phonenumbers.parse(f"{code}5550100", "US"))
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# The same number typed the ways people type it; Person.save() stores E.164 whatever the form.
PHONE_FORMATS = (
    "({area}) 555-{line}",
    "{area}-555-{line}",
    "{area}.555.{line}",
    "+1 {area} 555 {line}",
    "1-{area}-555-{line}",
    "{area}555{line}",
)
GOALS = (
    "Lose 10 kg before the summer",
    "Build strength after years away from the gym",
    "Train for my first half marathon",
    "Improve flexibility and ease back pain",
    "Get back in shape after having a baby",
    "Doctor recommended more exercise for blood pressure",
    "Tone up and feel more confident",
    "Prepare for a hiking trip in the Rockies",
    "Gain muscle; currently training at home",
    "Stay active and social in retirement",
    "Reduce stress from work",
    "Recover fitness after knee surgery",
    "Learn to swim properly",
    "Compete in a local powerlifting meet",
    "Keep up with my kids",
    "Find classes I enjoy so I stick with it",
)
SPECIAL_REQUIREMENTS = (
    "Recovering from ACL reconstruction; cleared for low-impact work",
    "Type 1 diabetic; keeps glucose tablets in locker",
    "Pregnant (second trimester)",
    "Asthma; carries an inhaler",
    "Wheelchair user; needs accessible changing room",
    "Lower back issues; avoid heavy deadlifts",
    "Prefers a female trainer",
)
TAGS = (
    "early-bird",
    "evening-regular",
    "weekend-only",
    "corporate-plan",
    "student",
    "returning",
    "vip",
    "family-account",
    "class-lover",
    "pt-interest",
    "price-sensitive",
    "newsletter",
)
CONTACT_TIMES = ("early_morning", "morning", "lunchtime", "afternoon", "evening", "weekend")
CAMPAIGNS = (
    "New Year Kickstart",
    "Spring Into Fitness",
    "Summer Shape-Up",
    "Back to Routine",
    "Black Friday",
)
UTM_SOURCES = {
    AcquisitionSource.WEBSITE: ("google", "organic"),
    AcquisitionSource.PAID_SEARCH: ("google", "cpc"),
    AcquisitionSource.SOCIAL_MEDIA: ("instagram", "paid_social"),
}
# Where members live: the club's city and its suburbs, with their real ZIP codes.
NEIGHBOURHOODS = (
    (
        "Portland",
        "OR",
        ("97201", "97202", "97205", "97209", "97210", "97211", "97212", "97214", "97215", "97217"),
    ),
    ("Beaverton", "OR", ("97005", "97006", "97007", "97008")),
    ("Hillsboro", "OR", ("97123", "97124")),
    ("Lake Oswego", "OR", ("97034", "97035")),
    ("Tigard", "OR", ("97223", "97224")),
    ("Gresham", "OR", ("97030", "97080")),
    ("Milwaukie", "OR", ("97222", "97267")),
    ("Tualatin", "OR", ("97062",)),
    ("West Linn", "OR", ("97068",)),
    ("Happy Valley", "OR", ("97086",)),
    ("Vancouver", "WA", ("98660", "98661", "98662", "98683", "98684")),
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def rng():
    """factory-boy's random generator, seeded with Faker by factory.random.reseed_random()."""
    return factory.random.randgen


def fake():
    """The shared Faker instance factory-boy uses (same seeded generator)."""
    return FakerDeclaration._get_faker()


def weighted(options: dict[Any, int]) -> Any:
    return rng().choices(list(options), weights=list(options.values()))[0]


def maybe(probability: float, value: Any, default: Any = "") -> Any:
    return value if rng().random() < probability else default


def us_phone(style: int | None = None) -> str:
    """A valid US number on a fictional 555-01XX line, in one of the ways people write them."""
    r = rng()
    template = PHONE_FORMATS[r.randrange(len(PHONE_FORMATS)) if style is None else style]
    return template.format(area=r.choice(AREA_CODES), line=f"01{r.randrange(100):02d}")


def email_for(first_name: str, last_name: str) -> str:
    local = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in (first_name, last_name) if part)
    suffix = maybe(0.6, str(rng().randrange(1, 100)))
    return f"{local}{suffix}@{rng().choice(EMAIL_DOMAINS)}"


def address() -> dict:
    """A street address around the club (Portland, Oregon, and the suburbs people drive in from)."""
    f = fake()
    city, state, zips = rng().choice(NEIGHBOURHOODS)
    return {
        "line1": f.street_address(),
        "line2": maybe(0.2, f.secondary_address()),
        "city": city,
        "state": state,
        "postal_code": rng().choice(zips),
        "country": "US",
    }


def first_name_for(gender: str) -> str:
    f = fake()
    if gender == Gender.FEMALE:
        return f.first_name_female()
    if gender == Gender.MALE:
        return f.first_name_male()
    return f.first_name()


def sample(options, low: int, high: int) -> list:
    r = rng()
    return r.sample(list(options), r.randint(low, min(high, len(options))))


def acquired_at() -> dt.datetime:
    """Some time in the last year, at a plausible hour."""
    r = rng()
    day = timezone.now() - dt.timedelta(days=r.randint(1, 365))
    return day.replace(hour=r.randint(7, 20), minute=r.randrange(0, 60, 5), second=0, microsecond=0)


def utm_for(source: str, campaign: str) -> dict:
    if source not in UTM_SOURCES:
        return {}
    utm_source, medium = UTM_SOURCES[source]
    return {
        "utm_source": utm_source,
        "utm_medium": medium,
        "utm_campaign": campaign.lower().replace(" ", "_"),
    }


def social_profiles(first_name: str, last_name: str) -> dict:
    handle = re.sub(r"[^a-z0-9_]", "", f"{first_name}_{last_name}".lower())
    return maybe(0.3, {"instagram": f"@{handle}{rng().randrange(10, 99)}"}, {})


def preferred_schedule() -> dict:
    return {"days": sorted(sample(WEEKDAYS, 2, 4), key=WEEKDAYS.index), "time": rng().choice(CONTACT_TIMES)}


class PersonFactory(DjangoModelFactory):
    """A person as a club's front desk would have recorded them: mostly complete, sometimes not.

    Created through persons.services.person_create (pass `actor=` for the creating user).
    """

    class Meta:
        model = Person

    actor = None  # not a field: the user person_create runs as
    gender = factory.LazyFunction(
        lambda: weighted(
            {
                Gender.FEMALE: 48,
                Gender.MALE: 45,
                Gender.NON_BINARY: 2,
                Gender.PREFER_NOT_TO_SAY: 2,
                Gender.OTHER: 1,
                "": 2,
            }
        )
    )
    first_name = factory.LazyAttribute(lambda o: first_name_for(o.gender))
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: maybe(0.94, email_for(o.first_name, o.last_name)))
    phone = factory.LazyFunction(lambda: maybe(0.92, us_phone()))
    secondary_phone = factory.LazyFunction(lambda: maybe(0.12, us_phone()))
    address = factory.LazyFunction(lambda: maybe(0.8, address(), {}))
    dob = factory.LazyFunction(
        lambda: maybe(0.85, fake().date_of_birth(minimum_age=16, maximum_age=78), None)
    )
    preferred_contact_method = factory.LazyFunction(
        lambda: weighted(
            {
                ContactMethod.EMAIL: 35,
                ContactMethod.SMS: 30,
                ContactMethod.PHONE: 15,
                ContactMethod.WHATSAPP: 8,
                ContactMethod.IN_PERSON: 4,
                "": 8,
            }
        )
    )
    preferred_contact_times = factory.LazyFunction(lambda: sample(CONTACT_TIMES, 0, 2))
    contact_frequency_preference = factory.LazyFunction(
        lambda: weighted(
            {
                ContactFrequency.WEEKLY: 10,
                ContactFrequency.BIWEEKLY: 15,
                ContactFrequency.MONTHLY: 30,
                ContactFrequency.QUARTERLY: 10,
                ContactFrequency.ONLY_WHEN_NEEDED: 15,
                "": 20,
            }
        )
    )
    email_opt_in = factory.LazyAttribute(lambda o: bool(o.email) and rng().random() < 0.75)
    sms_opt_in = factory.LazyAttribute(lambda o: bool(o.phone) and rng().random() < 0.55)
    social_profiles = factory.LazyAttribute(lambda o: social_profiles(o.first_name, o.last_name))
    acquisition_source = factory.LazyFunction(
        lambda: weighted(
            {
                AcquisitionSource.WALK_IN: 18,
                AcquisitionSource.WEBSITE: 22,
                AcquisitionSource.SOCIAL_MEDIA: 16,
                AcquisitionSource.PAID_SEARCH: 10,
                AcquisitionSource.EVENT: 6,
                AcquisitionSource.CORPORATE: 5,
                AcquisitionSource.PHONE_INQUIRY: 8,
                AcquisitionSource.FLYER: 5,
                AcquisitionSource.OTHER: 3,
                "": 7,
            }
        )
    )
    acquisition_campaign = factory.LazyAttribute(
        lambda o: rng().choice(CAMPAIGNS) if o.acquisition_source in UTM_SOURCES else ""
    )
    acquisition_date = factory.LazyFunction(acquired_at)
    utm_parameters = factory.LazyAttribute(lambda o: utm_for(o.acquisition_source, o.acquisition_campaign))
    interest_level = factory.LazyFunction(
        lambda: weighted(
            {
                InterestLevel.LOW: 15,
                InterestLevel.MEDIUM: 35,
                InterestLevel.HIGH: 30,
                InterestLevel.VERY_HIGH: 12,
                "": 8,
            }
        )
    )
    goals = factory.LazyFunction(lambda: maybe(0.8, rng().choice(GOALS)))
    preferred_membership = factory.LazyFunction(lambda: maybe(0.6, rng().choice(MembershipType.values)))
    interested_services = factory.LazyFunction(lambda: sample(Service.values, 1, 4))
    preferred_schedule = factory.LazyFunction(lambda: maybe(0.5, preferred_schedule(), {}))
    special_requirements = factory.LazyFunction(lambda: maybe(0.08, rng().choice(SPECIAL_REQUIREMENTS)))
    budget_range = factory.LazyFunction(lambda: maybe(0.7, rng().choice(BudgetRange.values)))
    payment_preferences = factory.LazyFunction(
        lambda: maybe(
            0.6,
            weighted(
                {
                    PaymentPreference.CARD: 55,
                    PaymentPreference.DIRECT_DEBIT: 35,
                    PaymentPreference.CASH: 7,
                    PaymentPreference.INVOICE: 3,
                }
            ),
        )
    )
    price_sensitivity = factory.LazyFunction(lambda: maybe(0.6, rng().choice(PriceSensitivity.values)))
    tags = factory.LazyFunction(lambda: sample(TAGS, 0, 3))
    notes = factory.LazyFunction(lambda: maybe(0.15, fake().sentence(nb_words=12)))

    @classmethod
    def _build(cls, model_class, *args, actor=None, **kwargs) -> Person:
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> Person:
        return person_create(actor=actor, **kwargs)
