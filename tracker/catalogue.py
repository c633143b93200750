"""Load and validate the recommendation catalogue and the organisations.

Both are data reviewed like code: ``recommendations.yaml`` at the top of the repository and
``tracker/data/organisations.yaml`` in the package. A malformed file fails with the file, the
entry and the field named, so an administrator can correct it and reload.
"""

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tracker.text import TextError, check_url, clean_text

PACKAGE_DIR = Path(__file__).resolve().parent
ORGANISATIONS_FILE = PACKAGE_DIR / "data" / "organisations.yaml"
# The catalogue sits at the top of the repository; TRACKER_CATALOGUE may point elsewhere.
DEFAULT_CATALOGUE_FILE = PACKAGE_DIR.parent / "recommendations.yaml"


class Owner(StrEnum):
    """The three owner groups a recommendation is addressed to."""

    CHIEF_CONSTABLES = "chief_constables"
    POLICING_BODIES = "policing_bodies"
    GOVERNMENT = "government"

    @property
    def label(self) -> str:
        return OWNER_LABELS[self]


OWNER_LABELS: dict[Owner, str] = {
    Owner.CHIEF_CONSTABLES: "Chief constables",
    Owner.POLICING_BODIES: "Policing bodies",
    Owner.GOVERNMENT: "Government",
}


class OrganisationKind(StrEnum):
    FORCE = "force"
    LOCAL_POLICING_BODY = "local_policing_body"
    ROCU = "rocu"
    POLICING_BODY = "policing_body"
    GOVERNMENT = "government"

    @property
    def label(self) -> str:
        return {
            "force": "Police force",
            "local_policing_body": "Local policing body",
            "rocu": "Regional organised crime unit",
            "policing_body": "National policing body",
            "government": "Government department",
        }[self.value]


# Addressee groups a recommendation may name instead of listing organisations one by one.
ADDRESSEE_GROUPS: dict[str, OrganisationKind] = {
    "all_forces": OrganisationKind.FORCE,
    "all_local_policing_bodies": OrganisationKind.LOCAL_POLICING_BODY,
    "all_rocus": OrganisationKind.ROCU,
}

SLUG = r"^[a-z0-9_]+$"


class CatalogueError(ValueError):
    """A catalogue or organisations file is malformed; the message says where."""


