"""The SOQL subset the sandbox understands, parsed into a small AST and evaluated on records.

``SELECT f1, f2 | COUNT() FROM Object [WHERE cond] [ORDER BY f [ASC|DESC], ...] [LIMIT n]`` where
``cond`` combines comparisons (``=, !=, <>, <, <=, >, >=``, ``IN (...)``) of a field with a literal
(datetime, date, number, ``'string'``, TRUE, FALSE, NULL) through AND, OR, NOT and parentheses.
Anything else (relationship fields, functions, GROUP BY, OFFSET, LIKE, date literals such as
``LAST_N_DAYS:3`` …) is answered with ``MALFORMED_QUERY``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from salesforce_sandbox.errors import malformed

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<op><=|>=|!=|<>|=|<|>)
    |(?P<punct>[(),])
    |(?P<word>[A-Za-z_][A-Za-z0-9_.:]*)
    )""",
    re.VERBOSE,
)
_UNSUPPORTED = {"GROUP", "OFFSET", "HAVING", "LIKE", "TYPEOF", "WITH", "FOR", "USING", "INCLUDES", "EXCLUDES"}


def canonical_datetime(text: str) -> str:
    """A datetime literal as Salesforce renders it in UTC: ``2024-03-01T10:00:00.000+0000``."""
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class Literal:
    """A literal value; ``kind`` is datetime, date, number, string, boolean or null."""

    kind: str
    value: Any


@dataclass(frozen=True)
class Comparison:
    """``field op literal`` or ``field IN (literals)`` (op ``in``)."""

    field: str
    op: str
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    """``and`` / ``or`` of several conditions, or ``not`` of one."""

    op: str
    parts: tuple[Condition, ...]


Condition = Comparison | BoolOp


