""" "Did you mean": the closest of some known names to a name that is not one of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from opendata.catalog.models import Resource
from opendata.errors import Problem


def closest(asked: str, known: Iterable[str]) -> str | None:
    """The known name `asked` most likely meant, or None when none is close.

    A name the asked one begins, or that contains it, wins (`hikikomori` ->
    `hikikomori-consultations`); otherwise the most similar by difflib's ratio, which
    catches transpositions and typos (`fiscal_yaer` -> `fiscal_year`).
    """
    names = list(dict.fromkeys(known))
    lowered = asked.casefold()
    if not lowered:
        return None
    contained = [n for n in names if lowered in n.casefold() or n.casefold() in lowered]
    if contained:
        return min(contained, key=lambda n: (abs(len(n) - len(asked)), n))
    matches = difflib.get_close_matches(asked, names, n=1, cutoff=0.6)
    return matches[0] if matches else None


def field_suggestion(problem: Problem, resource: Resource, args: Mapping[str, list[str]]) -> Problem:
    """`problem` (an unknown field or parameter) again, naming the field it most likely meant."""
    parameter = problem.parameter or ""
    if parameter in ("sort", "fields"):
        names = [n.strip().lstrip("+-") for v in args.get(parameter, []) for n in v.split(",")]
        asked = next((n for n in names if n and resource.field(n) is None), "")
    else:
        asked = parameter.split("__")[0]
    hint = closest(asked, resource.field_names) if asked else None
    if hint is None or hint == asked:
        return problem
    return type(problem)(
        f"{problem.detail}; did you mean {hint!r}?",
        parameter=problem.parameter,
        **problem.extra,
        suggestion=hint,
    )
