"""django-q2 entry points of the members app: thin wrappers over the services."""

from members.services import imports


def run_import(import_id: int) -> None:
    imports.run_import(import_id)
