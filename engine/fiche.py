"""The fiche: the record of one porteur de projet's project, as technicians write it.

Its field names are the contract with technicians (YAML/JSON files, CSV columns, JSON output).
Validation needs the territory (a commune may be written by name) and, when known, the
structure ids of the rules: both are passed as pydantic validation context.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic import ValidationInfo as Info

from engine import activities, limits
from engine.errors import excerpt
from engine.i18n import N_, _, get_language
from engine.vocabulary import lenient, unknown
from engine.yamlsource import read_models

# Each vocabulary type accepts its id, its French label and the usual French words for it
# (engine.vocabulary.canonical): what is validated and stored is always the id.
Kind = Annotated[Literal["creation", "takeover", "development"], BeforeValidator(lenient("kind"))]
Nature = Annotated[Literal["artisanal", "commercial", "agricultural", "liberal"], BeforeValidator(lenient("nature"))]
_NeedId = Literal[
    "business_plan",
    "training",
    "legal_status",
    "honour_loan",
    "microcredit",
    "bank_loan",
    "guarantee",
    "grant",
    "premises",
    "land",
    "housing",
    "spouse_job",
    "activity_test",
    "cooperative",
    "takeover_search",
    "transmission",
    "farm_installation",
    "investment",
    "post_creation",
]
Need = Annotated[_NeedId, BeforeValidator(lenient("need"))]
Public = Annotated[
    Literal["job_seeker", "no_bank_access", "benefit_recipient", "young", "farmer"], BeforeValidator(lenient("public"))
]
FarmLink = Annotated[Literal["extension", "on_farm", "equestrian"], BeforeValidator(lenient("farm_link"))]
Stage = Annotated[
    Literal["idea", "study", "financing", "installed", "follow_up", "developed", "on_hold", "abandoned", "redirected"],
    BeforeValidator(lenient("stage")),
]

FICHE_ID_PATTERN = rf"^F-\d{{4}}-\d{{4,{limits.ID_DIGITS}}}$"
OFFER_ID_PATTERN = rf"^O-\d{{4}}-\d{{4,{limits.ID_DIGITS}}}$"

#: The longest text each field may hold (the store's columns: engine/limits.py).
TEXT_LIMITS = {
    "name": limits.SHORT_TEXT_LENGTH,
    "email": limits.EMAIL_LENGTH,
    "phone": limits.PHONE_LENGTH,
    "summary": limits.TEXT_LENGTH,
    "commune": limits.SHORT_TEXT_LENGTH,
    "naf": limits.SHORT_TEXT_LENGTH,
}


class Porteur(BaseModel):
    """The porteur de projet. Name, email and phone are personal data: see ``consent_network``."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    consent_network: bool = Field(
        default=False, description=N_("the porteur agreed that the fiche is shared with the whole network")
    )

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("name", "email", "phone", mode="after")
    @classmethod
    def _storable(cls, value: str | None, info: Info) -> str | None:
        return storable_text(value, info)

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalise_email(value)

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value)


