from tests.factories import UserFactory
from loyalty.models import Merchant
def test_x(client, merchant_a):
    client.force_login(UserFactory())
    for slug in ["AROMA", "Admin"]:
        r = client.post("/welcome/", {"name": "X", "slug": slug, "currency": "EUR", "timezone": "UTC", "shop_name": "Main"})
        print(slug, r.status_code, r.get("Location"))
    print(list(Merchant.objects.values_list("slug", flat=True)))
