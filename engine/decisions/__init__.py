"""The committee's decisions: the actions put to it and what it decided (the seed: "valider les actions").

The coordinator records an action put to the committee (a rules change to adopt, a promotion
operation, a training, another action) and, after the meeting, the committee's decision and its
date.  A published rules set may name the decision that adopted it (``rules publish --decision``).
Tables: :mod:`engine.decisions.tables`; functions over an open connection:
:mod:`engine.decisions.repository`.
"""

#: The kinds of action put to the committee, with their French label.
KINDS: dict[str, str] = {
    "rules_change": "modification des règles d'orientation",
    "promotion": "opération de promotion",
    "training": "formation",
    "other": "autre action",
}

#: What the committee decided, with the French label; ``pending`` until it has.
OUTCOMES: dict[str, str] = {
    "pending": "en attente",
    "adopted": "adoptée",
    "rejected": "rejetée",
    "postponed": "reportée",
}
