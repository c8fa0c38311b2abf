"""Issue 27 item 5: several writers on one bundle at once, and kill -9 during saves.

A few rounds of each pair with a fixed seed (``NEWSL10N_CONCURRENCY_ROUNDS``, default 4, and
``NEWSL10N_CONCURRENCY_KILLS``, default 3, set more); the counts the issue asks for, 50 rounds
and 20 kills, are run by ``bench/bench_concurrency.py`` (numbers in bench/RESULTS.md).
"""

from __future__ import annotations

import os
import random

import pytest

import concurrency_harness as harness
from review_fixture import build_pristine, copy_of

from conftest import GLOSSARIES, SAMPLE

ROUNDS = int(os.environ.get("NEWSL10N_CONCURRENCY_ROUNDS", "4"))
KILLS = int(os.environ.get("NEWSL10N_CONCURRENCY_KILLS", "3"))
SEED = 27


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, tiny_models):
    return build_pristine(tmp_path_factory.mktemp("concurrency"), tiny_models, SAMPLE, GLOSSARIES)


@pytest.fixture
def root(pristine, tmp_path):
    return copy_of(pristine, tmp_path)


def assert_nothing_lost(report: harness.Report) -> None:
    assert report.rounds and report.acknowledged, report.line()
    assert report.lost == [] and report.disagreements == [], report.line()
    assert report.both_acknowledged == 0, report.line()


@pytest.mark.slow
def test_two_servers_on_one_bundle(root):
    report = harness.two_servers(root, ROUNDS * 2, random.Random(SEED))
    assert_nothing_lost(report)
    assert report.refused <= report.rounds  # only the same-segment rounds refuse, one edit each


@pytest.mark.slow
def test_the_server_and_import_xliff(root):
    assert_nothing_lost(harness.server_and_xliff(root, ROUNDS, random.Random(SEED)))


@pytest.mark.slow
def test_the_server_and_translate_force(root):
    report = harness.server_and_translate(root, ROUNDS, random.Random(SEED), root / SAMPLE.name)
    assert_nothing_lost(report)
    assert report.refused == 0, report.line()


@pytest.mark.slow
def test_kill_9_during_saves_leaves_bundle_and_memory_agreeing(root):
    report = harness.kills(root, KILLS, random.Random(SEED))
    assert_nothing_lost(report)
