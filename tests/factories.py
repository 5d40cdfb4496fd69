import factory
from allauth.account.models import EmailAddress

from loyalty.models import Merchant, Role, Shop, StaffMember, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    address = "1 High Street"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    merchant = factory.SubFactory(MerchantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER
