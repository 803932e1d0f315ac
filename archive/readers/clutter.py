"""Web-page clutter: the lines a browser copy drags along with a letter.

Two scopes. A "line" pattern must match a whole unit (a line standing on its own):
"Skip to main content", "Share this", "Tweet", "Print". Such a line is never a letter
paragraph, so it goes wherever it stands. An "edge" pattern (cookie banners, donation
and newsletter appeals, copyright footers, menus, breadcrumbs, related-content
headings) is only trusted outside the letter, before the opener or after the signature:
inside the body the same words are an ordinary sentence ("we support the work of UNHCR").
"""
from __future__ import annotations

import re
from typing import NamedTuple

import regex  # the same patterns run about twice as fast case-insensitively as under `re`

from .literals import Literals

# Menu, footer-link and language-switcher items. A unit made only of these (with
# separators between them) is navigation, whatever the site.
MENU_ITEMS = (
    "home", "menu", "main menu", "search", "about", "about us", "who we are", "what we do",
    "our work", "news", "latest news", "news releases", "press releases", "reports", "research",
    "publications", "countries", "regions", "topics", "issues", "themes", "campaigns",
    "multimedia", "videos", "photos", "podcasts", "events", "blog", "take action", "act now",
    "get involved", "careers", "jobs", "press", "media", "contact", "contact us", "donate",
    "donate now", "give", "shop", "log in", "login", "sign in", "register", "languages",
    "privacy", "privacy policy", "privacy notice", "cookie policy", "cookie settings",
    "terms", "terms of use", "terms of service", "terms and conditions", "sitemap", "site map",
    "accessibility", "follow us", "connect with us", "rss", "more", "letters",
    "english", "français", "francais", "español", "espanol", "русский", "deutsch", "italiano",
    "português", "العربية", "中文", "日本語", "türkçe", "українська", "o'zbek", "кыргызча",
    "accueil", "à propos", "qui sommes-nous", "actualités", "nos actions", "pays", "thèmes",
    "agir", "faire un don", "nous contacter", "mentions légales", "politique de confidentialité",
    "plan du site", "suivez-nous", "inicio", "quiénes somos", "noticias", "informes", "países",
    "temas", "actúa", "dona", "contacto", "aviso legal", "política de privacidad", "síguenos",
    "главная", "о нас", "новости", "доклады", "публикации", "страны", "темы", "контакты",
    "помочь", "пожертвовать", "политика конфиденциальности", "карта сайта",
)
SHARE_ITEMS = (
    "share", "share this", "share this page", "share this article", "share this story",
    "share on", "share via", "share this via", "tweet", "print", "print this page", "email",
    "e-mail", "email this", "facebook", "twitter", "x", "linkedin", "whatsapp", "telegram",
    "reddit", "bluesky", "mastodon", "threads", "pinterest", "vk", "вконтакте", "copy link",
    "partager", "partager sur", "imprimer", "envoyer", "copier le lien", "compartir",
    "compartir en", "imprimir", "enviar", "copiar enlace", "поделиться", "печать",
    "версия для печати", "отправить",
)
_SEP = r"\s*[|•·,/:›»>→–-]?\s*"


def _item_run(items) -> str:
    # Longest first, so "share this page" wins over "share".
    alt = "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))
    return rf"(?:(?:{alt}){_SEP})+"


class ClutterPattern(NamedTuple):
    name: str
    scope: str          # "line": whole unit, anywhere; "edge": only outside the letter
    match: str          # "full": the whole unit must match; "search": anywhere in it
    regex: regex.Pattern


_FLAGS = regex.IGNORECASE | regex.VERSION0


def _p(name, scope, match, rx):
    return ClutterPattern(name, scope, match, regex.compile(rx, _FLAGS))