@dataclass
class Query:
    """A parsed SELECT."""

    sobject: str
    fields: list[str] = field(default_factory=list)
    count: bool = False
    where: Condition | None = None
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None

    def referenced_fields(self) -> set[str]:
        """Every field the query names (select list, WHERE, ORDER BY)."""
        names = set(self.fields) | {name for name, _ in self.order_by}
        stack: list[Condition] = [self.where] if self.where is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, Comparison):
                names.add(node.field)
            else:
                stack.extend(node.parts)
        return names


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise malformed(f"unexpected token at position {position}: {text[position : position + 20]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in words:
            self.index += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise malformed(f"expected {word} but found {self._describe_next()}")

    def expect_punct(self, char: str) -> None:
        token = self.peek()
        if token != ("punct", char):
            raise malformed(f"expected '{char}' but found {self._describe_next()}")
        self.index += 1

    def _describe_next(self) -> str:
        token = self.peek()
        return "end of query" if token is None else repr(token[1])

    def identifier(self) -> str:
        token = self.peek()
        if token is None or token[0] != "word":
            raise malformed(f"expected a field name but found {self._describe_next()}")
        name = token[1]
        if name.upper() in _UNSUPPORTED or "." in name or ":" in name:
            raise malformed(f"not supported by the sandbox: {name}")
        self.index += 1
        return name

    def parse(self) -> Query:
        self.expect_keyword("SELECT")
        fields: list[str] = []
        count = False
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() == "COUNT":
            self.index += 1
            self.expect_punct("(")
            self.expect_punct(")")
            count = True
        else:
            fields.append(self.identifier())
            while self.peek() == ("punct", ","):
                self.index += 1
                fields.append(self.identifier())
        self.expect_keyword("FROM")
        query = Query(sobject=self.identifier(), fields=fields, count=count)
        if self.keyword("WHERE"):
            query.where = self.condition()
        if self.keyword("ORDER"):
            self.expect_keyword("BY")
            query.order_by.append(self.order_item())
            while self.peek() == ("punct", ","):
                self.index += 1
                query.order_by.append(self.order_item())
        if self.keyword("LIMIT"):
            token = self.peek()
            if token is None or token[0] != "number" or not token[1].isdigit():
                raise malformed(f"LIMIT takes a whole number, found {self._describe_next()}")
            self.index += 1
            query.limit = int(token[1])
        if self.peek() is not None:
            raise malformed(f"unexpected token: {self._describe_next()}")
        return query

    def order_item(self) -> tuple[str, bool]:
        name = self.identifier()
        descending = False
        if self.keyword("DESC"):
            descending = True
        else:
            self.keyword("ASC")
        if self.keyword("NULLS"):
            raise malformed("NULLS FIRST/LAST is not supported by the sandbox")
        return name, descending

    def condition(self) -> Condition:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.unary()]
        while self.keyword("AND"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def unary(self) -> Condition:
        if self.keyword("NOT"):
            return BoolOp("not", (self.unary(),))
        if self.peek() == ("punct", "("):
            self.index += 1
            inner = self.condition()
            self.expect_punct(")")
            return inner
        name = self.identifier()
        if self.keyword("IN"):
            self.expect_punct("(")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.index += 1
                values.append(self.literal())
            self.expect_punct(")")
            return Comparison(name, "in", tuple(values))
        token = self.peek()
        if token is None or token[0] != "op":
            raise malformed(f"expected a comparison operator after {name} but found {self._describe_next()}")
        self.index += 1
        op = "!=" if token[1] == "<>" else token[1]
        return Comparison(name, op, (self.literal(),))

    def literal(self) -> Literal:
        token = self.peek()
        if token is None:
            raise malformed("expected a value but found end of query")
        kind, text = token
        self.index += 1
        if kind == "string":
            return Literal("string", re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "datetime":
            return Literal("datetime", canonical_datetime(text))
        if kind == "date":
            return Literal("date", text)
        if kind == "number":
            return Literal("number", float(text))
        if kind == "word" and text.upper() in ("TRUE", "FALSE"):
            return Literal("boolean", text.upper() == "TRUE")
        if kind == "word" and text.upper() == "NULL":
            return Literal("null", None)
        raise malformed(f"not a supported value: {text!r}")


def parse(text: str) -> Query:
    """Parse a SOQL query (the sandbox's subset); raises ``MALFORMED_QUERY`` errors."""
    if not text or not text.strip():
        raise malformed("empty query")
    return _Parser(text).parse()


def _coerce(value: Any, literal: Literal) -> tuple[Any, Any] | None:
    """Comparable (record value, literal value), or None when they cannot be compared."""
    if literal.kind == "number":
        try:
            return float(value), literal.value
        except (TypeError, ValueError):
            return None
    if literal.kind == "boolean":
        return bool(value), literal.value
    if literal.kind == "datetime" and isinstance(value, str):
        return canonical_datetime(value) if not value.endswith("+0000") else value, literal.value
    return value, literal.value


def _compare(value: Any, op: str, literal: Literal) -> bool:
    if literal.kind == "null":
        return (value is None) if op == "=" else (value is not None) if op == "!=" else False
    if value is None:
        return op == "!="
    pair = _coerce(value, literal)
    if pair is None:
        return False
    left, right = pair
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def matcher(condition: Condition | None) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over records for ``condition`` (None matches everything)."""
    if condition is None:
        return lambda record: True
    if isinstance(condition, Comparison):
        name, op, values = condition.field, condition.op, condition.values
        if op == "in":
            return lambda record: any(_compare(record.get(name), "=", v) for v in values)
        literal = values[0]
        return lambda record: _compare(record.get(name), op, literal)
    parts = [matcher(part) for part in condition.parts]
    if condition.op == "and":
        return lambda record: all(p(record) for p in parts)
    if condition.op == "or":
        return lambda record: any(p(record) for p in parts)
    return lambda record: not parts[0](record)


def lower_bound(condition: Condition | None, field_name: str) -> str | None:
    """A value L such that ``condition`` implies ``field_name >= L`` (for an index seek), if known."""
    if condition is None:
        return None
    if isinstance(condition, Comparison):
        if condition.field == field_name and condition.op in (">", ">=", "=") and condition.values[0].kind != "null":
            value = condition.values[0].value
            return value if isinstance(value, str) else None
        return None
    if condition.op == "and":
        bounds = [b for b in (lower_bound(p, field_name) for p in condition.parts) if b is not None]
        return max(bounds) if bounds else None
    if condition.op == "or":
        found = [lower_bound(p, field_name) for p in condition.parts]
        known = [b for b in found if b is not None]
        return min(known) if known and len(known) == len(found) else None
    return None
