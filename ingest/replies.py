"""What Tocsin answers members, in their language.

Texts are short enough for one SMS segment where the script allows (GSM-7 for
Latin scripts; Arabic and Devanagari cost more per character).
"""

from __future__ import annotations

REPLIES: dict[str, dict[str, str]] = {
    "ack": {
        "en": "Tocsin: report received, ref {ref}. Thank you. Stay safe.",
        "fr": "Tocsin: signalement recu, ref {ref}. Merci. Restez en securite.",
        "ar": "توكسين: وصل بلاغك، الرقم {ref}. شكرا لك، ابق آمنا.",
        "ne": "Tocsin: तपाईंको सूचना प्राप्त भयो, नं. {ref}। धन्यवाद, सुरक्षित रहनुहोस्।",
        "sw": "Tocsin: taarifa imepokelewa, namba {ref}. Asante. Kaa salama.",
        "ha": "Tocsin: mun karbi rahotonka, lamba {ref}. Mun gode. Ka kasance lafiya.",
    },
    "help": {
        "en": "Tocsin: text what you see and where. JOIN <area> to register, STOP to leave, ACK <code> to take an alert.",
        "fr": "Tocsin: ecrivez ce que vous voyez et ou. JOIN <zone> pour s'inscrire, STOP pour partir, ACK <code> pour une alerte.",
        "ar": "توكسين: اكتب ما تراه وأين. JOIN <المنطقة> للتسجيل، STOP للإلغاء، ACK <الرمز> لاستلام تنبيه.",
        "ne": "Tocsin: के देख्नुभयो र कहाँ लेख्नुहोस्। दर्ताको लागि JOIN <क्षेत्र>, रोक्न STOP, अलर्टको लागि ACK <कोड>।",
        "sw": "Tocsin: andika unachoona na wapi. JOIN <eneo> kujisajili, STOP kuacha, ACK <namba> kupokea tahadhari.",
        "ha": "Tocsin: rubuta abin da ka gani da inda. JOIN <yanki> don shiga, STOP don fita, ACK <lamba> don karbar fadakarwa.",
    },
    "joined": {
        "en": "Tocsin: you are registered for {area}. Text what you see, any time. STOP to leave.",
        "fr": "Tocsin: vous etes inscrit pour {area}. Ecrivez ce que vous voyez. STOP pour partir.",
        "ar": "توكسين: تم تسجيلك في {area}. أرسل ما تراه في أي وقت. STOP للإلغاء.",
        "ne": "Tocsin: तपाईं {area} मा दर्ता हुनुभयो। जे देख्नुहुन्छ लेख्नुहोस्। छोड्न STOP।",
        "sw": "Tocsin: umesajiliwa kwa {area}. Tuma unachoona wakati wowote. STOP kuacha.",
        "ha": "Tocsin: an yi maka rajista a {area}. Aiko abin da ka gani. STOP don fita.",
    },
    "join_unknown_area": {
        "en": "Tocsin: area '{area}' not found. Send JOIN and the name of your district or town.",
        "fr": "Tocsin: zone '{area}' inconnue. Envoyez JOIN et le nom de votre commune ou ville.",
        "ar": "توكسين: المنطقة '{area}' غير معروفة. أرسل JOIN واسم منطقتك أو مدينتك.",
        "ne": "Tocsin: '{area}' क्षेत्र भेटिएन। JOIN र आफ्नो जिल्ला वा सहरको नाम पठाउनुहोस्।",
        "sw": "Tocsin: eneo '{area}' halijulikani. Tuma JOIN na jina la wilaya au mji wako.",
        "ha": "Tocsin: ba a san yanki '{area}' ba. Aiko JOIN da sunan karamar hukuma ko garinku.",
    },
    "welcome": {
        "en": "Tocsin: welcome. Which area are you in? Reply with its name, or just text what you see.",
        "fr": "Tocsin: bienvenue. Dans quelle zone etes-vous ? Repondez par son nom, ou ecrivez ce que vous voyez.",
        "ar": "توكسين: أهلا بك. في أي منطقة أنت؟ أرسل اسمها، أو اكتب ما تراه.",
        "ne": "Tocsin: स्वागत छ। तपाईं कुन क्षेत्रमा हुनुहुन्छ? नाम पठाउनुहोस्, वा जे देख्नुभयो लेख्नुहोस्।",
        "sw": "Tocsin: karibu. Uko eneo gani? Jibu kwa jina lake, au andika unachoona.",
        "ha": "Tocsin: barka da zuwa. A wane yanki kake? Aiko sunansa, ko rubuta abin da ka gani.",
    },
    "stopped": {
        "en": "Tocsin: you will get no more messages. Send START to come back.",
        "fr": "Tocsin: vous ne recevrez plus de messages. Envoyez START pour revenir.",
        "ar": "توكسين: لن تصلك رسائل بعد الآن. أرسل START للعودة.",
        "ne": "Tocsin: अब तपाईंलाई सन्देश आउने छैन। फर्कन START पठाउनुहोस्।",
        "sw": "Tocsin: hutapokea ujumbe tena. Tuma START kurudi.",
        "ha": "Tocsin: ba za ka sake samun sakonni ba. Aiko START don dawowa.",
    },
    "started": {
        "en": "Tocsin: welcome back. Text what you see, any time.",
        "fr": "Tocsin: bon retour. Ecrivez ce que vous voyez.",
        "ar": "توكسين: مرحبا بعودتك. أرسل ما تراه في أي وقت.",
        "ne": "Tocsin: फेरि स्वागत छ। जे देख्नुहुन्छ लेख्नुहोस्।",
        "sw": "Tocsin: karibu tena. Tuma unachoona wakati wowote.",
        "ha": "Tocsin: barka da dawowa. Aiko abin da ka gani.",
    },
    "lang_set": {
        "en": "Tocsin: language set to English.",
        "fr": "Tocsin: langue reglee sur francais.",
        "ar": "توكسين: تم ضبط اللغة على العربية.",
        "ne": "Tocsin: भाषा नेपाली राखियो।",
        "sw": "Tocsin: lugha imewekwa Kiswahili.",
        "ha": "Tocsin: an saita harshe zuwa Hausa.",
    },
    "lang_choose": {
        "en": "Tocsin: choose your language. Send LANG and a code: en, fr, ar, ne, sw, ha.",
        "fr": "Tocsin: choisissez votre langue. Envoyez LANG et un code: en, fr, ar, ne, sw, ha.",
        "ar": "توكسين: اختر لغتك. أرسل LANG ورمزا: en, fr, ar, ne, sw, ha.",
        "ne": "Tocsin: आफ्नो भाषा छान्नुहोस्। LANG र कोड पठाउनुहोस्: en, fr, ar, ne, sw, ha।",
        "sw": "Tocsin: chagua lugha yako. Tuma LANG na msimbo: en, fr, ar, ne, sw, ha.",
        "ha": "Tocsin: zabi harshenka. Aiko LANG da lamba: en, fr, ar, ne, sw, ha.",
    },
    "ack_unknown": {
        "en": "Tocsin: no open alert with code {code} for you.",
        "fr": "Tocsin: aucune alerte ouverte avec le code {code} pour vous.",
        "ar": "توكسين: لا يوجد تنبيه مفتوح بالرمز {code} لك.",
        "ne": "Tocsin: तपाईंको लागि {code} कोडको खुला अलर्ट छैन।",
        "sw": "Tocsin: hakuna tahadhari wazi yenye namba {code} kwako.",
        "ha": "Tocsin: babu fadakarwa a bude mai lamba {code} gare ka.",
    },
}

LANGS = ("en", "fr", "ar", "ne", "sw", "ha")
LANG_NAMES = {"en": "English", "fr": "Français", "ar": "العربية", "ne": "नेपाली", "sw": "Kiswahili", "ha": "Hausa"}


def reply(key: str, lang: str | None, **values: str) -> str:
    """The reply ``key`` in ``lang`` (English when the language is not one of the six)."""
    texts = REPLIES[key]
    return texts.get(lang or "en", texts["en"]).format(**values)


def language_buttons() -> dict[str, list[list[dict[str, str]]]]:
    """An inline keyboard with one button per language; a press comes back as ``lang:<code>``."""
    buttons = [{"text": LANG_NAMES[code], "callback_data": f"lang:{code}"} for code in LANGS]
    return {"inline_keyboard": [buttons[:3], buttons[3:]]}