CLUTTER_PATTERNS = (
    _p("skip-link", "line", "full",
       r"(?:skip|jump) to (?:the )?(?:main )?(?:content|navigation|search|menu|footer)\W*"
       r"|skip navigation|(?:aller|passer) au contenu(?: principal)?"
       r"|(?:ir|saltar) al contenido(?: principal)?"
       r"|перейти к (?:основному )?(?:содержанию|содержимому|контенту)"),
    _p("share-buttons", "line", "full", _item_run(SHARE_ITEMS)),
    _p("page-furniture", "line", "full",
       r"(?:back to top|top of page|retour en haut(?: de (?:la )?page)?|volver arriba|наверх"
       r"|advertisement|publicité|publicidad|реклама|read more|lire la suite|en savoir plus"
       r"|leer más|seguir leyendo|читать (?:далее|дальше)|подробнее|toggle navigation"
       r"|open menu|close|fermer|cerrar|закрыть)\W*"),
    _p("menu", "edge", "full", _item_run(MENU_ITEMS)),
    _p("breadcrumb", "edge", "full",
       r"(?:you are here:?\s*|vous êtes ici\s*:?\s*)?"
       r"(?:(?:home|accueil|inicio|главная)\s*[›»>|/→]\s*.{1,100}"
       r"|(?:[^\d|›»>•·→/]{1,40}[|›»>•·→/]\s*){2,}[^\d|›»>•·→/]{1,40})"),
    _p("cookies", "edge", "search",
       r"\b(?:use|uses|using|accept|allow|enable|set)(?: all)? cookies\b|\bcookies? (?:policy|settings|preferences|to )"
       r"|utilis\w* des cookies|usa\w* cookies|файл\w* cookie|\bкуки\b"),
    _p("consent-button", "edge", "full",
       r"(?:accept(?: all)?(?: cookies)?|i agree|agree|got it|ok|allow all|reject all|accepter"
       r"|tout accepter|refuser|aceptar(?: todo)?|rechazar|принять|согласен)\W*"),
    _p("copyright", "edge", "search",
       r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b|all rights reserved|tous droits réservés"
       r"|todos los derechos reservados|все права защищены"),
    _p("donation", "edge", "search",
       r"tax[- ]deductible|\bdonate\b|\bdonation|make a (?:gift|donation)"
       r"|your (?:gift|donation|support) (?:can|will|helps?)|support (?:our|this) (?:work|mission)"
       r"|\bgive (?:now|today|monthly)\b|become a (?:member|supporter|donor|monthly)"
       r"|faites? un don|soutenez[- ]nous|\bdona(?:r| ahora|ción|ciones)\b|пожертвова|поддержите нас"),
    _p("newsletter", "edge", "search",
       r"newsletter|\bsign up\b|\bsubscribe\b|mailing list|get (?:our|the latest|email) (?:updates|news|alerts)"
       r"|enter your e-?mail|your e-?mail address|stay (?:informed|updated)|lettre d'info"
       r"|inscrivez-vous|abonnez-vous|boletín|suscr[ií]b|рассылк|подпишитесь|подписаться"),
    _p("related-heading", "edge", "full",
       r"(?:related|more|recommended|latest|most (?:read|viewed|popular)|further reading|see also"
       r"|you may also like|also of interest|keep reading)(?: (?:content|articles?|news|stories"
       r"|reading|resources|reports|publications|posts|videos|from .{1,50}|on .{1,50}"
       r"|(?:in|on) this (?:topic|country|region)))?\W*"
       r"|(?:à lire aussi|lire aussi|voir aussi|sur le même sujet|articles? (?:liés|similaires|connexes)"
       r"|(?:artículos?|noticias|contenidos?) relacionad[oa]s|ver también|te puede interesar"
       r"|lo más leído|похожие (?:материалы|статьи|новости)|читайте также|по теме"
       r"|смотрите также|другие материалы)\W*"),
    _p("page-meta", "edge", "search",
       r"^(?:tags?|topics?|themes?|regions?|countries|keywords|filed under|region\s*/\s*country"
       r"|mots-clés|thèmes|etiquetas|temas|теги|темы)\s*:"
       r"|^(?:posted|published|updated|last updated|publié|mis à jour|publicado|actualizado"
       r"|опубликовано|обновлено)\b.{0,30}\d{4}\W*$"
       r"|^download (?:the )?(?:full )?(?:letter|pdf|report)\b|^(?:télécharger|descargar|скачать)\b"),
)


# Most units, and every paragraph, contain none of the words a pattern that searches them
# needs: it is not run. (Whole-unit patterns run on short units only, and a pattern anchored
# at the start fails fast: testing for their words would cost more than it saves.)
_LITERALS = Literals({p.name: p.regex.pattern for p in CLUTTER_PATTERNS
                      if p.match == "search" and not p.regex.pattern.startswith("^")},
                     lambda ch: regex.compile(regex.escape(ch), _FLAGS))
_SCOPE = {p.name: p.scope for p in CLUTTER_PATTERNS}
_AT = {"body": [p for p in CLUTTER_PATTERNS if p.scope == "line"], "edge": list(CLUTTER_PATTERNS)}


def clutter_name(unit: str, where: str) -> str | None:
    """Name of the first pattern that makes `unit` clutter at `where` ("body" or "edge")."""
    text = unit.strip()
    if not text:
        return None
    short = len(text) <= 200   # navigation items are short; a long line is never one
    lowered = _LITERALS.lowered(text)
    for pat in _AT[where]:
        if pat.match == "full":
            if short and pat.regex.fullmatch(text):
                return pat.name
        elif _LITERALS.may_match(pat.name, lowered) and pat.regex.search(text):
            return pat.name
    return None


def clutter_names(unit: str) -> tuple[str | None, str | None]:
    """(clutter_name(unit, "body"), clutter_name(unit, "edge")), mostly for the cost of one:
    the first pattern to match anywhere, if a "line" one, is also the first of those."""
    edge = clutter_name(unit, "edge")
    if edge is None or _SCOPE[edge] == "line":
        return edge, edge
    return clutter_name(unit, "body"), edge


def is_clutter(unit: str, where: str = "edge") -> bool:
    """True if `unit` is page clutter when found at `where` ("body" or "edge")."""
    return clutter_name(unit, where) is not None
