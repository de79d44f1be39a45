import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.roles import GOVERNMENT_GROUP, LEAD_GROUP, STAFF_GROUP

PASSWORD = "correct-horse-battery-7"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.se")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


def staff_user(**kwargs):
    return UserFactory(groups=[STAFF_GROUP], **kwargs)


def lead_user(**kwargs):
    return UserFactory(groups=[LEAD_GROUP], **kwargs)


def government_user(**kwargs):
    return UserFactory(groups=[GOVERNMENT_GROUP], **kwargs)


def admin_user(**kwargs):
    return UserFactory(is_superuser=True, is_staff=True, **kwargs)
