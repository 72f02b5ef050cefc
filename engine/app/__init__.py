"""The application layer: one function per use case, under every front end.

Front ends (the ``capactif`` command line in ``cli.py``, the web application in ``web/``) parse
their input, call ONE use case from a module of this package with a :class:`Workspace` and the
caller's :class:`Identity`, and render the typed result they get back.  The use cases do the
composition: open what they need once (through the workspace), call the feature packages, mask
porteurs' personal data for the caller, and record what must be recorded.

Layering (checked by tests/test_architecture.py)::

    front ends (cli.py, web/)  ->  engine.app  ->  feature packages  ->  store / rules / territory / fiche

Typical use::

    from engine.app import Workspace

    with Workspace.open(db=db_url, rules=rules_dir, as_=as_) as ws:
        who = ws.identity()                        # from --as / $CAPACTIF_AS, checked
        result = some_use_case(ws, who, ...)       # a dataclass, never a bare dict

The web application builds the identity from the signed-in account instead::

    who = Identity.of_structure("cma-63", account="u-12", display_name="Marie Dupont")

See docs/architecture.md.
"""

from engine.app.config import Config, resolve
from engine.app.workspace import Workspace
from engine.identity import ANONYMOUS, COMMITTEE, COORDINATOR, ROLES, Identity

__all__ = ["ANONYMOUS", "COMMITTEE", "COORDINATOR", "ROLES", "Config", "Identity", "Workspace", "resolve"]
