"""The fact schemas: every importable entity, its fields, types, references and natural key.

One declaration serves the import mappings, the demo generator, validation and the store's bulk
upsert, so a field exists in exactly one place. References name another entity and are written in
files as that entity's external id (or natural key); the store resolves them to row ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from attain.domain.errors import InvalidInput


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"  # exact, e.g. quantities, rates, targets
    MONEY = "money"  # stored as integer minor units of the row's `currency`
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    ENUM = "enum"
    REF = "ref"  # the external id of a row of `ref`


@dataclass(frozen=True, slots=True)
class FactField:
    name: str
    type: FieldType
    required: bool = False
    ref: str | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""

    @property
    def column(self) -> str:
        """The stored column: references are stored as `<name>_id`."""
        return f"{self.name}_id" if self.type is FieldType.REF else self.name


@dataclass(frozen=True, slots=True)
class FactEntity:
    name: str
    table: str
    fields: tuple[FactField, ...]
    key: tuple[str, ...] = ("external_id",)
    doc: str = ""
    # True: rows repeating a natural key within one batch are all rejected (which one is right cannot be
    # told); False: the last one is kept and the repeat reported as the quirk `duplicate_keys`.
    unique_in_batch: bool = False
    _by_name: dict[str, FactField] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})
        missing = [k for k in self.key if k not in self._by_name]
        if missing:
            raise ValueError(f"{self.name}: key fields {missing} are not declared")

    def field(self, name: str) -> FactField:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(f.name for f in self.fields)
            raise InvalidInput(f"{self.name} has no field '{name}'", hint=f"known fields: {known}") from None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def has_money(self) -> bool:
        return any(f.type is FieldType.MONEY for f in self.fields)


def _f(
    name: str,
    type_: FieldType,
    *,
    required: bool = False,
    ref: str | None = None,
    choices: tuple[str, ...] = (),
    doc: str = "",
) -> FactField:
    return FactField(name, type_, required, ref, choices, doc)


T, INT, D, M, DT, TS, B, E, R = (
    FieldType.TEXT,
    FieldType.INT,
    FieldType.DECIMAL,
    FieldType.MONEY,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.BOOL,
    FieldType.ENUM,
    FieldType.REF,
)

ROLES = ("rep", "manager", "director", "executive", "specialist", "sales_ops", "other")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
ORDER_KINDS = ("new", "renewal", "upsell", "cancellation", "return")
SPLIT_ROLES = ("direct", "overlay")
GOAL_SCOPES = ("person", "team", "territory", "company")
GOAL_KINDS = ("goal", "quota")
COST_CATEGORIES = ("sales", "marketing")
COURSE_KINDS = ("course", "programme")
ENROLLMENT_STATUSES = ("enrolled", "completed", "withdrawn")

ENTITIES: dict[str, FactEntity] = {
    e.name: e
    for e in (
        FactEntity(
            "person",
            "people",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("email", T),
                _f("title", T),
                _f("hired_on", DT),
                _f("left_on", DT, doc="last day employed"),
            ),
            doc="Anyone in the sales organisation.",
        ),
        FactEntity(
            "team",
            "teams",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("parent", R, ref="team", doc="the team this one nests in"),
                _f("region", T),
            ),
            doc="A group under a manager; teams nest.",
        ),
        FactEntity(
            "territory",
            "territories",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("parent", R, ref="territory"),
                _f("region", T, doc="rule: accounts in this region"),
                _f("country", T, doc="rule: accounts in this country"),
                _f("industry", T, doc="rule: accounts in this industry"),
                _f("segment", T, doc="rule: accounts in this segment"),
                _f("size", T, doc="rule: accounts of this size band"),
                _f("potential", M, doc="estimated annual revenue potential"),
                _f("currency", T),
            ),
            doc="A named set of accounts, by rule (the non-empty rule fields must all match) "
            "or by account list.",
        ),
        FactEntity(
            "territory_account",
            "territory_accounts",
            (
                _f("territory", R, required=True, ref="territory"),
                _f("account", R, required=True, ref="account"),
                _f("valid_from", DT, required=True),
                _f("valid_to", DT, doc="last day, empty while current"),
            ),
            key=("territory", "account", "valid_from"),
            doc="An account listed in a territory for a date range.",
        ),
        FactEntity(
            "assignment",
            "assignments",
            (
                _f("person", R, required=True, ref="person"),
                _f("role", E, required=True, choices=ROLES),
                _f("team", R, ref="team"),
                _f("manager", R, ref="person"),
                _f("territory", R, ref="territory"),
                _f("title", T),
                _f("valid_from", DT, required=True),
                _f("valid_to", DT, doc="last day, empty while current"),
            ),
            key=("person", "valid_from"),
            doc="A person's role, team, manager and territory from valid_from to valid_to (inclusive).",
        ),
        FactEntity(
            "account",
            "accounts",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("industry", T),
                _f("segment", T),
                _f("size", T),
                _f("country", T),
                _f("region", T),
                _f("city", T),
                _f("employees", INT),
                _f("annual_revenue", M),
                _f("currency", T),
                _f("parent", R, ref="account"),
                _f("owner", R, ref="person", doc="the account's sales rep"),
                _f("founded_year", INT),
            ),
            doc="A customer.",
        ),
        FactEntity(
            "product",
            "products",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("family", T),
                _f("list_price", M),
                _f("currency", T),
            ),
            doc="What is sold.",
        ),
        FactEntity(
            "opportunity",
            "opportunities",
            (
                _f("external_id", T, required=True),
                _f("name", T),
                _f("account", R, ref="account"),
                _f("product", R, ref="product"),
                _f("owner", R, required=True, ref="person"),
                _f("stage", T, required=True),
                _f("status", E, required=True, choices=OPPORTUNITY_STATUSES),
                _f("amount", M),
                _f("currency", T),
                _f("created_on", DT, doc="created, or first engaged"),
                _f("close_on", DT, doc="closed, or expected to close"),
            ),
            doc="A CRM deal moving through stages, won or lost.",
        ),
        FactEntity(
            "opportunity_stage",
            "opportunity_stages",
            (
                _f("opportunity", R, required=True, ref="opportunity"),
                _f("stage", T, required=True),
                _f("entered_at", TS, required=True),
            ),
            key=("opportunity", "stage", "entered_at"),
            doc="One step of an opportunity's stage history.",
        ),
        FactEntity(
            "order",
            "orders",
            (
                _f("external_id", T, required=True),
                _f("order_number", T),
                _f("line_number", INT),
                _f("booked_on", DT, required=True),
                _f("account", R, ref="account"),
                _f("product", R, ref="product"),
                _f("owner", R, ref="person"),
                _f("opportunity", R, ref="opportunity"),
                _f("quantity", D),
                _f("amount", M, required=True),
                _f("currency", T),
                _f("kind", E, required=True, choices=ORDER_KINDS),
                _f("original", R, ref="order", doc="for cancellations and returns"),
                _f("status", T),
                _f("invoiced_on", DT),
                _f("paid_on", DT),
            ),
            doc="A booked revenue fact (one line); cancellations and returns are negative "
            "and point at the original.",
            unique_in_batch=True,  # money is paid on orders: two rows with one id are an error, not an update
        ),
        FactEntity(
            "credit_split",
            "credit_splits",
            (
                _f("order", R, required=True, ref="order"),
                _f("person", R, required=True, ref="person"),
                _f("role", E, required=True, choices=SPLIT_ROLES, doc="direct shares sum to 100%"),
                _f("share", D, required=True, doc="a fraction: 0.5 is half the order"),
                _f("sequence", INT, doc="orders the splits of one order (default 1)"),
            ),
            key=("order", "person", "role"),
            doc="An explicit credit share of an order: direct splits replace the owner and sum to 100%; "
            "overlay splits credit a specialist without reducing anyone.",
        ),
        FactEntity(
            "payment",
            "payments",
            (
                _f("external_id", T, required=True),
                _f("account", R, required=True, ref="account"),
                _f("paid_on", DT, required=True),
                _f("amount", M, required=True),
                _f("currency", T),
            ),
            doc="Cash received from an account.",
        ),
        FactEntity(
            "goal",
            "goals",
            (
                _f("metric", T, required=True, doc="metric key, e.g. revenue"),
                _f("scope_kind", E, required=True, choices=GOAL_SCOPES),
                _f("person", R, ref="person"),
                _f("team", R, ref="team"),
                _f("territory", R, ref="territory"),
                _f("period", R, required=True, ref="period", doc="period key, e.g. FY2025-Q1"),
                _f("kind", E, required=True, choices=GOAL_KINDS),
                _f("target", D, required=True),
                _f("currency", T),
            ),
            key=("metric", "scope_kind", "person", "team", "territory", "period", "kind"),
            doc="A target for a metric, for a scope, over a period; a quota is a goal a plan measures. "
            "Exactly the reference named by scope_kind is set (none for company).",
        ),
        FactEntity(
            "cost",
            "costs",
            (
                _f("external_id", T, required=True),
                _f(
                    "period",
                    R,
                    required=True,
                    ref="period",
                    doc="period key the cost belongs to, e.g. FY2025-M03",
                ),
                _f("category", E, required=True, choices=COST_CATEGORIES),
                _f("amount", M, required=True),
                _f("currency", T),
                _f("description", T),
            ),
            doc="A sales or marketing cost of a period, for customer acquisition cost (CAC).",
        ),
        FactEntity(
            "course",
            "courses",
            (
                _f("external_id", T, required=True),
                _f("name", T, required=True),
                _f("kind", E, choices=COURSE_KINDS, doc="course (default) or programme"),
                _f("provider", T, doc="the LMS or training vendor"),
                _f("hours", D),
                _f("description", T),
            ),
            doc="A training course or programme (from an LMS catalogue or entered).",
        ),
        FactEntity(
            "enrollment",
            "enrollments",
            (
                _f("person", R, required=True, ref="person"),
                _f("course", R, required=True, ref="course"),
                _f("status", E, required=True, choices=ENROLLMENT_STATUSES),
                _f("enrolled_on", DT),
                _f("due_on", DT),
                _f("completed_on", DT),
                _f("score", D, doc="the LMS score, e.g. 0-100"),
            ),
            key=("person", "course"),
            doc="A person on a course: enrolled, completed (with date and score) or withdrawn; one row "
            "per person and course, so an LMS re-import updates it.",
        ),
        FactEntity(
            "exchange_rate",
            "exchange_rates",
            (
                _f("from_currency", T, required=True),
                _f("to_currency", T, required=True),
                _f("valid_on", DT, required=True),
                _f("rate", D, required=True),
            ),
            key=("from_currency", "to_currency", "valid_on"),
            doc="A dated exchange rate.",
        ),
    )
}

# Order in which a multi-entity import writes, so references resolve.
# Periods are generated from the fiscal calendar, never imported, but goals refer to them by key.
PERIOD = FactEntity(
    "period",
    "periods",
    (
        _f("key", T, required=True),
        _f("kind", T, required=True),
        _f("fiscal_year", INT, required=True),
        _f("number", INT, required=True),
        _f("start_on", DT, required=True),
        _f("end_on", DT, required=True),
    ),
    key=("key",),
    doc="A fiscal month, quarter or year of the default calendar; half-open [start_on, end_on).",
)

LOAD_ORDER: tuple[str, ...] = (
    "person",
    "team",
    "territory",
    "account",
    "territory_account",
    "assignment",
    "product",
    "opportunity",
    "opportunity_stage",
    "order",
    "credit_split",
    "payment",
    "goal",
    "cost",
    "exchange_rate",
    "course",
    "enrollment",
)


def entity(name: str) -> FactEntity:
    if name == "period":
        return PERIOD
    try:
        return ENTITIES[name]
    except KeyError:
        raise InvalidInput(f"unknown entity '{name}'", hint=f"one of: {', '.join(ENTITIES)}") from None


def goal_scope_problem(scope_kind: str, person: object, team: object, territory: object) -> str | None:
    """Why a goal row's scope is inconsistent, or None when exactly the right reference is set."""
    given = {"person": person, "team": team, "territory": territory}
    present = sorted(k for k, v in given.items() if v not in (None, ""))
    expected = [] if scope_kind == "company" else [scope_kind]
    if present != expected:
        want = "no person, team or territory" if scope_kind == "company" else f"only '{scope_kind}'"
        return f"scope_kind '{scope_kind}' needs {want}, got {present or 'none'}"
    return None