class Fiche(BaseModel):
    """A project record (fiche): who, where, what kind of project, what it needs, where it stands."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=FICHE_ID_PATTERN, description=N_("F-YYYY-NNNN, assigned by the store"))
    received: dt.date = Field(description=N_("date of the first contact"))
    received_by: str | None = Field(default=None, description=N_("structure id that met the porteur"))
    summary: str = ""
    porteur: Porteur = Field(default_factory=Porteur)
    commune: str = Field(description=N_("INSEE code, or an unambiguous commune name"))
    kind: Kind
    naf: str | None = Field(default=None, description=N_("NAF rév. 2 code, e.g. 10.71C"))
    nature: Nature | None = Field(default=None, description=N_("derived from naf when not given"))
    employees: int | None = Field(default=None, ge=0, le=limits.MAX_EMPLOYEES, description=N_("planned headcount"))
    artisan_registered: bool | None = Field(
        default=None,
        description=N_(
            "already registered at the répertoire des métiers (droit de suite); "
            "unset: presumed for a development, not for a creation or a takeover"
        ),
    )
    farm_link: FarmLink | None = Field(
        default=None,
        description=N_("how the activity is tied to a farm (Code rural L311-1): extension, on_farm, equestrian"),
    )
    needs: list[Need] = []
    publics: list[Public] = []
    stage: Stage = "idea"
    lead: str | None = Field(default=None, description=N_("the référent structure"))
    supporting: list[str] = []
    installed_on: dt.date | None = None
    follow_up_by: str | None = None
    held_from: Stage | None = None
    offer: str | None = Field(
        default=None, pattern=OFFER_ID_PATTERN, description=N_("the activity offer the project came from (O-YYYY-NNNN)")
    )

    _nature_finding: activities.NatureFinding | None = PrivateAttr(default=None)
    _nature_derived: bool = PrivateAttr(default=False)
    _source: str = PrivateAttr(default="")

    @field_validator("commune", mode="before")
    @classmethod
    def _resolve_commune(cls, value: Any, info: Info) -> Any:
        return resolve_commune(value, info)

    @field_validator("summary", "commune", "naf", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: Info) -> Any:
        return storable_text(value, info) if isinstance(value, str) else value

    @field_validator("employees", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(
                _("'employees' must be a whole number (the planned headcount), got '{value}'").format(
                    value=str(value).lower()
                )
            )
        return value

    @field_validator("received", "installed_on", mode="after")
    @classmethod
    def _sane_date(cls, value: dt.date | None, info: Info) -> dt.date | None:
        if value is not None:
            problem = limits.check_date(value, info.field_name or "date", today=(info.context or {}).get("today"))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("naf", mode="before")
    @classmethod
    def _check_naf(cls, value: Any) -> Any:
        return check_naf(value)

    @field_validator("received_by", "lead", "follow_up_by", mode="after")
    @classmethod
    def _check_structure(cls, value: str | None, info: Info) -> str | None:
        structures = (info.context or {}).get("structures")
        if value is not None:
            check_structure_id(value, info.field_name or "structure")
        if value is not None and structures is not None and value not in structures:
            raise ValueError(unknown("structure", value, sorted(structures)))
        return value

    @field_validator("supporting", mode="after")
    @classmethod
    def _check_supporting(cls, value: list[str], info: Info) -> list[str]:
        structures = (info.context or {}).get("structures")
        for sid in value:
            check_structure_id(sid, "supporting")
        if structures is not None:
            for sid in value:
                if sid not in structures:
                    raise ValueError(unknown("structure", sid, sorted(structures)))
        return list(dict.fromkeys(value))

    @field_validator("needs", "publics", mode="after")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _derive_nature(self) -> Fiche:
        farm = activities.farm_nature(self.farm_link, self.publics)
        if farm is not None and self.nature not in (None, farm):
            raise ValueError(
                _("nature '{nature}' contradicts farm_link '{link}': {why}; remove 'nature:' or 'farm_link:'").format(
                    nature=self.nature, link=self.farm_link, why=activities.farm_reason(self.farm_link)
                )
            )
        if self.naf:
            self._nature_finding = activities.nature_of(self.naf)
        if farm is not None and self.nature is None:
            self.nature = farm  # type: ignore[assignment]
        elif self.naf and self.nature is None:
            assert self._nature_finding is not None
            self.nature = self._nature_finding.nature  # type: ignore[assignment]
            self._nature_derived = True
        if self.artisan_registered and self.kind == "creation":
            raise ValueError(
                _(
                    "artisan_registered: a creation is a new firm, it cannot be registered at the répertoire des "
                    "métiers yet; remove the field or change 'kind'"
                )
            )
        if self.lead and self.lead in self.supporting:
            raise ValueError(
                _("structure '{structure}' cannot be both lead and supporting").format(structure=self.lead)
            )
        return self

    @property
    def effective_nature(self) -> str | None:
        """The nature routing uses: a new artisanal firm above ten employees is handled as commercial;
        a registered one keeps the CMA (droit de suite, :func:`engine.activities.effective_nature`)."""
        nature = self.nature
        if nature != "artisanal":
            return nature  # routing asks for every fiche: only an artisanal nature depends on the rest
        return activities.effective_nature(nature, self.employees, self.kind, self.artisan_registered)

    def nature_reasons(self) -> list[str]:
        """Why the routing nature is what it is, when a fact of the fiche (not the NAF code) decided it."""
        if not self.farm_link and (
            self.nature != "artisanal" or (self.employees or 0) <= activities.ARTISAN_MAX_EMPLOYEES
        ):
            return []  # routing asks for every fiche: the common case without a call (nature_reason's own test)
        out = []
        if self.farm_link and activities.farm_nature(self.farm_link, self.publics) == self.nature:
            out.append(
                _("nature {nature} (agricole): {why}").format(
                    nature=self.nature, why=activities.farm_reason(self.farm_link)
                )
            )
        reason = activities.nature_reason(self.nature, self.employees, self.kind, self.artisan_registered)
        if reason:
            out.append(reason)
        return out

    def nature_to_confirm(self) -> dict[str, str] | None:
        """The question a technician (or the web form) asks when the NAF code leaves the nature uncertain:
        ``{"naf", "nature", "matched", "note"}``, or None when the nature is sure or was written."""
        # Read from the private dict directly: ``self._x`` goes through pydantic's __getattr__, which
        # costs more than the rest of this method and routing calls it for every fiche.
        private = self.__pydantic_private__
        if not private or not private.get("_nature_derived"):
            return None
        finding = private.get("_nature_finding")
        if finding and finding.needs_confirmation:
            return {"naf": self.naf or "", "nature": finding.nature, "matched": finding.matched, "note": finding.note}
        return None

    @property
    def source(self) -> str:
        """Where the fiche was read from (file, file#index, or 'stdin'); '' when built in code."""
        return self._source

    def notices(self) -> list[str]:
        """Things a technician should confirm, which are not errors."""
        return self._notices(self.nature_to_confirm())

    def routing_facts(self, language: str | None = None) -> tuple[list[str], list[str], dict[str, str] | None]:
        """What routing says of the fiche itself, in one pass (it asks for every fiche):
        ``(nature_reasons(), notices(), nature_to_confirm())``; ``language``: the language in force, when
        the caller has read it already (the notice is memoised per language)."""
        # The common cases without a call: no nature to confirm (or only that) and no reason of the
        # fiche's own facts (farm link, artisanal headcount) — see nature_to_confirm (its test of the finding,
        # NatureFinding.needs_confirmation, inlined) and nature_reasons.
        private = self.__pydantic_private__
        finding = private.get("_nature_finding") if private and private.get("_nature_derived") else None
        plain = not self.farm_link and (
            self.nature != "artisanal" or (self.employees or 0) <= activities.ARTISAN_MAX_EMPLOYEES
        )
        if finding is None or not (finding.partial or finding.matched.startswith("section")):
            if plain:
                return [], [], None
            return self.nature_reasons(), self._notices(None), None
        naf = self.naf or ""
        confirm = {"naf": naf, "nature": finding.nature, "matched": finding.matched, "note": finding.note}
        if plain:
            notice = _confirm_notice(naf, finding.nature, finding.matched, finding.note, language or get_language())
            return [], [notice], confirm
        return self.nature_reasons(), self._notices(confirm), confirm

    def _notices(self, confirm: dict[str, str] | None) -> list[str]:
        out = []
        if confirm:
            out.append(
                _confirm_notice(confirm["naf"], confirm["nature"], confirm["matched"], confirm["note"], get_language())
            )
        elif not self.farm_link and (
            self.nature != "artisanal" or (self.employees or 0) <= activities.ARTISAN_MAX_EMPLOYEES
        ):
            return out  # routing asks for every fiche: the common case without the calls below
        out += self.nature_reasons()
        if self.farm_link in ("extension", "on_farm") and "farmer" not in self.publics:
            out.append(
                _(
                    "farm_link '{link}': Code rural L311-1 makes the activity agricultural only when the "
                    "porteur is a farmer; add 'farmer' to 'publics' if the porteur farms"
                ).format(link=self.farm_link)
            )
        return out

    def label(self) -> str:
        """How the fiche is named in messages: its id, else its source."""
        return self.id or (self.__pydantic_private__ or {}).get("_source") or "fiche"


@lru_cache(maxsize=1024)
def _confirm_notice(naf: str, nature: str, matched: str, note: str, language: str) -> str:
    """The notice asking to confirm a nature the NAF code leaves uncertain, in ``language`` (the
    language in force: the cache key; routing says it for every such fiche)."""
    return _(
        "NAF {naf}: nature '{nature}' comes from {matched} ({note}); "
        "confirm it with the porteur and write 'nature:' in the fiche"
    ).format(naf=naf, nature=nature, matched=matched, note=note)


def check_structure_id(value: str, field: str) -> None:
    """A structure id fits its column and holds no NUL character (checked before it is looked up)."""
    problem = limits.check_text(value, limits.STRUCTURE_LENGTH, field)
    if problem:
        raise ValueError(problem)


def storable_text(value: str | None, info: Info) -> str | None:
    """A text field's validator: no NUL character, no longer than its column (engine/limits.py)."""
    if value is None:
        return None
    name = info.field_name or "text"
    problem = limits.check_text(value, TEXT_LIMITS.get(name, limits.TEXT_LENGTH), name)
    if problem:
        raise ValueError(problem)
    return value


#: An address in the common shape ``prenom.nom@example.org``: a dot-atom local part of letters (ASCII or
#: Latin-1, as in ``hélène``), digits and ``_+-`` (no two dots, no dot at either end), a lower-case ASCII
#: domain of at least two labels, each starting and ending with a letter or digit, the last ending with a
#: letter.  email-validator accepts every such address and normalises it to itself (see :func:`_plain_email`),
#: so they skip it: its RFC patterns cost about as much to compile at import as a whole cold ``suggest``
#: spends on the fiche, and ``fiche import`` validates one address per row.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+\-À-ÖØ-öø-ÿ]+(?:\.[A-Za-z0-9_+\-À-ÖØ-öø-ÿ]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z0-9][a-z0-9-]*)?[a-z]"
)
#: Local parts email-validator lower-cases (RFC 2142 mailbox names) and top-level names it refuses
#: (special use): such addresses take the full path.  A test holds these to email-validator's own lists.
_MAILBOX_NAMES = frozenset(
    {"info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster", "hostmaster", "usenet",
     "news", "webmaster", "www", "uucp", "ftp"}
)  # fmt: skip
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def _plain_email(value: str) -> str | None:
    """``value`` when it is an address of the common shape email-validator leaves as it is, else None."""
    if len(value.encode("utf-8")) > 254 or not _PLAIN_EMAIL.fullmatch(value):
        return None
    local, domain = value.split("@")
    if len(local) > 64 or local.lower() in _MAILBOX_NAMES or len(domain) > 253 or "--" in domain:
        return None
    labels = domain.split(".")
    if labels[-1] in _SPECIAL_USE or any(len(label) > 63 for label in labels):
        return None
    return value


