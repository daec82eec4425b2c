"""Alert texts in the recipient's language, held to two SMS segments.

A text is built only from incident fields and responder names, never from
report text or sender data, so it cannot carry a reporter's identity. Each
template is filled, then its variable fields (place, names, lists) are
shortened until the whole fits ``MAX_SEGMENTS`` (306 GSM-7 or 134 UCS-2 units).
"""

from __future__ import annotations

from datetime import datetime

from alerts.segments import MAX_SEGMENTS, gsm_fold, segments

LANGS = ("en", "fr", "ar", "ne", "sw", "ha")
LATIN = {"en", "fr", "sw", "ha"}
MIN_FIELD = 6  # a shortened place or name keeps at least this many characters

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "attack_on_civilians": {"en": "attack on civilians", "fr": "attaque contre des civils", "ar": "هجوم على مدنيين", "ne": "नागरिकमाथि आक्रमण", "sw": "shambulio dhidi ya raia", "ha": "harin fararen hula"},
    "sexual_violence": {"en": "sexual violence", "fr": "violence sexuelle", "ar": "عنف جنسي", "ne": "यौन हिंसा", "sw": "ukatili wa kingono", "ha": "cin zarafin jima'i"},
    "abduction_disappearance": {"en": "abduction/disappearance", "fr": "enlevement/disparition", "ar": "خطف/اختفاء", "ne": "अपहरण/बेपत्ता", "sw": "utekaji/kupotea", "ha": "garkuwa/bacewa"},
    "threat_incitement": {"en": "threat/incitement", "fr": "menace/incitation", "ar": "تهديد/تحريض", "ne": "धम्की/उक्साहट", "sw": "vitisho/uchochezi", "ha": "barazana/tunzura"},
    "armed_mobilisation": {"en": "armed mobilisation", "fr": "mobilisation armee", "ar": "تحشيد مسلح", "ne": "सशस्त्र परिचालन", "sw": "kujikusanya kwa silaha", "ha": "taruwar 'yan bindiga"},
    "displacement": {"en": "displacement", "fr": "deplacement de population", "ar": "نزوح", "ne": "विस्थापन", "sw": "watu kuhama makazi", "ha": "gudun hijira"},
    "intergroup_tension": {"en": "tension between groups", "fr": "tension entre groupes", "ar": "توتر بين مجموعات", "ne": "समूहबीच तनाव", "sw": "mvutano kati ya makundi", "ha": "tashin hankali tsakanin kungiyoyi"},
    "security_force_abuse": {"en": "abuse by security forces", "fr": "abus des forces de securite", "ar": "انتهاك من قوات الأمن", "ne": "सुरक्षाकर्मीबाट दुर्व्यवहार", "sw": "unyanyasaji wa vyombo vya usalama", "ha": "cin zarafi daga jami'an tsaro"},
    "rumour": {"en": "rumour", "fr": "rumeur", "ar": "إشاعة", "ne": "हल्ला", "sw": "uvumi", "ha": "jita-jita"},
    "crime": {"en": "crime", "fr": "crime", "ar": "جريمة", "ne": "अपराध", "sw": "uhalifu", "ha": "laifi"},
    "other": {"en": "other", "fr": "autre", "ar": "أخرى", "ne": "अन्य", "sw": "mengineyo", "ha": "wani"},
}

SEVERITY_WORDS: dict[int, dict[str, str]] = {
    3: {"en": "CRITICAL", "fr": "CRITIQUE", "ar": "حرج", "ne": "अति गम्भीर", "sw": "HATARI KUU", "ha": "MAI TSANANI"},
    2: {"en": "ELEVATED", "fr": "ELEVE", "ar": "مرتفع", "ne": "गम्भीर", "sw": "JUU", "ha": "BABBA"},
    1: {"en": "CONCERN", "fr": "VIGILANCE", "ar": "قلق", "ne": "चिन्ता", "sw": "TAHADHARI", "ha": "DAMUWA"},
}

TREND_WORDS: dict[str, dict[str, str]] = {
    "up": {"en": "rising", "fr": "en hausse", "ar": "ارتفاع", "ne": "बढ्दो", "sw": "inaongezeka", "ha": "karuwa"},
    "down": {"en": "falling", "fr": "en baisse", "ar": "انخفاض", "ne": "घट्दो", "sw": "inapungua", "ha": "raguwa"},
    "flat": {"en": "steady", "fr": "stable", "ar": "مستقر", "ne": "स्थिर", "sw": "thabiti", "ha": "daidai"},
}

