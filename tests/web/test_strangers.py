"""No request a stranger can send produces a 500 (hypothesis throws odd values at every route)."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

odd = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "2024-02-30", "2024-W00", "2024-W53",
                     "2025-W53", "2024-00", "2024-13", "0000-01-01", "9999-12-31", "1e9", "NaN",
                     "' OR 1=1 --", "<script>", "%00", "2024-11-08T00:00", "²०२४-११-०८"]),
)

ROUTES = ["/", "/papers", "/trending", "/api/daily_papers", "/api/trending", "/feeds/daily.atom",
          "/feeds/trending.atom"]
PARAMS = ["date", "week", "month", "sort", "p", "limit", "page"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), params=st.dictionaries(st.sampled_from(PARAMS), odd, max_size=3))
def test_query_values(client, hub, route, params):
    r = client.get(route, params=params)
    assert r.status_code < 500, (route, params, r.text[:300])
    if r.status_code >= 400 and route.startswith("/api/"):
        assert "error" in r.json()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paper_id=odd)
def test_paper_ids(client, hub, paper_id):
    for base in ("/papers/", "/api/papers/"):
        r = client.get(base + quote(paper_id, safe=""))
        assert r.status_code < 500, (base, paper_id, r.text[:300])