@lru_cache(maxsize=4096)
def normalise_email(value: str | None) -> str | None:
    """An e-mail address checked by email-validator (syntax only, no network) and normalised."""
    if value is None or not value.strip():
        return None
    plain = _plain_email(value.strip())
    if plain is not None:
        return plain
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        message = _("'{value}' is not an e-mail address: write it like prenom.nom@example.org")
        raise ValueError(message.format(value=excerpt(value))) from None


#: A French number written the usual ways (``04 73 82 00 00``, ``04.73.82.00.00``, ``0473820000``) outside
#: the 08 numbers: phonenumbers writes every one as ``0X XX XX XX XX`` (see :func:`_plain_phone`).
_PLAIN_PHONE = re.compile(r"0([1-79])([ .-]?)([0-9]{2})\2([0-9]{2})\2([0-9]{2})\2([0-9]{2})")


def _plain_phone(value: str) -> str | None:
    """``0X XX XX XX XX`` for a French number of the usual shape (what phonenumbers gives it), else None."""
    match = _PLAIN_PHONE.fullmatch(value)
    if match is None:
        return None
    first, _separator, *pairs = match.groups()
    return " ".join([f"0{first}", *pairs])


@lru_cache(maxsize=4096)
def normalise_phone(value: str | None) -> str | None:
    """A phone number parsed by phonenumbers (French unless it starts with +) and written the usual way:
    ``04 73 82 00 00`` for a French number, ``+32 2 123 45 67`` for another country's."""
    if value is None or not value.strip():
        return None
    plain = _plain_phone(value.strip())
    if plain is not None:
        return plain
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        message = _("'{value}' is not a phone number: write it like 04 73 82 00 00 or +33 4 73 82 00 00")
        raise ValueError(message.format(value=excerpt(value)))
    style = phonenumbers.PhoneNumberFormat
    french = phonenumbers.region_code_for_number(number) == "FR" or number.country_code == 33
    return phonenumbers.format_number(number, style.NATIONAL if french else style.INTERNATIONAL)


