"""The fiche without pydantic: its ids, its fields' checks, what routing asks of it, and a plain validator.

:class:`engine.fiche.Fiche` (pydantic) is the fiche's reference model.  Defining any pydantic model costs a
cold command about as much as importing pydantic and click together (docs/performance.md, start-up), so
what routing needs of a fiche lives here, shared by both: :class:`FicheFacts` (the nature routing uses,
the notices, the label), the checks of single fields (e-mail, phone, NAF code, structure ids, texts that fit
their column), and :func:`plain_fiche`, which builds a :class:`PlainFiche` — the same values, the same
answers — for the fiches it is sure the model accepts as they are, and gives None for anything else: the
model then reads that fiche and says what is wrong, in its own words.  ``capactif suggest fiche.yaml``
reads fiches this way (:func:`engine.app.suggest.read_routing_fiches`); ``tests/test_plain_fiche.py``
compares both paths.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine import activities, limits
from engine.errors import excerpt
from engine.i18n import _, get_language
from engine.vocabulary import canonical

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


#: The fields of a fiche, in :class:`engine.fiche.Fiche`'s order (a test holds them equal).
FIELDS = (
    "id", "received", "received_by", "summary", "porteur", "commune", "kind", "naf", "nature", "employees",
    "artisan_registered", "farm_link", "needs", "publics", "stage", "lead", "supporting", "installed_on",
    "follow_up_by", "held_from", "offer",
)  # fmt: skip
FIELD_NAMES = frozenset(FIELDS)

#: The ids of each vocabulary of a fiche, as :mod:`engine.fiche`'s ``Literal`` types list them (a test holds
#: them equal).
KIND_IDS = frozenset({"creation", "takeover", "development"})
NATURE_IDS = frozenset({"artisanal", "commercial", "agricultural", "liberal"})
NEED_IDS = frozenset(
    {"business_plan", "training", "legal_status", "honour_loan", "microcredit", "bank_loan", "guarantee", "grant",
     "premises", "land", "housing", "spouse_job", "activity_test", "cooperative", "takeover_search", "transmission",
     "farm_installation", "investment", "post_creation"}
)  # fmt: skip
PUBLIC_IDS = frozenset({"job_seeker", "no_bank_access", "benefit_recipient", "young", "farmer"})
FARM_LINK_IDS = frozenset({"extension", "on_farm", "equestrian"})
STAGE_IDS = frozenset(
    {"idea", "study", "financing", "installed", "follow_up", "developed", "on_hold", "abandoned", "redirected"}
)


# --- what routing asks of a fiche ----------------------------------------------------------------


class FicheFacts:
    """What routing, notices and messages ask of a fiche, shared by :class:`engine.fiche.Fiche` and
    :class:`PlainFiche`: one code, so both give the same answers.

    The private values (``_nature_finding``, ``_nature_derived``, ``_source``) are read from
    ``__pydantic_private__``: pydantic's own dict of a model's private attributes (reading them as attributes
    goes through pydantic's ``__getattr__``, dearer than the rest of a method routing calls for every fiche);
    :class:`PlainFiche` keeps a dict of that name too.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # the fields of both classes that these methods read
        __pydantic_private__: dict[str, Any] | None
        id: str | None
        naf: str | None
        nature: str | None
        employees: int | None
        kind: str
        artisan_registered: bool | None
        farm_link: str | None
        publics: Sequence[str]

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
        return (self.__pydantic_private__ or {}).get("_source", "")

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


# --- field checks --------------------------------------------------------------------------------


def check_structure_id(value: str, field: str) -> None:
    """A structure id fits its column and holds no NUL character (checked before it is looked up)."""
    problem = limits.check_text(value, limits.STRUCTURE_LENGTH, field)
    if problem:
        raise ValueError(problem)


def check_storable(value: str, name: str) -> None:
    """A text of field ``name`` holds no NUL character and fits its column (engine/limits.py); ValueError otherwise."""
    problem = limits.check_text(value, TEXT_LIMITS.get(name, limits.TEXT_LENGTH), name)
    if problem:
        raise ValueError(problem)


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


def context(territory: Any = None, structures: Iterable[str] | None = None) -> dict[str, Any]:
    """The validation context of a fiche: the territory and the known structure ids."""
    return {"territory": territory, "structures": frozenset(structures) if structures is not None else None}


# --- the plain validator -------------------------------------------------------------------------


class PlainPorteur:
    """:class:`engine.fiche.Porteur`'s values, built by :func:`plain_fiche`."""

    __slots__ = ("consent_network", "email", "name", "phone")

    def __init__(
        self, name: str | None = None, email: str | None = None, phone: str | None = None, consent_network: bool = False
    ) -> None:
        self.name = name
        self.email = email
        self.phone = phone
        self.consent_network = consent_network


class PlainFiche(FicheFacts):
    """A fiche as :class:`engine.fiche.Fiche` would hold it, built without pydantic by :func:`plain_fiche`
    (the same fields, the same private values, the same methods for routing: :class:`FicheFacts`)."""

    __slots__ = (*FIELDS, "__pydantic_private__")

    id: str | None
    received: dt.date
    received_by: str | None
    summary: str
    porteur: PlainPorteur
    commune: str
    kind: str
    naf: str | None
    nature: str | None
    employees: int | None
    artisan_registered: bool | None
    farm_link: str | None
    needs: list[str]
    publics: list[str]
    stage: str
    lead: str | None
    supporting: list[str]
    installed_on: dt.date | None
    follow_up_by: str | None
    held_from: str | None
    offer: str | None
    __pydantic_private__: dict[str, Any] | None

    def __init__(self, values: Mapping[str, Any], private: dict[str, Any]) -> None:
        for name in FIELDS:
            setattr(self, name, values[name])
        self.__pydantic_private__ = private

    @property
    def _source(self) -> str:
        return (self.__pydantic_private__ or {}).get("_source", "")

    @_source.setter
    def _source(self, value: str) -> None:  # set by engine.yamlsource as on a pydantic fiche
        if self.__pydantic_private__ is None:
            self.__pydantic_private__ = {}
        self.__pydantic_private__["_source"] = value


class _NotPlain(Exception):
    """A value :func:`plain_fiche` leaves to the model (it may be valid in a form not checked here)."""


_MISSING = object()
_PORTEUR_FIELDS = frozenset({"name", "email", "phone", "consent_network"})
_FICHE_ID = re.compile(rf"F-[0-9]{{4}}-[0-9]{{4,{limits.ID_DIGITS}}}")
_OFFER_ID = re.compile(rf"O-[0-9]{{4}}-[0-9]{{4,{limits.ID_DIGITS}}}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plain_fiche(data: Any, ctx: Mapping[str, Any]) -> PlainFiche | None:
    """The fiche ``Fiche.model_validate(data, context=ctx)`` gives, as a :class:`PlainFiche`, when ``data`` is
    written in the plain forms checked here and valid; None for anything else (the model decides then).

    Plain forms: each field's own type (text, a whole number, true/false, a list), dates written
    ``YYYY-MM-DD``, ids in ASCII digits; words of a vocabulary, communes and e-mail addresses are read by
    the same functions as the model's validators.  Each check that refuses, and each form the model may
    accept otherwise (``employees: "3"``, ``consent_network: yes``), leaves the fiche to the model.
    """
    if type(data) is not dict or not FIELD_NAMES.issuperset(data):
        return None
    try:
        return _plain(data, ctx)
    except Exception:  # whatever a check refuses (ValueError, _NotPlain, ...): the model reads it and says why
        return None


def _text(value: Any, name: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if type(value) is not str:
        raise _NotPlain(name)
    check_storable(value, name)
    return value


def _word(kind: str, value: Any, ids: frozenset[str]) -> str:
    if type(value) is not str:
        raise _NotPlain(kind)
    found = canonical(kind, value)
    if found not in ids:
        raise _NotPlain(kind)
    return found


def _words(kind: str, value: Any, ids: frozenset[str]) -> list[str]:
    if type(value) is not list:
        raise _NotPlain(kind)
    return list(dict.fromkeys(_word(kind, item, ids) for item in value))


def _day(value: Any, name: str, today: dt.date | None) -> dt.date:
    if type(value) is str and _DATE.fullmatch(value):
        day = dt.date.fromisoformat(value)
    elif type(value) is dt.date:
        day = value
    else:
        raise _NotPlain(name)
    if limits.check_date(day, name, today=today):
        raise _NotPlain(name)
    return day


def _structure(value: Any, name: str, structures: frozenset[str] | None) -> str:
    if type(value) is not str:
        raise _NotPlain(name)
    check_structure_id(value, name)
    if structures is not None and value not in structures:
        raise _NotPlain(name)
    return value


def _porteur(value: Any) -> PlainPorteur:
    if value is _MISSING:
        return PlainPorteur()
    if type(value) is not dict or not _PORTEUR_FIELDS.issuperset(value):
        raise _NotPlain("porteur")
    name = _text(value.get("name"), "name")
    email = _text(value.get("email"), "email")
    if email is not None:
        email = normalise_email(email)
        _text(email, "email")
    phone = value.get("phone")
    if type(phone) is int:
        phone = str(phone)
    phone = _text(phone, "phone")
    if phone is not None:
        phone = normalise_phone(phone)
        _text(phone, "phone")
    consent = value.get("consent_network", False)
    if type(consent) is not bool:
        raise _NotPlain("consent_network")
    return PlainPorteur(name, email, phone, consent)


def _plain(data: dict[str, Any], ctx: Mapping[str, Any]) -> PlainFiche:
    get = data.get
    structures = ctx.get("structures")
    territory = ctx.get("territory")
    today = ctx.get("today")
    values: dict[str, Any] = dict.fromkeys(FIELDS)

    fiche_id = get("id")
    if fiche_id is not None and not (type(fiche_id) is str and _FICHE_ID.fullmatch(fiche_id)):
        raise _NotPlain("id")
    values["id"] = fiche_id
    values["received"] = _day(get("received"), "received", today)
    summary = get("summary", _MISSING)
    values["summary"] = "" if summary is _MISSING else _text(summary, "summary", optional=False)
    values["porteur"] = _porteur(get("porteur", _MISSING))
    commune = _text(get("commune"), "commune", optional=False)
    if territory is not None:
        commune = _text(territory.resolve(commune).insee, "commune")
    values["commune"] = commune
    values["kind"] = _word("kind", get("kind"), KIND_IDS)
    naf = _text(get("naf"), "naf")
    if naf is not None:
        naf = check_naf(naf)
        if naf is not None:
            _text(naf, "naf")
    values["naf"] = naf
    nature = get("nature")
    values["nature"] = None if nature is None else _word("nature", nature, NATURE_IDS)
    employees = get("employees")
    if employees is not None and not (type(employees) is int and 0 <= employees <= limits.MAX_EMPLOYEES):
        raise _NotPlain("employees")
    values["employees"] = employees
    registered = get("artisan_registered")
    if registered is not None and type(registered) is not bool:
        raise _NotPlain("artisan_registered")
    values["artisan_registered"] = registered
    farm_link = get("farm_link")
    values["farm_link"] = None if farm_link is None else _word("farm_link", farm_link, FARM_LINK_IDS)
    for name, kind, ids in (("needs", "need", NEED_IDS), ("publics", "public", PUBLIC_IDS)):
        given = get(name, _MISSING)
        values[name] = [] if given is _MISSING else _words(kind, given, ids)
    stage = get("stage", _MISSING)
    values["stage"] = "idea" if stage is _MISSING else _word("stage", stage, STAGE_IDS)
    for name in ("received_by", "lead", "follow_up_by"):
        given = get(name)
        values[name] = None if given is None else _structure(given, name, structures)
    supporting = get("supporting", _MISSING)
    if supporting is _MISSING:
        values["supporting"] = []
    elif type(supporting) is list:
        values["supporting"] = list(dict.fromkeys(_structure(s, "supporting", structures) for s in supporting))
    else:
        raise _NotPlain("supporting")
    installed_on = get("installed_on")
    values["installed_on"] = None if installed_on is None else _day(installed_on, "installed_on", today)
    held_from = get("held_from")
    values["held_from"] = None if held_from is None else _word("stage", held_from, STAGE_IDS)
    offer = get("offer")
    if offer is not None and not (type(offer) is str and _OFFER_ID.fullmatch(offer)):
        raise _NotPlain("offer")
    values["offer"] = offer

    # Fiche._derive_nature, step by step
    farm = activities.farm_nature(values["farm_link"], values["publics"])
    if farm is not None and values["nature"] not in (None, farm):
        raise _NotPlain("nature")
    naf = values["naf"]
    finding = activities.nature_of(naf) if naf else None
    derived = False
    if farm is not None and values["nature"] is None:
        values["nature"] = farm
    elif naf and values["nature"] is None:
        assert finding is not None
        values["nature"] = finding.nature
        derived = True
    if values["artisan_registered"] and values["kind"] == "creation":
        raise _NotPlain("artisan_registered")
    if values["lead"] and values["lead"] in values["supporting"]:
        raise _NotPlain("lead")
    return PlainFiche(values, {"_nature_finding": finding, "_nature_derived": derived, "_source": ""})
