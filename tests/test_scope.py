"""Scope paths and the tri-state selection rule (core/scope.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog.scope import (
    EMPTY_SCOPE_MESSAGE,
    ScopePath,
    as_texts,
    covers,
    effective,
    format_path,
    from_texts,
    normalize_paths,
    parse_path,
    sort_paths,
    state,
    summary,
    toggle,
)
from core.errors import InvalidInput

FAST = settings(max_examples=200, deadline=None)

PUBLIC: ScopePath = ("public",)
USERS: ScopePath = ("public", "users")
ORDERS: ScopePath = ("public", "orders")


def assert_one_line(error: InvalidInput) -> None:
    assert error.field == "scope"
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert message.endswith(".")
    assert ";" in message, "a refusal names the problem and then the fix"


def assert_one_sentence(error: InvalidInput) -> None:
    assert_one_line(error)
    assert not re.search(r"[.!?]\s+[A-Z]", str(error)), str(error)


# --- parsing and formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("public", ("public",)),
        ("public.users", ("public", "users")),
        ("public.users.email", ("public", "users", "email")),
        ("sales.public.users.email", ("sales", "public", "users", "email")),
        ("*", ()),
        ("  public.users  ", ("public", "users")),
        ("Public.Users", ("Public", "Users")),
        ('"Sales Data"."Order.Items"', ("Sales Data", "Order.Items")),
        ('"say ""hi"""', ('say "hi"',)),
        ('"*"', ("*",)),
        ('"public".users', ("public", "users")),
        ("my-db$1.t_2", ("my-db$1", "t_2")),
        ("schéma.tâble", ("schéma", "tâble")),
    ],
)
def test_parse_path(text: str, expected: ScopePath) -> None:
    assert parse_path(text) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), "*"),
        (("public",), "public"),
        (("public", "users", "email"), "public.users.email"),
        (("Sales Data", "Order.Items"), '"Sales Data"."Order.Items"'),
        (('say "hi"',), '"say ""hi"""'),
        (("*",), '"*"'),
        (("Public",), "Public"),
    ],
)
def test_format_path_quotes_only_when_needed(path: ScopePath, expected: str) -> None:
    assert format_path(path) == expected
    assert parse_path(expected) == path


