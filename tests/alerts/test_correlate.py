"""Grouping signals into incidents by region hierarchy, category, time window and text similarity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from alerts.correlate import correlate
from alerts.similarity import similarity
from models.schema import Incident
from tests.alerts.conftest import T0, add_report

MARKET = "armed men attacked the market in kohalpur, 2 people shot dead"


def incidents(session) -> list[Incident]:
    return session.scalars(select(Incident).order_by(Incident.id)).all()


def test_similar_reports_in_the_same_place_make_one_incident_and_different_events_two(network_rt) -> None:
    with network_rt.session() as session:
        add_report(session, MARKET, "attack_on_civilians", 3, "np-banke", sender="a")
        add_report(session, "gunmen attacked kohalpur market, two people shot dead", "attack_on_civilians", 3, "np-banke", sender="b", at=T0 + timedelta(minutes=30))
        add_report(session, "they burned houses of the lower quarter at night, old woman killed in fire", "attack_on_civilians", 3, "np-banke", sender="c", at=T0 + timedelta(hours=3))
        stats = correlate(session, T0 + timedelta(hours=3))
        found = incidents(session)
        assert (stats.opened, stats.updated) == (2, 1)
        assert [i.report_count for i in found] == [2, 1]


def test_a_report_from_a_child_region_joins_the_parent_regions_incident_when_it_tells_the_same_event(network_rt) -> None:
    with network_rt.session() as session:
        add_report(session, MARKET, "attack_on_civilians", 3, "np-lumbini", sender="a")
        add_report(session, "armed men attacked kohalpur market, people shot dead", "attack_on_civilians", 3, "np-banke", sender="b", at=T0 + timedelta(minutes=10))
        add_report(session, "armed men attacked the market in kohalpur, people shot", "attack_on_civilians", 3, "iq-kirkuk", sender="c", at=T0 + timedelta(minutes=10))
        correlate(session, T0 + timedelta(minutes=10))
        found = incidents(session)
        assert [(i.region_id, i.report_count) for i in found] == [("np-lumbini", 2), ("iq-kirkuk", 1)]


def test_related_categories_join_only_when_the_words_agree(network_rt) -> None:
    with network_rt.session() as session:
        add_report(session, "armed men gathering at kohalpur market with guns, they say they attack tonight", "armed_mobilisation", 3, "np-banke", sender="a")
        add_report(session, "armed men attack kohalpur market now, guns firing", "attack_on_civilians", 3, "np-banke", sender="b", at=T0 + timedelta(minutes=20))
        add_report(session, "hundreds of displaced people arriving at the school from the eastern villages", "displacement", 2, "np-banke", sender="c", at=T0 + timedelta(minutes=25))
        correlate(session, T0 + timedelta(minutes=25))
        found = incidents(session)
        # The attack joins the mobilisation (precedence makes it an attack); the arrivals from elsewhere are another event.
        assert [(i.category, i.report_count) for i in found] == [("attack_on_civilians", 2), ("displacement", 1)]


def test_reports_outside_the_time_window_open_a_new_incident(network_rt) -> None:
    with network_rt.session() as session:
        add_report(session, MARKET, "attack_on_civilians", 3, "np-banke", sender="a")
        correlate(session, T0)
        add_report(session, MARKET, "attack_on_civilians", 3, "np-banke", sender="b", at=T0 + timedelta(hours=13))
        correlate(session, T0 + timedelta(hours=13))
        assert len(incidents(session)) == 2


def test_reports_in_different_scripts_about_the_same_category_and_place_corroborate(network_rt) -> None:
    with network_rt.session() as session:
        add_report(session, "gunmen attacked the market in kirkuk, 3 killed", "attack_on_civilians", 3, "iq-kirkuk", sender="a")
        add_report(session, "مسلحون هاجموا السوق في كركوك وقتلوا ثلاثة", "attack_on_civilians", 3, "iq-kirkuk", sender="b", at=T0 + timedelta(minutes=5))
        correlate(session, T0 + timedelta(minutes=5))
        assert [(i.report_count, i.reporter_count) for i in incidents(session)] == [(2, 2)]
    assert similarity("gunmen attacked", "مسلحون هاجموا") is None


def test_distinct_reporters_raise_confidence_and_severity_but_one_reporter_repeating_does_not(network_rt) -> None:
    text = "armed youths gathering at the junction with machetes and guns, more arriving by truck"
    with network_rt.session() as session:
        for minute in range(3):
            add_report(session, text, "armed_mobilisation", 2, "tz-kigoma", sender="same", at=T0 + timedelta(minutes=minute), confidence=0.6)
        correlate(session, T0 + timedelta(minutes=3))
        (alone,) = incidents(session)
        assert (alone.reporter_count, alone.severity, alone.confidence) == (1, 2, 0.6)

        add_report(session, text + " near kasulu", "armed_mobilisation", 2, "tz-kigoma", sender="other", at=T0 + timedelta(minutes=5), confidence=0.6)
        correlate(session, T0 + timedelta(minutes=5))
        assert (alone.reporter_count, alone.severity, alone.confidence) == (2, 2, 0.84)

        add_report(session, "many armed youths with machetes and guns at the junction", "armed_mobilisation", 2, "tz-kigoma", sender="third", at=T0 + timedelta(minutes=6), confidence=0.6)
        correlate(session, T0 + timedelta(minutes=6))
        assert (alone.reporter_count, alone.severity) == (3, 3)  # three independent voices: treated as critical


def test_copies_of_one_coordinated_text_count_as_one_voice(network_rt) -> None:
    text = "they are coming to kill all the herders tonight, prepare yourselves"
    with network_rt.session() as session:
        for sender in ("a", "b", "c", "d"):
            add_report(session, text, "threat_incitement", 2, "ng-zamfara", sender=sender, flags={"coordinated": True})
        correlate(session, T0)
        (incident,) = incidents(session)
        assert (incident.report_count, incident.reporter_count, incident.severity) == (4, 1, 2)
