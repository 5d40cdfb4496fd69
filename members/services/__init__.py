"""Write paths for members, one module per sub-domain; import them from here."""

from members.services.consents import record_consent, set_consent, unsubscribe, unsubscribe_token
from members.services.enrolment import (
    DuplicateMember,
    account_for_email,
    enrol_member,
    find_duplicate,
    new_referral_code,
)
from members.services.gdpr import anonymize_member, export_member_data
from members.services.imports import create_import, dry_run_import, start_import
from members.services.merge import merge_members
from members.services.profile import apply_pending_birthdays, update_profile
from members.services.signin import prepare_code_sign_in
from members.services.status import set_member_status

__all__ = [
    "DuplicateMember",
    "account_for_email",
    "anonymize_member",
    "apply_pending_birthdays",
    "create_import",
    "dry_run_import",
    "enrol_member",
    "export_member_data",
    "find_duplicate",
    "merge_members",
    "new_referral_code",
    "prepare_code_sign_in",
    "record_consent",
    "set_consent",
    "set_member_status",
    "start_import",
    "unsubscribe",
    "unsubscribe_token",
    "update_profile",
]