def test_format_path_refuses_an_empty_segment() -> None:
    with pytest.raises(ValueError):
        format_path(("public", ""))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("public..users", "empty name"),
        (".public", "empty name"),
        ("public.", "empty name"),
        ('""', "empty name"),
        ('public."".users', "empty name"),
        ('"public.users', "unclosed double quote"),
        ('public."users', "unclosed double quote"),
        ('"a""', "unclosed double quote"),
        ("a.b.c.d.e", "5 parts but at most 4"),
        ("public users", "stray ' '"),
        ('"public"users', "stray 'u'"),
        ('ab"c"', "stray '\"'"),
        ("public.*", "stray '*'"),
        ("*.users", "stray '*'"),
        ("public,users", "stray ','"),
        ("public.users;", "stray ';'"),
        ("public\n.users", "stray '\\n'"),
    ],
)
def test_parse_path_refusals(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_path(text)
    assert fragment in str(caught.value)
    assert_one_sentence(caught.value)


def test_stray_character_position_is_reported() -> None:
    with pytest.raises(InvalidInput, match="at character 7"):
        parse_path("public users")


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_path("x" * 500 + " y")
    assert len(str(caught.value)) < 250


# --- normalize_paths --------------------------------------------------------------------------


def test_normalize_dedupes_and_sorts_naturally() -> None:
    texts = ["public.t10", "public.t2", "public.t2", '"public".t1', "Public.x", "archive"]
    assert normalize_paths(texts) == ["archive", "Public.x", "public.t1", "public.t2", "public.t10"]


def test_normalize_keeps_a_node_and_its_descendants() -> None:
    assert normalize_paths(["public.users", "public", "*"]) == ["*", "public", "public.users"]


def test_normalize_strips_a_four_part_prefix() -> None:
    assert normalize_paths(["sales.public.users.email"]) == ["public.users.email"]
    assert normalize_paths(["sales.public.users.email"], "sales") == ["public.users.email"]


def test_normalize_strips_a_matching_database_prefix() -> None:
    assert normalize_paths(["sales.public", "sales.public.users"], "sales") == [
        "public",
        "public.users",
    ]
    # One segment equal to the database is a schema of that name, not the prefix.
    assert normalize_paths(["sales"], "sales") == ["sales"]
    # The prefix is stripped once; write it explicitly to reach a schema named like the database.
    assert normalize_paths(["sales.sales.orders"], "sales") == ["sales.orders"]
    # Without a database nothing short of four segments is stripped.
    assert normalize_paths(["sales.public"]) == ["sales.public"]
    assert normalize_paths(['"Sales DB".public.users.id'], "Sales DB") == ["public.users.id"]


def test_normalize_keeps_case_when_matching_the_database() -> None:
    assert normalize_paths(["Sales.public"], "sales") == ["Sales.public"]


def test_normalize_refuses_a_four_part_path_for_another_database() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_paths(["other.public.users.email"], "sales")
    assert "'other'" in str(caught.value) and "'sales'" in str(caught.value)
    assert_one_sentence(caught.value)


@pytest.mark.parametrize("texts", [[], (), iter([])])
def test_normalize_refuses_an_empty_scope(texts: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_paths(texts)
    assert str(caught.value) == EMPTY_SCOPE_MESSAGE
    assert str(caught.value) == (
        "scope is empty; choose at least one schema, table or column, e.g. public.users."
    )
    assert_one_sentence(caught.value)


def test_normalize_reports_a_bad_entry() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_paths(["public.users", "public..orders"])
    assert "public..orders" in str(caught.value)
    assert_one_sentence(caught.value)


def test_normalize_treats_a_lone_string_as_one_path() -> None:
    assert normalize_paths("public.users") == ["public.users"]


def test_sort_paths_puts_nodes_before_descendants() -> None:
    paths = [("b",), ("a", "z"), (), ("a",), ("a", "b", "c")]
    assert sort_paths(paths) == [(), ("a",), ("a", "b", "c"), ("a", "z"), ("b",)]


# --- the narrowing and widening story (DESIGN.md, "Scope selection") --------------------------


def test_narrowing_and_widening_story() -> None:
    ticked: frozenset[ScopePath] = frozenset()
    assert summary(ticked) == "nothing selected"
    assert state(ticked, PUBLIC) == "unchecked"

    ticked = toggle(ticked, PUBLIC)
    assert state(ticked, PUBLIC) == "checked"
    assert state(ticked, USERS) == "checked"
    assert state(ticked, ("public", "users", "email")) == "checked"
    assert state(ticked, ()) == "partial"
    assert state(ticked, ("archive",)) == "unchecked"
    assert summary(ticked) == "public"

    ticked = toggle(ticked, USERS)
    assert summary(ticked) == "public.users"
    assert state(ticked, PUBLIC) == "partial"
    assert state(ticked, USERS) == "checked"
    assert state(ticked, ORDERS) == "unchecked"
    assert covers(ticked, ("public", "users", "email"))
    assert not covers(ticked, ("public", "orders", "id"))

    ticked = toggle(ticked, ORDERS)
    assert summary(ticked) == "public.orders, public.users"
    assert state(ticked, PUBLIC) == "partial"
    assert state(ticked, ORDERS) == "checked"

    ticked = toggle(ticked, USERS)
    assert summary(ticked) == "public.orders"
    ticked = toggle(ticked, ORDERS)
    assert ticked == {PUBLIC}
    assert summary(ticked) == "public"
    assert state(ticked, ORDERS) == "checked"

    ticked = toggle(ticked, PUBLIC)
    assert summary(ticked) == "nothing selected"


def test_unticking_an_ancestor_unticks_its_descendants() -> None:
    ticked = frozenset({PUBLIC, USERS, ("public", "users", "email"), ("archive",)})
    assert toggle(ticked, PUBLIC) == {("archive",)}


def test_whole_database() -> None:
    ticked = toggle(frozenset(), ())
    assert summary(ticked) == "*"
    assert state(ticked, ("any", "table", "column")) == "checked"
    assert covers(ticked, ())
    narrowed = toggle(ticked, PUBLIC)
    assert state(narrowed, ()) == "partial"
    assert summary(narrowed) == "public"


def test_summary_limit() -> None:
    ticked = frozenset({("public", name) for name in ("a1", "a2", "a3", "a4", "a5")})
    assert summary(ticked) == "public.a1, public.a2, public.a3, public.a4, public.a5"
    assert summary(ticked, limit=100) == summary(ticked)
    assert summary(ticked, limit=40) == "public.a1, public.a2, … +3 more"
    assert summary(ticked, limit=20) == "public.a1, … +4 more"
    assert summary(ticked, limit=5) == "… +5 more"


def test_as_texts_and_from_texts() -> None:
    ticked = frozenset({PUBLIC, USERS, ("Sales Data", "Order.Items")})
    texts = as_texts(ticked)
    assert texts == ["public", "public.users", '"Sales Data"."Order.Items"']
    assert from_texts(texts) == ticked
    assert from_texts([]) == frozenset()
    assert from_texts(["shop.public.users"], "shop") == {USERS}


# --- properties -------------------------------------------------------------------------------

# A small alphabet makes ancestors, descendants and siblings common.
node_paths = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3).map(tuple)
ticked_sets = st.frozensets(node_paths, max_size=8)

identifiers = st.text(
    st.sampled_from(list("ab_Z9$-. \"'*é\t")) | st.characters(codec="utf-8"),
    min_size=1,
    max_size=8,
)
written_paths = st.lists(identifiers, max_size=4).map(tuple)


def ancestors(path: ScopePath) -> list[ScopePath]:
    return [path[:depth] for depth in range(len(path))]


@FAST
@given(ticked_sets, node_paths)
def test_toggle_twice_on_an_unticked_node_restores_the_set(
    ticked: frozenset[ScopePath], path: ScopePath
) -> None:
    # Unticking also unticks the ticked nodes below, so "unticked" means nothing ticked at or
    # below the node; covered-but-unticked nodes (the narrowing case) are included.
    ticked = frozenset(node for node in ticked if node[: len(path)] != path)
    assert toggle(toggle(ticked, path), path) == ticked


@FAST
@given(ticked_sets, node_paths)
def test_ticking_a_node_selects_everything_below_it(
    ticked: frozenset[ScopePath], path: ScopePath
) -> None:
    if path not in ticked:
        after = toggle(ticked, path)
        assert state(after, path) == "checked"
        assert all(state(after, node) == "checked" for node in ticked if node[: len(path)] == path)


def test_ticking_a_partial_node_selects_all_of_it() -> None:
    narrowed = frozenset({USERS})
    assert state(narrowed, PUBLIC) == "partial"
    assert toggle(narrowed, PUBLIC) == {PUBLIC}
    assert summary(toggle(narrowed, PUBLIC)) == "public"


@FAST
@given(ticked_sets, node_paths)
def test_untick_removes_the_subtree(ticked: frozenset[ScopePath], path: ScopePath) -> None:
    after = toggle(ticked | {path}, path)
    assert not any(node[: len(path)] == path for node in after)
    assert after == {node for node in ticked if node[: len(path)] != path}


@FAST
@given(ticked_sets)
def test_effective_is_an_antichain_of_ticked_nodes(ticked: frozenset[ScopePath]) -> None:
    scope = effective(ticked)
    assert scope <= ticked
    assert bool(scope) == bool(ticked)
    for node in scope:
        assert not any(ancestor in scope for ancestor in ancestors(node))


@FAST
@given(ticked_sets)
def test_effective_paths_are_checked_and_uncovered_ancestors_partial(
    ticked: frozenset[ScopePath],
) -> None:
    for node in effective(ticked):
        assert state(ticked, node) == "checked"
        for ancestor in ancestors(node):
            if not covers(ticked, ancestor):
                assert state(ticked, ancestor) == "partial"


@FAST
@given(ticked_sets, node_paths)
def test_covers_means_under_an_effective_node(
    ticked: frozenset[ScopePath], path: ScopePath
) -> None:
    expected = any(path[: len(node)] == node for node in effective(ticked))
    assert covers(ticked, path) == expected
    assert (state(ticked, path) == "checked") == expected


@FAST
@given(ticked_sets, node_paths)
def test_partial_means_an_effective_node_strictly_below(
    ticked: frozenset[ScopePath], path: ScopePath
) -> None:
    below = any(len(node) > len(path) and node[: len(path)] == path for node in effective(ticked))
    assert (state(ticked, path) == "partial") == (below and not covers(ticked, path))


@FAST
@given(ticked_sets, node_paths)
def test_widening_back_to_the_ancestor(ticked: frozenset[ScopePath], path: ScopePath) -> None:
    # Unticking every deeper node under a ticked node covers its whole subtree again.
    ticked = ticked | {path}
    for node in sort_paths(ticked):
        if len(node) > len(path) and node[: len(path)] == path and node in ticked:
            ticked = toggle(ticked, node)
    assert path in effective(ticked)
    assert state(ticked, path) == "checked"


@FAST
@given(written_paths)
def test_parse_format_round_trip(path: ScopePath) -> None:
    assert parse_path(format_path(path)) == path


@FAST
@given(st.text(max_size=30))
def test_parse_path_refuses_with_one_sentence(text: str) -> None:
    try:
        path = parse_path(text)
    except InvalidInput as error:
        # The user's text is quoted inside the message, so only the shape can be checked here.
        assert_one_line(error)
    else:
        assert len(path) <= 4
        assert parse_path(format_path(path)) == path


@FAST
@given(ticked_sets)
def test_stored_texts_round_trip(ticked: frozenset[ScopePath]) -> None:
    assert from_texts(as_texts(ticked)) == ticked
    if ticked:
        assert normalize_paths(as_texts(ticked)) == as_texts(ticked)


@FAST
@given(st.lists(written_paths.filter(lambda p: len(p) <= 3), min_size=1, max_size=6))
def test_normalize_is_order_independent_and_idempotent(paths: list[ScopePath]) -> None:
    texts = [format_path(path) for path in paths]
    once = normalize_paths(texts)
    assert once == normalize_paths(list(reversed(texts)))
    assert normalize_paths(once) == once
    assert len(once) == len(set(paths))


@FAST
@given(ticked_sets, st.integers(min_value=0, max_value=40))
def test_summary_limit_cuts_with_a_count(ticked: frozenset[ScopePath], limit: int) -> None:
    full = summary(ticked)
    cut = summary(ticked, limit)
    if len(full) <= limit or not ticked:
        assert cut == full
        return
    items = full.split(", ")
    match = re.fullmatch(r"(?:(.*), )?… \+(\d+) more", cut)
    assert match is not None, cut
    shown = match.group(1).split(", ") if match.group(1) else []
    assert shown == items[: len(shown)]
    assert len(shown) + int(match.group(2)) == len(items)
    assert len(cut) <= limit or not shown
