"""Store and pagination units: incremental clock moves equal rebuilds; paging equals brute force."""

from __future__ import annotations

import random

import pytest
from stripe_sandbox.pagination import ListParams, QueryParams, page_keys
from stripe_sandbox.settings import SandboxSettings
from stripe_sandbox.store import SandboxStore

from .conftest import A, FakeWorld


def snapshot(store: SandboxStore) -> dict[str, object]:
    return {
        plural: (dict(index.bodies), list(index.keys), {k: dict(v) for k, v in index.secondary.items()})
        for plural, index in store.indexes.items()
    }


@pytest.mark.parametrize("offset", [0, 3600, 5400, 7200, 9000, 99_999])
def test_incremental_clock_equals_rebuild(fake_world: FakeWorld, offset: int) -> None:
    moving = SandboxStore(fake_world)
    for step in range(0, offset + 1, 900):
        moving.set_clock(A + step)
    moving.set_clock(A + offset)
    fresh = SandboxStore(fake_world, start_clock=A + offset)
    assert snapshot(moving) == snapshot(fresh)


def test_page_keys_matches_brute_force() -> None:
    rng = random.Random(3)
    keys = sorted({(rng.randint(0, 50), f"x_{rng.randint(0, 999):03d}") for _ in range(300)})
    even = {k[1] for k in keys if int(k[1][2:]) % 2 == 0}
    for _ in range(300):
        raw: dict[str, object] = {"limit": rng.randint(1, 20)}
        if rng.random() < 0.5:
            raw["created[gte]"] = rng.randint(0, 50)
        if rng.random() < 0.5:
            raw["created[lt]"] = rng.randint(0, 50)
        cursor = rng.choice(keys)
        direction = rng.choice(["starting_after", "ending_before", None])
        if direction:
            raw[direction] = cursor[1]
        params = ListParams.parse(QueryParams.from_mapping(raw))
        use_filter = rng.random() < 0.5
        page = page_keys(keys, params, cursor if direction else None, even.__contains__ if use_filter else None)

        newest_first = [
            k
            for k in sorted(keys, reverse=True)
            if (params.created_gte is None or k[0] >= params.created_gte)
            and (params.created_lt is None or k[0] < params.created_lt)
            and (not use_filter or k[1] in even)
        ]
        if direction == "starting_after":
            rest = [k for k in newest_first if k < cursor]
            expected, more = rest[: params.limit], len(rest) > params.limit
        elif direction == "ending_before":
            rest = [k for k in newest_first if k > cursor]
            expected, more = rest[-params.limit :], len(rest) > params.limit
        else:
            expected, more = newest_first[: params.limit], len(newest_first) > params.limit
        assert page.ids == [k[1] for k in expected]
        assert page.has_more == more


def test_settings_from_env_and_keywords() -> None:
    settings = SandboxSettings.from_env(
        {
            "STRIPE_SANDBOX_RATE_LIMIT_RPS": "25",
            "STRIPE_SANDBOX_FAIL_FIRST_N_REQUESTS": "/v1/customers=2,/v1/events=1",
            "STRIPE_SANDBOX_ERROR_STATUSES": "502,503",
            "STRIPE_SANDBOX_ACCESS_LOG": "true",
        },
        latency_ms=5,
    )
    assert settings.rate_limit_rps == 25.0
    assert settings.fail_first_n_requests == {"/v1/customers": 2, "/v1/events": 1}
    assert settings.error_statuses == (502, 503)
    assert settings.access_log is True
    assert settings.latency_ms == 5
    with pytest.raises(ValueError, match="error_rate"):
        SandboxSettings(error_rate=2)
