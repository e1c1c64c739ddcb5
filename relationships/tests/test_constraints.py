"""What the database itself refuses in relationships, whatever path a write takes."""

import pytest
from django.db import IntegrityError, connection, transaction

from persons.factories import PersonFactory
from relationships.models import Relationship

pytestmark = pytest.mark.django_db

# (constraint names, "|" between names a value may trip either of; {column: value} refused)
CHECK_CASES = [
    ("relationship_relationship_type_valid", {"relationship_type": "enemy"}),
    ("relationship_direction_valid", {"direction": "sideways"}),
    ("relationship_referral_channel_valid", {"referral_channel": "carrier_pigeon"}),
    ("relationship_status_valid", {"status": "complicated"}),
    ("relationship_relationship_strength_valid", {"relationship_strength": "unbreakable"}),
    ("relationship_attribution_percentage_0_100", {"attribution_percentage": 101}),
    (
        "relationships_attribution_percentage_check|relationship_attribution_percentage_0_100",
        {"attribution_percentage": -1},
    ),
    ("relationship_level_positive", {"relationship_level": 0}),
    ("relationships_relationship_level_check|relationship_level_positive", {"relationship_level": -1}),
    ("relationship_not_self", "self"),
]


def check_constraints_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


def make_tie(**fields) -> Relationship:
    return Relationship.objects.create(person_a=PersonFactory(), person_b=PersonFactory(), **fields)


def test_every_check_constraint_on_relationships_has_a_case_below():
    covered = {name for names, _ in CHECK_CASES for name in names.split("|")}
    assert check_constraints_of("relationships") == covered


@pytest.mark.parametrize(("constraint", "values"), CHECK_CASES, ids=[names for names, _ in CHECK_CASES])
def test_the_database_refuses_a_value_outside_each_check_constraint(constraint, values):
    tie = make_tie()
    if values == "self":
        values = {"person_b": tie.person_a}
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Relationship.objects.filter(pk=tie.pk).update(**values)
    assert any(name in str(refused.value) for name in constraint.split("|"))


def test_a_relationship_never_links_a_person_to_themselves():
    person = PersonFactory()
    with pytest.raises(IntegrityError, match="relationship_not_self"), transaction.atomic():
        Relationship.objects.create(person_a=person, person_b=person, relationship_type="friend")
    assert not Relationship.objects.exists()


def test_the_same_pair_cannot_be_tied_twice_with_the_same_type():
    tie = make_tie(relationship_type="referral")
    with pytest.raises(IntegrityError, match="relationship_unique_pair_type"), transaction.atomic():
        Relationship.objects.create(
            person_a=tie.person_a, person_b=tie.person_b, relationship_type="referral"
        )
    assert Relationship.objects.count() == 1


def test_the_same_pair_may_be_tied_with_different_types():
    tie = make_tie(relationship_type="referral")
    Relationship.objects.create(person_a=tie.person_a, person_b=tie.person_b, relationship_type="friend")
    assert Relationship.objects.filter(person_a=tie.person_a, person_b=tie.person_b).count() == 2