# Every template, by name and language. Fields in SHRINKABLE may be shortened to fit.
TEMPLATES: dict[str, dict[str, str]] = {
    "alert": {
        "en": "TOCSIN {sev}: {what} in {where}, {when} UTC. {n} report(s), {k} independent. Ref {ref}. Reply ACK {ref}",
        "fr": "TOCSIN {sev}: {what} a {where}, {when} UTC. {n} signalement(s), {k} independant(s). Ref {ref}. Repondez ACK {ref}",
        "ar": "توكسين {sev}: {what} في {where} {when} UTC. بلاغات {n} ({k} مستقل). رمز {ref}. رد ACK {ref}",
        "ne": "TOCSIN {sev}: {where}मा {what}, {when} UTC। {n} सूचना, {k} स्वतन्त्र। {ref}। जवाफ ACK {ref}",
        "sw": "TOCSIN {sev}: {what} {where}, {when} UTC. Taarifa {n}, huru {k}. Namba {ref}. Jibu ACK {ref}",
        "ha": "TOCSIN {sev}: {what} a {where}, {when} UTC. Rahotanni {n}, {k} daban. Lamba {ref}. Amsa ACK {ref}",
    },
    "spike": {
        "en": "TOCSIN rising tension in {where}: {n} reports in {hours} h, usually {base} a day. Ref {ref}. Reply ACK {ref}",
        "fr": "TOCSIN tension en hausse a {where}: {n} signalements en {hours} h, d'habitude {base} par jour. Ref {ref}. ACK {ref}",
        "ar": "توكسين تصاعد التوتر في {where}: {n} بلاغات خلال {hours} س، المعتاد {base} يوميا. {ref}. رد ACK {ref}",
        "ne": "TOCSIN {where}मा तनाव बढ्दो: {hours} घण्टामा {n} सूचना, सामान्यतया दिनमा {base}। ACK {ref}",
        "sw": "TOCSIN mvutano unaongezeka {where}: taarifa {n} kwa saa {hours}, kawaida {base} kwa siku. Jibu ACK {ref}",
        "ha": "TOCSIN tashin hankali na karuwa a {where}: rahotanni {n} cikin awa {hours}, yawanci {base} a rana. ACK {ref}",
    },
    "taken": {
        "en": "TOCSIN {ref}: taken by {who} at {when} UTC. No action needed from you.",
        "fr": "TOCSIN {ref}: pris en charge par {who} a {when} UTC. Rien a faire de votre part.",
        "ar": "توكسين {ref}: تولاه {who} الساعة {when} UTC. لا حاجة لإجراء منك.",
        "ne": "TOCSIN {ref}: {who} ले {when} UTC मा जिम्मा लिनुभयो। तपाईंले केही गर्नु पर्दैन।",
        "sw": "TOCSIN {ref}: imepokelewa na {who} saa {when} UTC. Huhitaji kufanya kitu.",
        "ha": "TOCSIN {ref}: {who} ya karba a {when} UTC. Ba ka bukatar yin komai.",
    },
    "acked": {
        "en": "TOCSIN {ref}: your acknowledgement is recorded. Thank you.",
        "fr": "TOCSIN {ref}: votre prise en charge est enregistree. Merci.",
        "ar": "توكسين {ref}: تم تسجيل استلامك. شكرا.",
        "ne": "TOCSIN {ref}: तपाईंको स्वीकृति दर्ता भयो। धन्यवाद।",
        "sw": "TOCSIN {ref}: uthibitisho wako umerekodiwa. Asante.",
        "ha": "TOCSIN {ref}: an yi rijistar amsarka. Mun gode.",
    },
    "reporter_acked": {
        "en": "Tocsin: the network has taken up what you reported (ref {ref}). Thank you.",
        "fr": "Tocsin: le reseau a pris en charge votre signalement (ref {ref}). Merci.",
        "ar": "توكسين: تولت الشبكة ما أبلغت عنه (رقم {ref}). شكرا.",
        "ne": "Tocsin: तपाईंको सूचनामा सञ्जालले काम सुरु गर्‍यो ({ref})। धन्यवाद।",
        "sw": "Tocsin: mtandao umeshughulikia taarifa yako (namba {ref}). Asante.",
        "ha": "Tocsin: kungiyar ta dauki mataki kan rahotonka (lamba {ref}). Mun gode.",
    },
    "reporter_closed": {
        "en": "Tocsin: the incident you reported (ref {ref}) is now closed. Thank you.",
        "fr": "Tocsin: l'incident que vous avez signale (ref {ref}) est clos. Merci.",
        "ar": "توكسين: أغلقت الحادثة التي أبلغت عنها (رقم {ref}). شكرا.",
        "ne": "Tocsin: तपाईंले सूचित गरेको घटना ({ref}) बन्द भयो। धन्यवाद।",
        "sw": "Tocsin: tukio uliloripoti (namba {ref}) limefungwa. Asante.",
        "ha": "Tocsin: an rufe lamarin da ka ruwaito (lamba {ref}). Mun gode.",
    },
    "sitrep": {
        "en": "TOCSIN daily {where} {day}: {total} reports ({c3} critical, {c2} elevated, {c1} concern), {trend} vs 7-day average {avg}/day. Open: {open}. Most: {top}",
        "fr": "TOCSIN bilan {where} {day}: {total} signalements ({c3} critiques, {c2} eleves, {c1} vigilance), {trend} vs moyenne 7 j {avg}/j. Ouverts: {open}. Surtout: {top}",
        "ar": "توكسين يومي {where} {day}: {total} بلاغ ({c3} حرج، {c2} مرتفع، {c1} قلق)، {trend} مقابل معدل {avg}/يوم. مفتوحة: {open}. الأكثر: {top}",
        "ne": "TOCSIN दैनिक {where} {day}: {total} सूचना ({c3} अति गम्भीर, {c2} गम्भीर, {c1} चिन्ता), {trend}, औसत {avg}/दिन। खुला: {open}। धेरै: {top}",
        "sw": "TOCSIN ya siku {where} {day}: taarifa {total} ({c3} hatari kuu, {c2} juu, {c1} tahadhari), {trend} dhidi ya wastani {avg}/siku. Wazi: {open}. Zaidi: {top}",
        "ha": "TOCSIN na yau {where} {day}: rahotanni {total} ({c3} mai tsanani, {c2} babba, {c1} damuwa), {trend} da matsakaici {avg}/rana. A bude: {open}. Mafi yawa: {top}",
    },
}

