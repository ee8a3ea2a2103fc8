"""Declared import mappings: small YAML files, validated with pydantic, that say how a file's columns
become fields of the fact entities in `attain.domain.facts`. The reference is docs/imports.md.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from attain.domain.errors import InvalidInput
from attain.domain.facts import ENTITIES, FieldType, entity

Scalar = str | int | float | bool

DEFAULT_DATE_FORMATS = ["%Y-%m-%d"]
DEFAULT_DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class FieldSpec(BaseModel):
    """Where one field's value comes from and how its text is read."""

    model_config = ConfigDict(extra="forbid")

    column: str | list[str] | None = None  # a list: the first of these columns the file has
    value: Scalar | None = None  # a constant for every row, instead of a column
    default: Scalar | None = None  # used when the cell is empty (after null_values)
    map: dict[str, Scalar | None] | None = None  # source text -> value; null maps to empty
    otherwise: Scalar | None = None  # value for a non-empty text the map does not list (else kept)
    null_values: list[str] | None = None  # texts meaning "empty" in this column (overrides the mapping's)
    date_formats: list[str] | None = None  # tried in order (overrides the mapping's)
    decimal_comma: bool | None = None  # "1.234,56" (overrides the mapping's)
    optional: bool = False  # the column may be missing from the file: the field is then empty

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' (read from the file) or 'value' (a constant)")
        return self

    def columns(self) -> list[str]:
        if self.column is None:
            return []
        return [self.column] if isinstance(self.column, str) else list(self.column)


class TargetSpec(BaseModel):
    """The rows of one entity that each source row yields."""

    model_config = ConfigDict(extra="forbid")

    entity: str
    fields: dict[str, FieldSpec]
    derived: bool = False  # dimension rows (e.g. owners): deduplicated by key, the first occurrence wins

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """`name: Opportunity Name` is short for `name: {column: Opportunity Name}`."""
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str | list) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> TargetSpec:
        if self.entity not in ENTITIES:
            raise ValueError(f"unknown entity '{self.entity}'; one of: {', '.join(ENTITIES)}")
        fact = entity(self.entity)
        unknown = [name for name in self.fields if name not in fact.field_names]
        if unknown:
            raise ValueError(
                f"{self.entity} has no field {unknown}; its fields: {', '.join(fact.field_names)}"
            )
        missing = [k for k in fact.key if k not in self.fields and fact.field(k).required]
        if missing:
            raise ValueError(f"{self.entity} needs its key {list(fact.key)}; map {missing}")
        for name, spec in self.fields.items():
            f = fact.field(name)
            if f.type is FieldType.MONEY and "currency" not in self.fields:
                raise ValueError(f"{self.entity}.{name} is money: map 'currency' too (a column or a value)")
            if spec.date_formats and f.type not in (FieldType.DATE, FieldType.DATETIME):
                raise ValueError(f"{self.entity}.{name} is {f.type}, not a date: date_formats do not apply")
        return self


class Mapping(BaseModel):
    """A whole mapping file: reading options plus the targets each row feeds."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    format: Literal["auto", "csv", "xlsx"] = "auto"
    sheet: str | None = None  # XLSX sheet name; the first sheet when empty
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    null_values: list[str] = Field(default_factory=lambda: [""])
    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS))
    datetime_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATETIME_FORMATS))
    decimal_comma: bool = False
    targets: list[TargetSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_main_target(self) -> Mapping:
        if all(t.derived for t in self.targets):
            raise ValueError("at least one target must not be derived: it is what each row is")
        return self

    def source_columns(self) -> list[str]:
        """Every column any field reads (a list counts by each of its names)."""
        seen: dict[str, None] = {}
        for t in self.targets:
            for spec in t.fields.values():
                seen.update(dict.fromkeys(spec.columns()))
        return list(seen)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_mapping(text: str, where: str) -> Mapping:
    """Validate a mapping's YAML text; errors name the file, line (for YAML) or path (for fields)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise InvalidInput(
            f"{where}{at}: not valid YAML: {getattr(exc, 'problem', exc)}",
            hint="check the indentation and quoting there",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{where}: a mapping file is a YAML dictionary with 'name' and 'targets'",
            hint="see docs/imports.md, 'Mapping files'",
        )
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"{where}: {problems}", hint="see docs/imports.md, 'Mapping files'") from None


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read mapping {path}: {exc.strerror}") from None
    return parse_mapping(text, str(path))


def builtin_mapping(name: str) -> Mapping:
    """A mapping shipped with Attain (`attain/app/imports/mappings/<name>.yaml`)."""
    package = resources.files("attain.app.imports") / "mappings" / f"{name}.yaml"
    if not package.is_file():
        raise InvalidInput(f"no built-in mapping '{name}'", hint=f"one of: {', '.join(builtin_mappings())}")
    return parse_mapping(package.read_text(encoding="utf-8"), f"built-in mapping {name}")


def builtin_mappings() -> list[str]:
    folder = resources.files("attain.app.imports") / "mappings"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
