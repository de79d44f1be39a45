import factory
from stdnum.se import orgnr

from principals.models import County, Membership, Municipality, Principal, SchoolUnit
from tests.portal.factories import UserFactory


def valid_orgnr(n: int, first: str = "5") -> str:
    """A valid organisation number, 559NNN-NNNC (an aktiebolag) by default.

    The third digit is 9: an organisation number's third digit is 2 or more (0 or 1 would be a
    personnummer, which principals.orgnr refuses).
    """
    body = f"{first}59{(n % 1_000_000):06d}"
    check = orgnr.luhn.calc_check_digit(body)
    return orgnr.format(body + check)


class PrincipalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principal
        skip_postgeneration_save = True

    organisation_number = factory.Sequence(lambda n: valid_orgnr(n + 1000))
    name = factory.Sequence(lambda n: f"Testskolan {n} AB")
    organiser_type = Principal.OrganiserType.ENSKILD
    county = factory.LazyFunction(lambda: County.objects.get(code="01"))
    pupils = 250

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create:
            self.municipalities.set(extracted or [Municipality.objects.get(code="0180")])


class SchoolUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolUnit

    code = factory.Sequence(lambda n: f"{10000000 + n}")
    name = factory.Sequence(lambda n: f"Testskolan enhet {n}")
    principal = factory.SubFactory(PrincipalFactory)
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="0180"))
    school_types = factory.LazyFunction(lambda: ["GR"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    principal = factory.SubFactory(PrincipalFactory)
    role = Membership.Role.EDITOR
