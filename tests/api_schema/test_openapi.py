"""The whole HTTP API driven from its own OpenAPI schema by schemathesis (issue 14), against a
real `paperboy serve` over an instance with members: as an anonymous visitor, with a
member's bearer token and with a curator's. No answer may be a server error, and every answer must match what the
schema says of it (its body's schema and its content type).

Each operation gets PAPERBOY_SCHEMA_EXAMPLES generated requests per role (25 in ``make test``,
300 in ``make fuzz``), valid ones and invalid ones (schemathesis' positive and negative
modes). Schemathesis' own pytest plugin (``from_fixture``) does not run under pytest 9, so
each operation's strategy is driven by a plain hypothesis test here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.api_schema.conftest import EXAMPLES

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SIZE = settings(max_examples=EXAMPLES, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],  # the first failing request, as sent
                suppress_health_check=list(HealthCheck))


def _runner(op, hooks, headers: dict[str, str] | None, sent: Counter):
    """A hypothesis test of one operation: its valid and invalid requests, each sent and checked."""
    cases = st.one_of(op.as_strategy(GenerationMode.POSITIVE, hooks=hooks),
                      op.as_strategy(GenerationMode.NEGATIVE, hooks=hooks))

    @SIZE
    @given(case=cases)
    def run(case):
        sent[op.label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

    return run


def drive(schema, headers: dict[str, str] | None, log: Path) -> Counter:
    """Every operation of ``schema``, EXAMPLES requests each; the requests sent per operation.
    Fails listing every operation that answered a server error or broke its schema."""
    sent: Counter = Counter()
    failures = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 30, [op.label for op in operations]
    for op in operations:
        try:
            _runner(op, schema.hooks, headers, sent)()
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - collected, then all told
            failures.append(f"{op.label}: {type(e).__name__}: {e}")
    crashes = [line[-400:] for line in log.read_text().splitlines() if "Error" in line or "Traceback" in line]
    assert not failures, (f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
                          + "\n\nthe server said (ends of lines):\n" + "\n".join(crashes[-20:]))
    return sent


def test_the_api_as_an_anonymous_visitor(api_schema, instance):
    sent = drive(api_schema, None, instance.log)
    print(f"\nanonymous: {sum(sent.values())} requests over {len(sent)} operations")


def test_the_api_with_a_members_token(api_schema, instance):
    sent = drive(api_schema, instance.world.ada.bearer, instance.log)
    print(f"\nmember (token): {sum(sent.values())} requests over {len(sent)} operations")


def test_the_api_with_a_curators_token(api_schema, instance):
    """Last: a curator's hides, pins and merges change the papers the others would see."""
    sent = drive(api_schema, instance.world.curator.bearer, instance.log)
    print(f"\ncurator (token): {sum(sent.values())} requests over {len(sent)} operations")
