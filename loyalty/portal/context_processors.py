from loyalty.tenancy.middleware import staff_memberships


def tenant(request) -> dict:
    staff = getattr(request, "staff", None)
    if staff is None:
        return {}

    def other_memberships():
        return list(staff_memberships(request.user).exclude(pk=staff.pk).order_by("merchant__name"))

    return {
        "merchant": request.merchant,
        "staff": staff,
        # Evaluated only when a template asks for it (the merchant switcher).
        "other_memberships": other_memberships,
    }