def resolve_commune(value: Any, info: Info) -> Any:
    """A commune field's validator: a code or name becomes the INSEE code (territory from the context).

    Shared by every record that names a commune (fiches, offers), so they all accept the same input.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            _('commune code {code} must be written in quotes ("{quoted}") so it stays a code').format(
                code=value, quoted=f"{value:05d}"
            )
        )
    territory = (info.context or {}).get("territory")
    if territory is None or not isinstance(value, str):
        return value
    return territory.resolve(value).insee


def check_naf(value: Any) -> str | None:
    """A NAF field's validator: normalised (``1071c`` → ``10.71C``) and checked against the nomenclature."""
    if value is None or value == "":
        return None
    code = activities.normalize_code(str(value))
    if code not in activities.naf_codes():
        raise ValueError(_("unknown NAF code '{code}'{hint}").format(code=value, hint=_naf_hint(code)))
    return code


def _naf_hint(code: str) -> str:
    codes = activities.nomenclature()
    near = [c for c in codes if c.startswith(code[:5])][:3] or [c for c in codes if c.startswith(code[:2])][:3]
    if near:
        return _(" (did you mean {codes}?)").format(codes=", ".join(near))
    return _(" (expected a code such as 10.71C, or find it with 'capactif naf search WORDS')")


# --- reading fiches ------------------------------------------------------------------------------


def context(territory: Any = None, structures: Iterable[str] | None = None) -> dict[str, Any]:
    """The validation context of a fiche: the territory and the known structure ids."""
    return {"territory": territory, "structures": frozenset(structures) if structures is not None else None}


def read_fiches(
    paths: Iterable[str | Path], ctx: dict[str, Any], stdin_text: str | None = None, *, to_store: bool = False
) -> list[Fiche]:
    """Read every fiche of every file ('-' is standard input); all problems of all files at once.

    ``to_store``: each fiche must also hold what its stage needs (the lifecycle's guards of the moves
    that lead there: a référent past ``idea``, an installation date, ``held_from`` when paused), as
    ``fiche add`` and ``fiche import`` require — so ``fiche check`` refuses exactly what they refuse,
    each problem at its line (issue 14: a fiche at ``developed`` without référent passed the check).
    """
    return read_models(paths, Fiche, ctx, "fiche", stdin_text, also=_stage_needs if to_store else None)


def _stage_needs(fiche: Fiche) -> list[tuple[str, str]]:
    from engine.lifecycle import state_problems

    return state_problems(fiche.model_dump(mode="json"))
