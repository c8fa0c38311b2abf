"""Inflection-aware terms: the check against the shipped glossaries (entries in dictionary form),
a term in another case, by lemma or with a proclitic (present) and a wrong term (violated); the
case of a forced Russian term; ``glossary forms``; the WMT 2023 lemmatised term success."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conftest import GLOSSARIES
from newsl10n.cli import app
from newsl10n.model import TermConstraint
from newsl10n.terms.check import check, lemmatised_term_success
from newsl10n.terms.files import require_valid
from newsl10n.terms.forms import agreeing_form, clitic_forms, grammeme_of, inflections
from newsl10n.terms.source import SourceTerms
from newsl10n.translate.placement import place_terms

# (entry id, output sentence, the text the check must report found; None: violated)
RUSSIAN = [
    ("steve-witkoff", "Переговоры со Стивом Уиткоффом прошли в Абу-Даби.", "Стивом Уиткоффом"),
    ("steve-witkoff", "Встреча Стива Уиткоффа с президентом длилась три часа.", "Стива Уиткоффа"),
    ("steve-witkoff", "Слова Уиткоффа подтвердили в Кремле.", "Уиткоффа"),
    ("steve-witkoff", "Эту задачу поручили Стиву Уиткоффу.", "Стиву Уиткоффу"),
    ("steve-witkoff", "Речь шла о Стиве Уиткоффе.", "Стиве Уиткоффе"),
    ("steve-witkoff", "Журналисты долго говорили с Уиткоффом.", "Уиткоффом"),
    ("jared-kushner", "Джареда Кушнера пригласили на встречу.", "Джареда Кушнера"),
    ("jared-kushner", "Вместе с Кушнером прилетели советники.", "Кушнером"),
    ("jared-kushner", "Слово дали Джареду Кушнеру.", "Джареду Кушнеру"),
    ("donald-trump", "Дональду Трампу позвонили из Москвы.", "Дональду Трампу"),
    ("donald-trump", "При Трампе договор истёк.", "Трампе"),
    ("donald-trump", "Встреча с Дональдом Трампом назначена.", "Дональдом Трампом"),
    ("russian-foreign-ministry", "В Министерстве иностранных дел России ответили.", "Министерстве иностранных дел России"),
    ("russian-foreign-ministry", "Ноту направили Министерству иностранных дел России.", "Министерству иностранных дел России"),
    ("russian-foreign-ministry", "Представитель российского МИД заявил.", "российского МИД"),
    ("russian-foreign-ministry", "Письмо передали российскому МИД.", "российскому МИД"),
    ("ukraine", "Война в Украине продолжается.", "Украине"),
    ("ukraine", "Делегация посетила Украину.", "Украину"),
    ("ukraine", "Переговоры с Украиной отложены.", "Украиной"),
    ("new-start", "Выход из Договора о СНВ обсуждали.", "Договора о СНВ"),
    ("new-start", "В Договоре о СНВ нет такого пункта.", "Договоре о СНВ"),
    ("eucom", "Заявление Европейского командования США опубликовано.", "Европейского командования США"),
    ("eucom", "В Европейском командовании США промолчали.", "Европейском командовании США"),
    ("deconfliction-lines", "Связь поддерживают по линиям деконфликтинга.", "линиям деконфликтинга"),
    ("deconfliction-lines", "Речь шла о линиях деконфликтинга.", "линиях деконфликтинга"),
    ("inter-military-dialogue", "Стороны договорились о диалоге между военными.", "диалоге между военными"),
    ("inter-military-dialogue", "Никто не управляет диалогами между военными.", "диалогами между военными"),
    ("european-central-bank", "Решение Европейского центрального банка ждали.", "Европейского центрального банка"),
    ("european-central-bank", "В Европейском центральном банке промолчали.", "Европейском центральном банке"),
    ("european-central-bank", "Ставку повысили Европейским центральным банком.", "Европейским центральным банком"),
    ("european-central-bank", "Европейскому центральному банку нужна ясность.", "Европейскому центральному банку"),
    ("nato", "Страны НАТО собрались в Брюсселе.", "НАТО"),
    # wrong terms
    ("steve-witkoff", "Переговоры с Виткоффом прошли в Абу-Даби.", None),
    ("steve-witkoff", "Встреча со Стивом Виткоффом назначена.", None),
    ("jared-kushner", "Вместе с Кушниром прилетели советники.", None),
    ("russian-foreign-ministry", "В Министерстве обороны России ответили.", None),
    ("european-central-bank", "Решение Федеральной резервной системы ждали.", None),
    ("european-central-bank", "Решение Центрального банка России ждали.", None),
    ("new-start", "Судьба о Новом старте неясна.", None),
    ("deconfliction-lines", "Связь поддерживают по каналам связи.", None),
    ("ukraine", "Украинцы вышли на улицы.", None),
    ("eucom", "Европейская комиссия промолчала.", None),
    ("inter-military-dialogue", "Стороны договорились о диалоге между политиками.", None),
]

GERMAN = [
    ("european-central-bank", "Die Entscheidung der Europäischen Zentralbank fiel am Donnerstag.", "Europäischen Zentralbank"),
    ("european-central-bank", "Die Europäische Zentralbank erhöhte die Zinsen.", "Europäische Zentralbank"),
    ("european-central-bank", "Von der Europäischen Zentralbank kam keine Antwort.", "Europäischen Zentralbank"),
    ("european-central-bank", "Die Präsidentin der EZB schwieg.", "EZB"),
    ("deconfliction-lines", "Die Arbeit des Kanals zur Konfliktvermeidung ruht.", "Kanals zur Konfliktvermeidung"),
    ("deconfliction-lines", "Beide Seiten nutzen die Kanäle zur Konfliktvermeidung.", "Kanäle zur Konfliktvermeidung"),
    ("inter-military-dialogue", "Die Dialoge zwischen den Streitkräften ruhen.", "Dialoge zwischen den Streitkräften"),
    ("inter-military-dialogue", "Das Ende des Dialoges zwischen den Streitkräften kam 2022.", "Dialoges zwischen den Streitkräften"),
    ("russian-foreign-ministry", "Eine Sprecherin des Russischen Außenministeriums sagte das.", "Russischen Außenministeriums"),
    ("russian-foreign-ministry", "Ein russisches Außenministerium gibt es seit 1802.", "russisches Außenministerium"),
    ("eucom", "Die Sprecher des US-Europakommandos schwiegen.", "US-Europakommandos"),
    ("ukraine", "Der Krieg in der Ukraine dauert an.", "Ukraine"),
    ("new-start", "Der Vertrag New START lief aus.", "New START"),
    # wrong terms
    ("european-central-bank", "Die Europäische Kommission erhöhte die Zinsen.", None),
    ("european-central-bank", "Die Zentralbank Europas erhöhte die Zinsen.", None),
    ("inter-military-dialogue", "Der Dialog zwischen den Regierungen ruht.", None),
    ("deconfliction-lines", "Die Kanäle der Kommunikation ruhen.", None),
    ("new-start", "Der Vertrag Neuer START lief aus.", None),
    ("new-start", "Die Zukunft des Neuen START ist offen.", None),
    ("russian-foreign-ministry", "Eine Sprecherin des russischen Verteidigungsministeriums sagte das.", None),
]

ARABIC = [
    ("russian-foreign-ministry", "وبحسب بيان لوزارة الخارجية الروسية فإن المحادثات انتهت.", "لوزارة الخارجية الروسية"),
    ("russian-foreign-ministry", "وقالت وزارة الخارجية الروسية إن المحادثات انتهت.", "وزارة الخارجية الروسية"),
    ("nato", "توترت العلاقات بين روسيا والناتو.", "والناتو"),
    ("nato", "تحدث الأمين العام للناتو.", "للناتو"),
    ("nato", "التحقت فنلندا بالناتو.", "بالناتو"),
    ("steve-witkoff", "التقى الرئيس وويتكوف في الكرملين.", "وويتكوف"),
    ("donald-trump", "بالنسبة لترامب فإن الاتفاق مهم.", "لترامب"),
    ("jared-kushner", "وصل ويتكوف وكوشنر إلى المدينة.", "وكوشنر"),
    ("ukraine", "استمرت الحرب بأوكرانيا.", "بأوكرانيا"),
    ("european-central-bank", "صدر قرار يتعلق بالبنك المركزي الأوروبي.", "بالبنك المركزي الأوروبي"),
    ("abu-dhabi", "عقد الاجتماع بأبوظبي.", "بأبوظبي"),
    # wrong terms
    ("russian-foreign-ministry", "وقالت وزارة الدفاع الروسية إن المحادثات انتهت.", None),
    ("new-start", "وقعت معاهدة بداية جديدة.", None),
    ("nato", "توترت العلاقات بين روسيا والاتحاد الأوروبي.", None),
    ("donald-trump", "انتشرت الحركة الترامبية.", None),
    ("steve-witkoff", "التقى الرئيس سويتكوف.", None),
]


@pytest.fixture(scope="module")
def terms() -> SourceTerms:
    return SourceTerms(require_valid([GLOSSARIES]))


@pytest.mark.parametrize(
    "locale, entry_id, text, found",
    [("ru", *row) for row in RUSSIAN] + [("de", *row) for row in GERMAN] + [("ar", *row) for row in ARABIC],
)
def test_inflection_aware_check(terms, locale, entry_id, text, found):
    result = check(text, [terms.entry_constraint(entry_id, locale)])[0]
    assert (result.status, result.found) == ("present" if found else "violated", found)


def _present(rows: list[tuple[str, str, str | None]]) -> int:
    return sum(1 for row in rows if row[2])


def test_case_table_size():
    present = _present
    assert (present(RUSSIAN), present(GERMAN), present(ARABIC)) >= (30, 10, 10)
    assert (len(RUSSIAN), len(GERMAN), len(ARABIC)) >= (30, 20, 10)
    assert all(len(rows) > present(rows) for rows in (RUSSIAN, GERMAN, ARABIC))


def test_forbidden_variants_are_inflected_too(terms):
    result = check("Переговоры с Виткоффом прошли.", [terms.entry_constraint("steve-witkoff", "ru")])[0]
    assert result.problem == "forbidden variant 'Виткоффом'"


def test_exact_form_is_reported_before_a_lemma_match(terms):
    ecb = terms.entry_constraint("european-central-bank", "de")
    text = "Die Europäische Zentralbank und die Europäischen Zentralbank."
    assert [r.found for r in check(text, [ecb, ecb])] == ["Europäische Zentralbank", "Europäischen Zentralbank"]
    assert check(text, [ecb, ecb, ecb])[2].problem == "missing (2 of 3 found)"


@pytest.mark.parametrize(
    "phrase, case, number, expected",
    [
        ("Стив Уиткофф", "accs", "sing", "Стива Уиткоффа"),  # a person: accusative = genitive
        ("Министерство иностранных дел России", "ablt", "sing", "Министерством иностранных дел России"),
        ("Европейский центральный банк", "loct", "sing", "Европейском центральном банке"),
        ("линии деконфликтинга", "datv", "plur", "линиям деконфликтинга"),
        ("российский МИД", "gent", "sing", "российского МИД"),
    ],
)
def test_generated_case_forms(phrase, case, number, expected):
    assert inflections(phrase)[(case, number)] == expected


def test_one_number_for_names_and_nothing_for_abbreviations():
    assert {n for _, n in inflections("Стив Уиткофф")} == {"sing"}
    assert {n for _, n in inflections("Договор о СНВ")} == {"sing"}
    assert set(inflections("НАТО").values()) == {"НАТО"}
    assert inflections("СНВ-3") == {}


def test_hand_listed_forms_keep_working(terms):
    ru = terms.entry_constraint("russian-foreign-ministry", "ru")
    assert ru.forms[:6] == ("МИД России", "МИД РФ", "Министерство иностранных дел России",
                            "Министерства иностранных дел России", "российский МИД", "российского МИД")  # fmt: skip
    assert "Министерствах иностранных дел России" not in ru.forms  # one of a kind: no plural
    assert "Стив Виткофф" in terms.entry_constraint("steve-witkoff", "ru").forbidden


def test_arabic_proclitics():
    assert {"والناتو", "للناتو", "وللناتو", "بالناتو"} <= set(clitic_forms("الناتو"))
    assert "لالناتو" not in clitic_forms("الناتو")
    assert "للبنك المركزي" in clitic_forms("البنك المركزي")


@pytest.mark.parametrize(
    "replaced, expected",
    [
        ("центральным банком Европы", "Европейским центральным банком"),
        ("центральному банку Европы", "Европейскому центральному банку"),
        ("центрального банка Европы", "Европейского центрального банка"),
        ("центральном банке", "Европейском центральном банке"),
        ("European Central Bank", None),  # no Russian words: the model's scores decide
        ("", None),
    ],
)
def test_agreeing_form(terms, replaced, expected):
    forms = terms.entry_constraint("european-central-bank", "ru").forms
    assert agreeing_form(forms, replaced, "ru") == expected


def test_grammeme_of_skips_prepositions():
    assert grammeme_of("с Уиткоффом") == ("ablt", "sing")
    assert grammeme_of("о линиях") == ("loct", "plur")


def _place(term: TermConstraint, output: str, place: str) -> str:
    """Place ``term`` in ``output`` with a stand-in model that likes the term where ``place``
    stood and has no preference among the forms."""
    def score(pairs):
        return [1.0 if any(text.replace(f, place, 1) == output for f in term.forms) else 0.0 for _, text in pairs]

    ((text, placed),) = place_terms([output], [[term]], lambda t: t.forms, score, source_words=lambda r, t: 3)
    assert placed == (term.id,)
    return text


def test_forced_russian_term_takes_the_case_of_the_words_it_replaces(terms):
    ecb = terms.entry_constraint("european-central-bank", "ru")
    text = _place(ecb, "Встреча с центральным банком Европы прошла спокойно.", "центральным банком Европы")
    assert text == "Встреча с Европейским центральным банком прошла спокойно."
    text = _place(ecb, "Глава центрального банка Европы выступил.", "центрального банка Европы")
    assert text == "Глава Европейского центрального банка выступил."
    witkoff = terms.entry_constraint("steve-witkoff", "ru")
    assert _place(witkoff, "Встреча с Уиткофом прошла.", "Уиткофом") == "Встреча с Стивом Уиткоффом прошла."


def test_forced_term_without_russian_words_falls_back_to_the_preferred_form(terms):
    ecb = terms.entry_constraint("european-central-bank", "ru")
    text = _place(ecb, "Встреча с European Central Bank прошла.", "European Central Bank")
    assert text == "Встреча с Европейский центральный банк прошла."


def test_lemmatised_term_success(terms):
    ecb_de = terms.entry_constraint("european-central-bank", "de")
    mfa_de = terms.entry_constraint("russian-foreign-ministry", "de")
    witkoff = terms.entry_constraint("steve-witkoff", "ru")
    segments = [
        ("Die Europäischen Zentralbanken tagten.", [ecb_de]),
        ("Das Verteidigungsministerium schwieg.", [mfa_de]),
        ("Переговоры со Стивом Уиткоффом.", [witkoff]),
        ("Ohne Begriff.", []),
    ]
    assert lemmatised_term_success(segments) == pytest.approx(2 / 3)
    assert lemmatised_term_success([("Ohne Begriff.", [])]) is None


def test_glossary_forms_cli():
    runner = CliRunner()
    result = runner.invoke(app, ["glossary", "forms", "steve-witkoff", "--locale", "ru", str(GLOSSARIES)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == ["preferred\tСтив Уиткофф", "allowed\tУиткофф", "generated\tСтива Уиткоффа"]
    assert "forbidden\tВиткоффом" in lines and "forbidden\tWittkopf" in lines
    result = runner.invoke(app, ["glossary", "forms", "european-central-bank", "-l", "de", str(GLOSSARIES)])
    assert "lemmas\teuropäisch Zentralbank" in result.output.splitlines()
    result = runner.invoke(app, ["glossary", "forms", "nope", "-l", "ru", str(GLOSSARIES)])
    assert (result.exit_code, result.output) == (2, "error: no entry 'nope' in the glossary\n")
    result = runner.invoke(app, ["glossary", "forms", "steve-witkoff", "-l", "ja", str(GLOSSARIES)])
    assert (result.exit_code, result.output) == (2, "error: entry 'steve-witkoff' has no term for locale 'ja'\n")
