"""Alert texts in the recipient's language.

An alert says what, where, when, how severe, how many independent reporters,
its reference and how to acknowledge. It is built only from incident fields,
never from report text or sender data, so it cannot carry a reporter's
identity. Each SMS alert must fit in two segments (306 GSM-7 or 134 UCS-2 chars).
"""

from __future__ import annotations

from datetime import datetime

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

ALERT: dict[str, str] = {
    "en": "TOCSIN {sev}: {what} in {where}, {when} UTC. {n} report(s), {k} independent. Ref {ref}. Reply ACK {ref}",
    "fr": "TOCSIN {sev}: {what} a {where}, {when} UTC. {n} signalement(s), {k} independant(s). Ref {ref}. Repondez ACK {ref}",
    "ar": "توكسين {sev}: {what} في {where} {when}. بلاغات {n} ({k} مستقل). رمز {ref}. رد ACK {ref}",
    "ne": "TOCSIN {sev}: {where}मा {what}, {when}। {n} सूचना, {k} स्वतन्त्र। {ref}। जवाफ ACK {ref}",
    "sw": "TOCSIN {sev}: {what} {where}, {when} UTC. Taarifa {n}, huru {k}. Namba {ref}. Jibu ACK {ref}",
    "ha": "TOCSIN {sev}: {what} a {where}, {when} UTC. Rahotanni {n}, {k} daban. Lamba {ref}. Amsa ACK {ref}",
}

SPIKE: dict[str, str] = {
    "en": "TOCSIN rising tension in {where}: {n} reports in {hours} h, usually {base} a day. Ref {ref}. Reply ACK {ref}",
    "fr": "TOCSIN tension en hausse a {where}: {n} signalements en {hours} h, d'habitude {base} par jour. Ref {ref}. ACK {ref}",
    "ar": "توكسين تصاعد التوتر في {where}: {n} بلاغات خلال {hours} س، المعتاد {base} يوميا. {ref}. رد ACK {ref}",
    "ne": "TOCSIN {where}मा तनाव बढ्दो: {hours} घण्टामा {n} सूचना, सामान्यतया दिनमा {base}। ACK {ref}",
    "sw": "TOCSIN mvutano unaongezeka {where}: taarifa {n} kwa saa {hours}, kawaida {base} kwa siku. Jibu ACK {ref}",
    "ha": "TOCSIN tashin hankali na karuwa a {where}: rahotanni {n} cikin awa {hours}, yawanci {base} a rana. ACK {ref}",
}

TAKEN: dict[str, str] = {
    "en": "TOCSIN {ref}: taken by {who} at {when} UTC. No action needed from you.",
    "fr": "TOCSIN {ref}: pris en charge par {who} a {when} UTC. Rien a faire de votre part.",
    "ar": "توكسين {ref}: تولاه {who} الساعة {when}. لا حاجة لإجراء منك.",
    "ne": "TOCSIN {ref}: {who} ले {when} मा जिम्मा लिनुभयो। तपाईंले केही गर्नु पर्दैन।",
    "sw": "TOCSIN {ref}: imepokelewa na {who} saa {when} UTC. Huhitaji kufanya kitu.",
    "ha": "TOCSIN {ref}: {who} ya karba a {when} UTC. Ba ka bukatar yin komai.",
}

ACKED: dict[str, str] = {
    "en": "TOCSIN {ref}: your acknowledgement is recorded. Thank you.",
    "fr": "TOCSIN {ref}: votre prise en charge est enregistree. Merci.",
    "ar": "توكسين {ref}: تم تسجيل استلامك. شكرا.",
    "ne": "TOCSIN {ref}: तपाईंको स्वीकृति दर्ता भयो। धन्यवाद।",
    "sw": "TOCSIN {ref}: uthibitisho wako umerekodiwa. Asante.",
    "ha": "TOCSIN {ref}: an yi rijistar amsarka. Mun gode.",
}

REPORTER_STATUS: dict[str, str] = {
    "en": "Tocsin: the network has taken up what you reported (ref {ref}). Thank you.",
    "fr": "Tocsin: le reseau a pris en charge votre signalement (ref {ref}). Merci.",
    "ar": "توكسين: تولت الشبكة ما أبلغت عنه (رقم {ref}). شكرا.",
    "ne": "Tocsin: तपाईंको सूचनामा सञ्जालले काम सुरु गर्‍यो ({ref})। धन्यवाद।",
    "sw": "Tocsin: mtandao umeshughulikia taarifa yako (namba {ref}). Asante.",
    "ha": "Tocsin: kungiyar ta dauki mataki kan rahotonka (lamba {ref}). Mun gode.",
}


def _lang(lang: str | None) -> str:
    return lang if lang in ALERT else "en"


def alert_text(lang: str | None, *, category: str, severity: int, region: str, when: datetime, reports: int, reporters: int, ref: str) -> str:
    """The alert for one incident, in ``lang``."""
    lang = _lang(lang)
    return ALERT[lang].format(
        sev=SEVERITY_WORDS.get(severity, SEVERITY_WORDS[2])[lang],
        what=CATEGORY_NAMES.get(category, CATEGORY_NAMES["other"])[lang],
        where=region,
        when=when.strftime("%d/%m %H:%M"),
        n=reports,
        k=reporters,
        ref=ref,
    )


def spike_text(lang: str | None, *, region: str, count: int, hours: int, baseline: float, ref: str) -> str:
    lang = _lang(lang)
    return SPIKE[lang].format(where=region, n=count, hours=hours, base=f"{baseline:.0f}" if baseline >= 1 else f"{baseline:.1f}", ref=ref)


def taken_text(lang: str | None, *, ref: str, who: str, when: datetime) -> str:
    return TAKEN[_lang(lang)].format(ref=ref, who=who, when=when.strftime("%H:%M"))


def acked_text(lang: str | None, *, ref: str) -> str:
    return ACKED[_lang(lang)].format(ref=ref)


def reporter_status_text(lang: str | None, *, ref: str) -> str:
    return REPORTER_STATUS[_lang(lang)].format(ref=ref)


def ack_button(ref: str) -> dict[str, object]:
    """The Telegram inline keyboard that acknowledges alert ``ref`` in one tap."""
    return {"inline_keyboard": [[{"text": f"ACK {ref}", "callback_data": f"ack:{ref}"}]]}