class UnknownOrganisationError(LookupError):
    """A name matches no organisation; the message suggests the nearest names."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown organisation {name!r}.{hint}")


class UnknownRegionError(LookupError):
    """A name matches none of the ten regions."""


# --- Organisations -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionEntry(_Strict):
    id: str = Field(pattern=SLUG)
    name: str


class ForceEntry(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    region: str
    country: Literal["England", "Wales"]
    aliases: tuple[str, ...] = ()
    local_policing_body: str


class NationalBodyEntry(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    kind: Literal["policing_body", "government"]
    aliases: tuple[str, ...] = ()


class RocuEntry(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    region: str
    aliases: tuple[str, ...] = ()


class OrganisationsFile(_Strict):
    regions: tuple[RegionEntry, ...]
    forces: tuple[ForceEntry, ...]
    national_bodies: tuple[NationalBodyEntry, ...]
    rocus: tuple[RocuEntry, ...]

    @model_validator(mode="after")
    def _regions_exist(self) -> "OrganisationsFile":
        region_ids = {r.id for r in self.regions}
        placed: list[ForceEntry | RocuEntry] = [*self.forces, *self.rocus]
        for entry in placed:
            if entry.region not in region_ids:
                raise ValueError(f"{entry.id}: unknown region {entry.region!r}")
        return self


@dataclass(frozen=True)
class Organisation:
    """An organisation that can be accountable for a recommendation."""

    id: str
    name: str
    kind: OrganisationKind
    region_id: str | None = None
    region: str | None = None
    country: str | None = None
    force_id: str | None = None  # for a local policing body: the force area it oversees
    aliases: tuple[str, ...] = ()


def _normalise(name: str) -> str:
    text = name.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@dataclass(frozen=True)
class Directory:
    """Every organisation and region, with name matching for user input."""

    regions: tuple[RegionEntry, ...]
    organisations: tuple[Organisation, ...]
    source: Path = ORGANISATIONS_FILE
    _index: dict[str, Organisation] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for org in self.organisations:
            for key in (org.id, org.name, *org.aliases):
                normal = _normalise(key)
                existing = self._index.get(normal)
                if existing is not None and existing.id != org.id:
                    raise CatalogueError(
                        f"{self.source}: the name {key!r} is used by both "
                        f"{existing.id!r} and {org.id!r}"
                    )
                self._index[normal] = org

    def by_id(self, org_id: str) -> Organisation:
        for org in self.organisations:
            if org.id == org_id:
                return org
        raise UnknownOrganisationError(org_id, self.suggest(org_id))

    def of_kind(self, kind: OrganisationKind) -> list[Organisation]:
        return [o for o in self.organisations if o.kind == kind]

    @property
    def forces(self) -> list[Organisation]:
        return self.of_kind(OrganisationKind.FORCE)

    def resolve(self, name: str) -> Organisation:
        """Find an organisation by id, official name or alias ("Kent", "GMP", "the Met")."""
        found = self._index.get(_normalise(name))
        if found is None:
            raise UnknownOrganisationError(name, self.suggest(name))
        return found

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        keys = list(self._index)
        matches = difflib.get_close_matches(_normalise(name), keys, n=limit * 3, cutoff=0.6)
        names: list[str] = []
        for key in matches:
            official = self._index[key].name
            if official not in names:
                names.append(official)
        return names[:limit]

    def resolve_region(self, name: str) -> RegionEntry:
        wanted = _normalise(name)
        for region in self.regions:
            if wanted in (_normalise(region.id), _normalise(region.name)):
                return region
        choices = [r.name for r in self.regions]
        close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
        hint = (
            f" Did you mean: {', '.join(close)}?" if close else f" Regions: {', '.join(choices)}."
        )
        raise UnknownRegionError(f"Unknown region {name!r}.{hint}")


def _lpb_aliases(force: ForceEntry) -> tuple[str, ...]:
    short = force.aliases[0] if force.aliases else force.name
    return (f"{short} PCC", f"{force.name} PCC")


def directory_from_file(data: OrganisationsFile, source: Path = ORGANISATIONS_FILE) -> Directory:
    region_names = {r.id: r.name for r in data.regions}
    orgs: list[Organisation] = []
    for force in data.forces:
        orgs.append(
            Organisation(
                id=force.id,
                name=force.name,
                kind=OrganisationKind.FORCE,
                region_id=force.region,
                region=region_names[force.region],
                country=force.country,
                aliases=force.aliases,
            )
        )
    for force in data.forces:
        orgs.append(
            Organisation(
                id=f"lpb_{force.id}",
                name=force.local_policing_body,
                kind=OrganisationKind.LOCAL_POLICING_BODY,
                region_id=force.region,
                region=region_names[force.region],
                country=force.country,
                force_id=force.id,
                aliases=_lpb_aliases(force),
            )
        )
    for rocu in data.rocus:
        orgs.append(
            Organisation(
                id=rocu.id,
                name=rocu.name,
                kind=OrganisationKind.ROCU,
                region_id=rocu.region,
                region=region_names[rocu.region],
                aliases=rocu.aliases,
            )
        )
    for body in data.national_bodies:
        orgs.append(
            Organisation(
                id=body.id, name=body.name, kind=OrganisationKind(body.kind), aliases=body.aliases
            )
        )
    return Directory(regions=data.regions, organisations=tuple(orgs), source=source)


# --- Recommendations ---------------------------------------------------------------------


class ReportEntry(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    short_title: str
    publisher: str
    published: date
    url: str


class SourceEntry(_Strict):
    """A public page that confirms something about a recommendation, and when it was read."""

    url: str
    confirms: str = Field(min_length=1)
    read: date | Literal["not read"]

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        try:
            return check_url(url)
        except TextError as exc:
            raise ValueError(str(exc)) from None


@dataclass(frozen=True)
class Source:
    """Where a recommendation's wording comes from: the page, what it confirms, when read."""

    url: str
    confirms: str
    read: date | None  # None: named but not read

    @property
    def read_text(self) -> str:
        return self.read.isoformat() if self.read else "not read"

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "confirms": self.confirms, "read": self.read_text}

    @classmethod
    def from_dict(cls, raw: dict[str, str]) -> "Source":
        read = raw.get("read", "not read")
        return cls(
            url=raw["url"],
            confirms=raw.get("confirms", ""),
            read=None if read == "not read" else date.fromisoformat(read),
        )