SHRINKABLE = ("top", "open", "where", "who")


class TemplateTooLong(ValueError):
    """A template cannot be made to fit two SMS segments even with its fields shortened."""


def lang_of(lang: str | None) -> str:
    """One of the six languages; English when unknown."""
    return lang if lang in LANGS else "en"


def render(name: str, lang: str | None, **fields: object) -> str:
    """Template ``name`` in ``lang`` with ``fields``, shortened to fit two SMS segments."""
    lang = lang_of(lang)
    template = TEMPLATES[name][lang]
    values = {key: str(value) for key, value in fields.items()}
    text = _fill(template, lang, values)
    for key in SHRINKABLE:
        while segments(text) > MAX_SEGMENTS and key in values and len(values[key]) > MIN_FIELD:
            values[key] = _shorten(values[key])
            text = _fill(template, lang, values)
    if segments(text) > MAX_SEGMENTS:
        raise TemplateTooLong(f"template {name}/{lang} takes {segments(text)} segments")
    return text


def _fill(template: str, lang: str, values: dict[str, str]) -> str:
    text = template.format(**values)
    return gsm_fold(text) if lang in LATIN else text


def _shorten(value: str) -> str:
    """Drop the last word (or, for one long word, characters), marking the cut with '.'."""
    trimmed = value.rstrip(".")
    head, _, _ = trimmed.rpartition(" ")
    if len(head) >= MIN_FIELD - 1:
        return head.rstrip(",;") + "."
    return trimmed[: max(MIN_FIELD - 1, len(trimmed) - 4)] + "."


def alert_text(lang: str | None, *, category: str, severity: int, region: str, when: datetime, reports: int, reporters: int, ref: str) -> str:
    """The alert for one incident."""
    code = lang_of(lang)
    return render(
        "alert", code,
        sev=SEVERITY_WORDS.get(severity, SEVERITY_WORDS[2])[code],
        what=CATEGORY_NAMES.get(category, CATEGORY_NAMES["other"])[code],
        where=region, when=when.strftime("%d/%m %H:%M"), n=reports, k=reporters, ref=ref,
    )


def spike_text(lang: str | None, *, region: str, count: int, hours: int, baseline: float, ref: str) -> str:
    """A rise in concern-level reports against the region's own baseline."""
    base = f"{baseline:.0f}" if baseline >= 1 else f"{baseline:.1f}"
    return render("spike", lang, where=region, n=count, hours=hours, base=base, ref=ref)


def taken_text(lang: str | None, *, ref: str, who: str, when: datetime) -> str:
    """Tells the other recipients who took the incident."""
    return render("taken", lang, ref=ref, who=who, when=when.strftime("%H:%M"))


def acked_text(lang: str | None, *, ref: str) -> str:
    """Confirms an acknowledgement to the responder who sent it."""
    return render("acked", lang, ref=ref)


def reporter_status_text(lang: str | None, *, ref: str, closed: bool = False) -> str:
    """The short status a reporter who opted in gets: their own report's reference only."""
    return render("reporter_closed" if closed else "reporter_acked", lang, ref=ref)


def category_name(category: str, lang: str | None) -> str:
    """A category in the reader's language."""
    return CATEGORY_NAMES.get(category, CATEGORY_NAMES["other"])[lang_of(lang)]


def ack_button(ref: str) -> dict[str, object]:
    """The Telegram inline keyboard that acknowledges alert ``ref`` in one tap."""
    return {"inline_keyboard": [[{"text": f"ACK {ref}", "callback_data": f"ack:{ref}"}]]}
