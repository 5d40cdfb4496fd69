"""The segment builder's form: the rule tree read from posted fields, the builder's actions
(add a rule or a group, remove one) and what the template draws for each rule.

Every node of the tree has a path, ``r`` for the tree, ``r-0`` for its first item, ``r-0-1``
for the second item of that group (the same paths as `campaigns.segments.rules` errors), and
posts ``<path>-kind`` (rule or group), a group ``<path>-match``, a rule ``<path>-field``,
``<path>-was`` (the field it was drawn with), ``<path>-op``, ``<path>-value`` (repeated for
"is one of"), ``<path>-value2`` (the upper bound of "between"). Paths are renumbered at
each drawing, so removing an item leaves no gap.
"""

import re
from dataclasses import dataclass, field

from django.http import QueryDict

from campaigns.segments.fields import CHOICE, DATE, FIELDS, NUMBER, Field
from campaigns.segments.rules import ALL, ANY, MAX_DEPTH, ROOT, Cleaned, child_path, is_group
from loyalty.models import Merchant

NEW_RULE = {"field": "points_balance", "op": "gte", "value": ""}
_CHILD = re.compile(r"^(?P<parent>r(?:-\d+)*)-(?P<index>\d+)-kind$")


def _children(data: QueryDict, path: str) -> list[str]:
    found = []
    for key in data:
        hit = _CHILD.match(key)
        if hit and hit["parent"] == path:
            found.append(int(hit["index"]))
    return [child_path(path, index) for index in sorted(found)]


def _rule_from(data: QueryDict, path: str) -> dict:
    name = data.get(f"{path}-field", "")
    op = data.get(f"{path}-op", "")
    values = [v for v in data.getlist(f"{path}-value") if v.strip()]
    spec = FIELDS.get(name)
    was = data.get(f"{path}-was", name)
    if spec is not None and (name != was or op not in spec.operators):
        # Another field was picked: keep the operator if it still applies, drop the value.
        old = FIELDS.get(was)
        same_kind = old is not None and old.kind == spec.kind and op in spec.operators
        return {"field": name, "op": op if same_kind else next(iter(spec.operators)), "value": ""}
    if op == "between":
        value: object = [data.get(f"{path}-value", ""), data.get(f"{path}-value2", "")]
    elif op == "in":
        value = values
    else:
        value = values[0] if values else ""
    return {"field": name, "op": op, "value": value}


def _group_from(data: QueryDict, path: str, depth: int) -> dict:
    match = data.get(f"{path}-match", ALL)
    items = []
    for child in _children(data, path):
        if data.get(f"{child}-kind") == "group" and depth < MAX_DEPTH:
            items.append(_group_from(data, child, depth + 1))
        elif data.get(f"{child}-kind") == "rule":
            items.append(_rule_from(data, child))
    return {"match": match if match in (ALL, ANY) else ALL, "rules": items}


def tree_from_post(data: QueryDict) -> dict:
    """The rule tree as posted (values not checked yet)."""
    return _group_from(data, ROOT, 1)


def _node_at(tree: dict, path: str) -> tuple[dict | None, int | None]:
    """The group holding `path` and the item's index in it (the tree itself: None)."""
    parts = path.split("-")[1:]
    if not parts:
        return None, None
    group = tree
    for part in parts[:-1]:
        index = int(part)
        if index >= len(group["rules"]) or not is_group(group["rules"][index]):
            return None, None
        group = group["rules"][index]
    return group, int(parts[-1])


def _group_at(tree: dict, path: str) -> dict | None:
    if path == ROOT:
        return tree
    parent, index = _node_at(tree, path)
    if parent is None or index is None or index >= len(parent["rules"]):
        return None
    node = parent["rules"][index]
    return node if is_group(node) else None


def apply_action(tree: dict, action: str) -> dict:
    """Add a rule or a group to the group at a path, or remove the item at a path."""
    verb, _sep, path = action.partition(":")
    if not re.fullmatch(r"r(?:-\d+)*", path or ""):
        return tree
    if verb in ("add-rule", "add-group"):
        group = _group_at(tree, path)
        depth = path.count("-") + 1
        if group is not None and verb == "add-rule":
            group["rules"].append(dict(NEW_RULE))
        elif group is not None and depth < MAX_DEPTH:
            group["rules"].append({"match": ANY, "rules": [dict(NEW_RULE)]})
    elif verb == "remove":
        parent, index = _node_at(tree, path)
        if parent is not None and index is not None and index < len(parent["rules"]):
            del parent["rules"][index]
    return tree


# --- what the template draws ----------------------------------------------------------------


@dataclass
class RuleView:
    path: str
    field: str
    op: str
    value: object
    error: str
    spec: Field | None
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def widget(self) -> str:
        """number, between, date, days, select, multiple, text or words (comma separated)."""
        kind = self.spec.kind if self.spec else NUMBER
        if kind == NUMBER:
            return "between" if self.op == "between" else "number"
        if kind == DATE:
            return "days" if self.op == "in_last_days" else "date"
        if self.spec and self.spec.free:
            return "words" if self.op == "in" else "text"
        return "multiple" if self.op == "in" else "select"

    @property
    def operators(self) -> list[tuple[str, str]]:
        return list(self.spec.operators.items()) if self.spec else []

    @property
    def values(self) -> list[str]:
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [str(self.value)] if self.value not in (None, "") else []

    @property
    def first(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def second(self) -> str:
        return self.values[1] if len(self.values) > 1 else ""

    @property
    def words(self) -> str:
        return ", ".join(self.values)


@dataclass
class GroupView:
    path: str
    match: str
    depth: int
    items: list
    error: str

    @property
    def can_nest(self) -> bool:
        return self.depth < MAX_DEPTH

    is_group = True


def _view(merchant: Merchant, node: dict, path: str, depth: int, cleaned: Cleaned, cache: dict):
    if is_group(node):
        items = [
            _view(merchant, child, child_path(path, index), depth + 1, cleaned, cache)
            for index, child in enumerate(node["rules"])
        ]
        return GroupView(path, node.get("match", ALL), depth, items, cleaned.errors.get(path, ""))
    spec = FIELDS.get(node.get("field", ""))
    choices: list[tuple[str, str]] = []
    if spec is not None and spec.kind == CHOICE and spec.choices is not None:
        if spec.name not in cache:
            cache[spec.name] = spec.choices(merchant)
        choices = cache[spec.name]
    return RuleView(
        path=path,
        field=node.get("field", ""),
        op=node.get("op", ""),
        value=node.get("value", ""),
        error=cleaned.errors.get(path, ""),
        spec=spec,
        choices=choices,
    )


def builder_view(merchant: Merchant, tree: dict, cleaned: Cleaned) -> GroupView:
    """The tree as the builder template draws it, with each rule's error and choices."""
    return _view(merchant, tree, ROOT, 1, cleaned, {})


FIELD_CHOICES = [(spec.name, spec.label) for spec in FIELDS.values()]
