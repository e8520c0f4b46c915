"""Survey results for a 50,000-member organization.

Builds 50,000 members in 40 groups (20 departments of skewed sizes, 8 regions, 5 language
groups, 7 custom groups of which some are small and overlapping), a readiness survey, and
one round answered by 30,000 of them. The answers go in as the answering service would
leave them, counted in bulk: tallies per group, question and value, respondents per group
and per pair of groups, free text once per group its writer is in, and who answered.

Then times the results page (`GET /manage/surveys/rounds/<id>/`, everyone and one group)
and the results API (`GET /api/v1/surveys/rounds/<id>/results`) through Django's test
client as an admin, ~50 requests each. Target: p95 under 200 ms.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set. Run alone with
`python -m bench.bench_surveys` (options: --members, --respondents, --iterations), or with
every benchmark by `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

TARGET_P95_MS = 200.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(members: int, respondents: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scope

    from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
    from chorus.surveys.models import (
        ANSWERED,
        Answered,
        Kind,
        Overlap,
        Question,
        Round,
        RoundCount,
        Survey,
        SurveyStatus,
        Tally,
        Template,
        TextAnswer,
    )
    from chorus.surveys.services.answers import _values
    from chorus.surveys.services.surveys import survey_create

    rng = random.Random(18)
    now = timezone.now()
    organization = Organization.objects.create(name="Bench Corp", slug="bench-surveys")
    with transaction.atomic(), scope(organization=organization):
        users = User.objects.bulk_create(
            (User(email=f"m{i}@surveys.bench.example", name=f"Member {i}") for i in range(members)),
            batch_size=2000,
        )
        memberships = Membership.objects.bulk_create(
            (Membership(organization=organization, user=user) for user in users), batch_size=2000
        )
        admin = memberships[0]
        admin.is_admin = True
        admin.save(update_fields=["is_admin"])
        kinds = [(GroupKind.DEPARTMENT, 20), (GroupKind.REGION, 8), (GroupKind.LANGUAGE, 5)]
        groups = {
            kind: Group.objects.bulk_create(
                Group(organization=organization, kind=kind, name=f"{kind.label} {n}")
                for n in range(count)
            )
            for kind, count in kinds
        }
        custom = Group.objects.bulk_create(
            Group(organization=organization, kind=GroupKind.CUSTOM, name=f"Project {n}")
            for n in range(7)
        )
        weights = [1 / (n + 1) for n in range(20)]
        member_groups: dict[int, list[int]] = {}
        Through = Group.members.through
        rows = []
        for index, member in enumerate(memberships):
            mine = [rng.choices(groups[GroupKind.DEPARTMENT], weights)[0].pk]
            mine += [groups[kind][index % count].pk for kind, count in kinds[1:]]
            # Projects: a few hundred members each, some only a handful (never shown).
            project = index % 97
            if project < 7:
                mine.append(custom[project].pk)
            member_groups[member.pk] = sorted(mine)
            rows += [Through(group_id=pk, membership_id=member.pk) for pk in mine]
        Through.objects.bulk_create(rows, batch_size=5000)
        survey = survey_create(organization=organization, actor=admin, template=Template.READINESS)
        Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.OPEN)
        round_ = Round.objects.create(
            organization=organization,
            survey=survey,
            number=1,
            opened_on=now.date(),
            closes_at=now + timedelta(days=7),
        )
        questions = list(Question.objects.filter(survey=survey, attributed=False))
        tallies: Counter[tuple[int | None, int, int]] = Counter()
        counts: Counter[int | None] = Counter()
        overlaps: Counter[tuple[int, int]] = Counter()
        texts: list[TextAnswer] = []
        # A multiple of 5: everything answered is published, as the service leaves it.
        answering = rng.sample(memberships, respondents - respondents % 5)
        for member in answering:
            mine_all = member_groups[member.pk]
            keys: list[int | None] = [None, *mine_all]
            for key in keys:
                counts[key] += 1
            for pair in combinations(mine_all, 2):
                overlaps[pair] += 1
            for question in questions:
                if question.kind == Kind.TEXT:
                    if rng.random() < 0.3:
                        for key in keys:
                            tallies[(key, question.pk, ANSWERED)] += 1
                        # Written answers are kept once, for everyone only (never per group).
                        texts.append(
                            TextAnswer(
                                organization=organization,
                                round=round_,
                                question=question,
                                group_id=None,
                                text=f"Idea {rng.randrange(5000)}",
                                shown=True,
                            )
                        )
                    continue
                if question.kind == Kind.SINGLE:
                    value = rng.randrange(len(question.choices))
                else:
                    value = rng.choice([1, 2, 3, 3, 4, 4, 4, 5])
                for key in keys:
                    tallies[(key, question.pk, ANSWERED)] += 1
                    tallies[(key, question.pk, value)] += 1
        # As the service leaves them: every value of every question at zero for each group
        # that has answers, then counted.
        for key in counts:
            for question in questions:
                for value in _values(question):
                    tallies.setdefault((key, question.pk, value), 0)
        Tally.objects.bulk_create(
            (
                Tally(
                    organization=organization,
                    round=round_,
                    group_id=key,
                    question_id=question_id,
                    value=value,
                    count=count,
                    shown_count=count,
                )
                for (key, question_id, value), count in tallies.items()
            ),
            batch_size=5000,
        )
        RoundCount.objects.bulk_create(
            RoundCount(
                organization=organization,
                round=round_,
                group_id=key,
                respondents=count,
                shown_respondents=count,
            )
            for key, count in counts.items()
        )
        Overlap.objects.bulk_create(
            Overlap(
                organization=organization,
                round=round_,
                group_a_id=a,
                group_b_id=b,
                respondents=count,
                respondents_at_a=count,
                respondents_at_b=count,
                shown_respondents=count,
            )
            for (a, b), count in overlaps.items()
        )
        TextAnswer.objects.bulk_create(texts, batch_size=5000)
        Answered.objects.bulk_create(
            (
                Answered(
                    organization=organization,
                    round=round_,
                    membership=member,
                    answered_on=now.date(),
                )
                for member in answering
            ),
            batch_size=5000,
        )
    biggest = max((key for key in counts if key is not None), key=lambda key: counts[key])
    return {
        "organization_id": organization.pk,
        "admin_user_id": admin.user_id,
        "round_id": round_.pk,
        "group_id": biggest,
        "tallies": len(tallies),
        "overlaps": len(overlaps),
        "texts": len(texts),
        "groups": sum(len(found) for found in groups.values()) + len(custom),
    }


def measure(client: Any, url: str, iterations: int) -> dict[str, Any]:
    first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"{url}: {first.status_code}")
    timings = []
    for _ in range(iterations):
        begin = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "count": len(timings),
    }


def step_run(members: int, respondents: int, iterations: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from chorus.accounts.models import User
    from chorus.core.tenancy import across_organizations

    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    log(f"   building {members:,} members, {respondents:,} answers")
    built = build(members, respondents)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    client = Client()
    with across_organizations("the benchmark signs its admin in"):
        client.force_login(User.objects.get(pk=built["admin_user_id"]))
    round_id, group_id = built["round_id"], built["group_id"]
    urls = {
        "page (everyone)": f"/manage/surveys/rounds/{round_id}/",
        "page (one group)": f"/manage/surveys/rounds/{round_id}/?group={group_id}",
        "API (everyone)": f"/api/v1/surveys/rounds/{round_id}/results",
        "API (one group)": f"/api/v1/surveys/rounds/{round_id}/results?group={group_id}",
    }
    return {
        "vendor": connection.vendor,
        "members": members,
        "respondents": respondents,
        "build_seconds": seconds,
        **{key: built[key] for key in ("tallies", "overlaps", "texts", "groups")},
        "timings": {name: measure(client, url, iterations) for name, url in urls.items()},
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = [
        "--members",
        str(options.members),
        "--respondents",
        str(options.respondents),
        "--iterations",
        str(options.iterations),
    ]
    return run_step("bench.bench_surveys", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_surveys")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--respondents", type=int, default=30_000)
    parser.add_argument("--iterations", type=int, default=50)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-surveys-") as temp:
        work = Path(temp)
        print("   surveys on SQLite", flush=True)
        results.append(run_on(f"sqlite:///{work / 'surveys.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            print("   surveys on PostgreSQL", flush=True)
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        for what, timing in result["timings"].items():
            rows.append(
                [
                    name,
                    what,
                    f"{result['members']:,}",
                    f"{result['respondents']:,}",
                    str(timing["count"]),
                    f"{timing['p50']:.1f}",
                    f"{timing['p95']:.1f}",
                ]
            )
            checks.append(
                Check(
                    target=f"{name}: {what} p95 under {TARGET_P95_MS:.0f} ms",
                    passed=timing["p95"] < TARGET_P95_MS,
                    detail=f"{timing['p95']:.1f} ms",
                )
            )
    first = results[0]
    notes = [
        f"{first['groups']} groups; {first['tallies']:,} tallies, {first['overlaps']:,} group "
        f"pairs, {first['texts']:,} free-text rows; built in {first['build_seconds']:.0f} s."
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Surveys: a round's results for 50,000 members",
        columns=["database", "request", "members", "answers", "requests", "p50 ms", "p95 ms"],
        rows=rows,
        checks=checks,
        notes=notes,
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        print(json.dumps(step_run(arguments.members, arguments.respondents, arguments.iterations)))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