class RecommendationEntry(_Strict):
    id: str = Field(pattern=r"^R[0-9]+$")
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    owner: Owner
    addressees: tuple[str, ...] = Field(min_length=1)
    deadline: date | None
    deadline_note: str | None = None
    themes: tuple[str, ...] = ()
    verified: bool
    notes: str | None = None
    sources: tuple[SourceEntry, ...] = ()

    @field_validator("themes")
    @classmethod
    def _theme_slugs(cls, themes: tuple[str, ...]) -> tuple[str, ...]:
        for theme in themes:
            if not re.match(SLUG, theme):
                raise ValueError(f"theme {theme!r} must be a lowercase slug")
        return themes

    @model_validator(mode="after")
    def _consistent(self) -> "RecommendationEntry":
        if self.id != f"R{self.number}":
            raise ValueError(f"id {self.id!r} does not match number {self.number}")
        if not self.verified and not (self.notes and self.notes.strip()):
            raise ValueError("an unverified recommendation needs notes saying what is uncertain")
        return self


class CatalogueFile(_Strict):
    report: ReportEntry
    recommendations: tuple[RecommendationEntry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Recommendation:
    """One recommendation of a report, with the organisations accountable for it."""

    report_id: str
    id: str
    number: int
    title: str
    summary: str
    owner: Owner
    addressees: tuple[str, ...]
    accountable: tuple[str, ...]  # organisation ids, expanded from the addressees
    deadline: date | None
    deadline_note: str | None
    themes: tuple[str, ...]
    verified: bool
    notes: str | None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    report: ReportEntry
    recommendations: tuple[Recommendation, ...]

    def get(self, rec_id: str) -> Recommendation:
        wanted = normalise_recommendation_id(rec_id)
        for rec in self.recommendations:
            if rec.id == wanted:
                return rec
        raise LookupError(
            f"Unknown recommendation {rec_id!r}; "
            f"this report has R1 to R{len(self.recommendations)}."
        )


UNVERIFIED_MARKER = "Wording to be confirmed against the published report"


def normalise_recommendation_id(value: str | int) -> str:
    """Accept "R5", "r5", "5" or 5 and answer "R5"."""
    text = str(value).strip().upper()
    if text.startswith("R"):
        text = text[1:]
    if not (text.isascii() and text.isdigit()):
        raise LookupError(f"{value!r} is not a recommendation number (use R5 or 5).")
    return f"R{int(text)}"


# Longest text a catalogue field may hold (a summary is a paragraph, not a chapter).
MAX_CATALOGUE_TEXT = 5_000


# libyaml's parser (PyYAML's wheels include it): the same safe loading as ``yaml.SafeLoader``,
# many times faster (the organisations file is read by every CLI command).
class _CatalogueLoader(yaml.CSafeLoader):
    """Safe YAML that refuses a key given twice in one entry (the second would silently win)
    and leaves dates as text, so an impossible date is reported with its entry and field."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                entry = next(
                    (
                        v.value
                        for k, v in node.value
                        if isinstance(k, yaml.ScalarNode)
                        and k.value == "id"
                        and isinstance(v, yaml.ScalarNode)
                    ),
                    None,
                )
                where = f"entry {entry}, " if entry else ""
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"{where}field {key!r} appears twice in the same entry "
                    f"(line {key_node.start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Dates stay strings: pydantic checks them against each field, naming entry and field.
_CatalogueLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> Any:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_CatalogueLoader)
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 text") from exc
    except yaml.constructor.ConstructorError as exc:
        raise CatalogueError(f"{path}: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    problems = list(_text_problems(raw, ()))
    if problems:
        lines = [f"{path}: {len(problems)} problem(s)"]
        lines += [f"  {where}: {message}" for where, message in problems]
        raise CatalogueError("\n".join(lines))
    return raw


def _text_problems(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, str]]:
    """Every text value that breaks the typed-text rules (``tracker.text.clean_text``)."""
    if isinstance(value, str):
        try:
            clean_text(value, max_length=MAX_CATALOGUE_TEXT)
        except TextError as exc:
            yield _where(path), str(exc)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_problems(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            entry_id = item.get("id") if isinstance(item, dict) else None
            yield from _text_problems(item, (*path, (index, entry_id)))


def _where(path: tuple[Any, ...]) -> str:
    """``entry R3 (item 3), field 'summary'`` from a path into the raw YAML."""
    parts: list[str] = []
    fields: list[str] = []
    for part in path:
        if isinstance(part, tuple):
            index, entry_id = part
            parts.append(f"entry {entry_id or '?'} (item {index + 1})")
            fields = []
        else:
            fields.append(str(part))
    if fields:
        parts.append(f"field {'.'.join(fields)!r}")
    return ", ".join(parts)


def _describe(path: Path, exc: ValidationError, raw: Any) -> str:
    """Name the file, the entry (by its id where it has one) and the field of each problem."""
    lines = [f"{path}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and isinstance(loc[1], int):
            items = raw.get(str(loc[0])) if isinstance(raw, dict) else None
            index = loc[1]
            entry_id = None
            if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
                entry_id = items[index].get("id")
            label = "entry" if loc[0] == "recommendations" else f"{loc[0]} entry"
            where = f"{label} {entry_id or '?'} (item {index + 1})"
            loc = loc[2:]
        field_name = ".".join(str(part) for part in loc) or "(whole entry)"
        prefix = f"{where}, " if where else ""
        lines.append(f"  {prefix}field {field_name!r}: {error['msg']}")
    return "\n".join(lines)


def load_directory(path: Path = ORGANISATIONS_FILE) -> Directory:
    raw = _read_yaml(path)
    try:
        data = OrganisationsFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(_describe(path, exc, raw)) from exc
    return directory_from_file(data, source=path)


def expand_addressees(addressees: Iterable[str], directory: Directory) -> tuple[str, ...]:
    ids: list[str] = []
    for addressee in addressees:
        if addressee in ADDRESSEE_GROUPS:
            members = [o.id for o in directory.of_kind(ADDRESSEE_GROUPS[addressee])]
        else:
            members = [directory.by_id(addressee).id]
        ids.extend(m for m in members if m not in ids)
    return tuple(ids)


def load_catalogue(
    path: Path = DEFAULT_CATALOGUE_FILE, directory: Directory | None = None
) -> Catalogue:
    """Read and check a catalogue file; every addressee must name a known organisation or group."""
    directory = directory or load_directory()
    raw = _read_yaml(path)
    try:
        data = CatalogueFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(_describe(path, exc, raw)) from exc
    problems: list[str] = []
    seen: set[str] = set()
    recommendations: list[Recommendation] = []
    for index, entry in enumerate(data.recommendations):
        where = f"entry {entry.id} (item {index + 1})"
        if entry.id in seen:
            problems.append(f"  {where}, field 'id': {entry.id} appears more than once")
        seen.add(entry.id)
        try:
            accountable = expand_addressees(entry.addressees, directory)
        except UnknownOrganisationError as exc:
            problems.append(f"  {where}, field 'addressees': {exc}")
            continue
        recommendations.append(
            Recommendation(
                report_id=data.report.id,
                id=entry.id,
                number=entry.number,
                title=entry.title,
                summary=entry.summary.strip(),
                owner=entry.owner,
                addressees=entry.addressees,
                accountable=accountable,
                deadline=entry.deadline,
                deadline_note=entry.deadline_note,
                themes=entry.themes,
                verified=entry.verified,
                notes=entry.notes,
                sources=tuple(
                    Source(
                        url=s.url,
                        confirms=" ".join(s.confirms.split()),
                        read=None if s.read == "not read" else s.read,
                    )
                    for s in entry.sources
                ),
            )
        )
    if problems:
        raise CatalogueError("\n".join([f"{path}: {len(problems)} problem(s)", *problems]))
    return Catalogue(report=data.report, recommendations=tuple(recommendations))
