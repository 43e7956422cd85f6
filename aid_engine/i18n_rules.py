"""A rules file's errors (`RulesetError`) in French: one table from each English message form to its French.

The errors keep their English `message` and their parts (file, line, rule id, did-you-mean), as programs and the
English text read them; `rules_error_text` writes the same error in French for a person: « base.yaml, ligne 12 :
règle gates.x : champ inconnu 'revenu' (vouliez-vous dire « revenu_brut_global » ?) ».  `RULES_FR` holds one
entry per message form raised for a rules file (ruleset/yamlfile.py, loader.py, expressions.py, periods.py's
academic year, files.py's reading, web/notice.py): a pattern over the English message and its French, `\\1` or
`\\g<name>` standing for what the pattern captured.  The names, keys, rule ids and values a message quotes stay as
they are; a few English words a value may be (« a list », « gate id ») are read in French (`_VALUES`); what a
third party says inside a message — PyYAML's problem, `string.Formatter`'s, rule-engine's — has its own table.
tests/test_rules_errors_language.py reads every raise site from the source: a message without French fails it.
Pure: no I/O.
"""

from __future__ import annotations

from .errors import RulesetError
from .i18n import NBSP, NNBSP, Table, t, translated
from .i18n import table as _table

# What PyYAML says a YAML text lacks or holds (`not valid YAML: …`).
YAML_FR = _table(
    (r"mapping values are not allowed here", "« : » inattendu (une valeur de clé n'est pas admise ici)"),
    (r"could not find expected ':'", "« : » attendu, introuvable"),
    (r"expected <block end>, but found (.+)", r"fin de bloc attendue (indentation) ; trouvé : \1"),
    (r"expected '<document start>', but found (.+)", r"fin du document attendue ; trouvé : \1"),
    (r"expected '(.)' or '(.)', but got (.+)", r"« \1 » ou « \2 » attendu ; trouvé : \3"),
    (r"expected (?P<expected>.+), but found (.+)", r"\g<expected> attendu ; trouvé : \2"),
    (r"found character (.+) that cannot start any token", r"le caractère \1 ne peut commencer aucun élément"),
    (r"found unexpected end of stream", "fin du texte inattendue (guillemet ou crochet non fermé ?)"),
    (r"found unknown escape character (.+)", r"caractère d'échappement inconnu \1"),
    (r"found undefined tag handle (.+)", r"préfixe d'étiquette \1 inconnu"),
    (r"could not determine a constructor for the tag (.+)", r"étiquette YAML \1 inconnue"),
    (r"found duplicate YAML directive", "directive %YAML en double"),
    (r"found incompatible YAML document \(version 1\.\* is required\)", "document YAML incompatible (version 1.* "
                                                                        "requise)"),
    (r"but found another document", "un second document (« --- ») : un seul est admis"),
)
# What PyYAML expected instead (`expected X, but found Y`).
_YAML_EXPECTED = _table(
    (r"' '", "« espace »"),
    (r"alphabetic or numeric character", "une lettre ou un chiffre"),
    (r"a comment or a line break", "un commentaire ou une fin de ligne"),
    (r"the node content", "une valeur"),
    (r"URI", "une adresse (URI)"),
    (r"'(.)'", r"« \1 »"),
    (r"a digit", "un chiffre"),
    (r"a digit or '(.)'", r"un chiffre ou « \1 »"),
    (r"escape sequence of (\d+) hexadecimal numbers", r"une séquence d'échappement de \1 chiffres hexadécimaux"),
    (r"indentation indicator in the range 1-9", "un indicateur d'indentation de 1 à 9"),
    (r"chomping or indentation indicators", "un indicateur de fin de bloc ou d'indentation"),
)
# What `string.Formatter` says of a message's braces (`message fr: …`).
FORMAT_FR = _table(
    (r"Single '\}' encountered in format string", "accolade « } » seule (écrivez « }} » pour une accolade)"),
    (r"Single '\{' encountered in format string", "accolade « { » seule (écrivez « {{ » pour une accolade)"),
    (r"expected '\}' before end of string", "« } » attendue avant la fin du texte"),
    (r"end of string while looking for conversion specifier", "fin du texte juste après « ! »"),
    (r"unmatched '\{' in format spec", "« { » sans « } » dans l'emplacement"),
    (r"expected ':' after conversion specifier", "« : » attendu après la conversion « !x »"),
    (r"unexpected '\{' in field name", "« { » inattendue dans le nom d'un emplacement"),
)
# What rule-engine says of an expression (`EvaluationError: …`).
ENGINE_FR = _table(
    (r"data type mismatch", "types incompatibles"),
    (r"invalid datetime literal", "date littérale invalide (d\"AAAA-MM-JJ\")"),
    (r"invalid string literal", "texte littéral invalide"),
    (r"invalid floating point literal \(leading zeros in decimal literals are not permitted\)",
     "nombre littéral invalide (pas de zéro en tête d'un nombre)"),
    (r"invalid timedelta string", "durée littérale invalide"),
)

# Every message a rules file can raise, in English → its French.  Specific forms before the general ones.
RULES_FR = _table(
    # yamlfile.py: the YAML itself
    (r"YAML aliases \(\*name\) are not allowed in rules files: write the value itself",
     "les alias YAML (*nom) sont refusés dans un fichier de règles : écrivez la valeur elle-même"),
    (r"keys must be names", "une clé doit être un nom"),
    (r"duplicate key (.+)", r"clé \1 en double"),
    (r"a number of more than (.+) digits is not allowed in rules files",
     r"un nombre de plus de \1 chiffres est refusé dans un fichier de règles"),
    (r"nested too deeply", "imbrication trop profonde"),
    (r"not valid YAML: (?P<yaml>.+)", r"YAML invalide : \g<yaml>"),
    (r"must hold a mapping of keys", "doit contenir des clés et leurs valeurs (un dictionnaire YAML)"),
    # loader.py: a list's items (before « … must be a mapping »)
    (r"each gate must be a mapping", "chaque condition (gate) doit contenir des clés et leurs valeurs"),
    (r"each band must be a mapping \{from: KM, points: N\}",
     "chaque tranche doit contenir des clés et leurs valeurs {from: KM, points: N}"),
    # yamlfile.py: Place, a mapping's fields
    (r"unknown key (.+)", r"clé inconnue \1"),
    (r"missing key (.+)", r"clé \1 manquante"),
    (r"(.+) must be a mapping", r"\1 doit contenir des clés et leurs valeurs (un dictionnaire YAML)"),
    (r"(.+) must be a non-empty text", r"\1 doit être un texte non vide"),
    (r"(.+) must be a whole number ≥ (.+), not (.+)", r"\1 doit être un nombre entier ≥ \2, et non \3"),
    (r"(.+): (.+) is not an amount \(a plain number such as 1234\.56: digits, an optional decimal point, no sign, "
     r"no exponent\)",
     r"\1 : \2 n'est pas un montant (un nombre simple comme 1234.56 : des chiffres, un point décimal facultatif, "
     "ni signe ni exposant)"),
    (r"(.+): (.+) is not an amount", r"\1 : \2 n'est pas un montant"),
    (r"(.+): (.+) must be an amount ≥ 0", r"\1 : \2 doit être un montant ≥ 0"),
    (r"message (.+): (.+) must be a bare placeholder \(no format spec after ':', no conversion after '!'\)",
     r"message \1 : \2 doit être un simple emplacement {nom} (sans format après « : », sans conversion après "
     "« ! »)"),
    (r"message (.+): unknown placeholder (.+) \(allowed: (.+)\)", r"message \1 : emplacement \2 inconnu (admis : \3)"),
    (r"message (.+): (?P<fmt>.+)", r"message \1 : \g<fmt>"),
    # loader.py
    (r"(.+) must be a non-empty list", r"\1 doit être une liste non vide"),
    (r"(.+) (\S+) is used twice", r"\1 \2 est employé deux fois"),
    (r"(.+): échelon (.+) is missing", r"\1 : l'échelon \2 manque"),
    (r"(.+): (.+) is not an échelon", r"\1 : \2 n'est pas un échelon"),
    (r"ceilings of échelon (.+): need (.+) values \(0 … (.+) points\), got (.+)",
     r"plafonds de l'échelon \1 : \2 valeurs attendues (de 0 à \3 points), reçu : \4"),
    (r"ceilings of échelon (.+) must increase with points: (.+) at (.+) then (.+) at (.+)",
     r"les plafonds de l'échelon \1 doivent croître avec les points : \2 à \3 points puis \4 à \5"),
    (r"ceilings must decrease from 0bis to 7: échelon (.+) \((.+)\) is not below échelon (.+) \((.+)\) at (.+) "
     r"points",
     r"les plafonds doivent décroître de l'échelon 0bis à l'échelon 7 : l'échelon \1 (\2) n'est pas sous "
     r"l'échelon \3 (\4) à \5 points"),
    (r"rates must increase from 0bis to 7: (.+) \((.+)\) ≤ (.+)",
     r"les taux doivent croître de l'échelon 0bis à l'échelon 7 : \1 (\2) ≤ \3"),
    (r"the first distance band must start at 0 km", "la première tranche de distance doit commencer à 0 km"),
    (r"distance bands must start at increasing distances with non-decreasing points",
     "les tranches de distance doivent commencer à des distances croissantes, leurs points sans décroître"),
    (r"no (.+) among the rules files", r"pas de \1 parmi les fichiers de règles"),
    (r"rules files are base\.yaml and years/YYYY-YYYY\.yaml only",
     "les fichiers de règles sont base.yaml et years/AAAA-AAAA.yaml, aucun autre"),
    (r"no academic year under years/", "aucune année universitaire sous years/"),
    (r"academic year (.+) is also defined in (.+): years must not overlap",
     r"l'année universitaire \1 est aussi définie dans \2 : les années ne doivent pas se chevaucher"),
    (r"academic years must follow each other: (.+) then (.+) leaves a hole",
     r"les années universitaires doivent se suivre : \1 puis \2 laisse un trou"),
    (r"the file of academic year (.+) must be named (.+)",
     r"le fichier de l'année universitaire \1 doit s'appeler \2"),
    (r"no rates: the first academic year must state 'rates'",
     "pas de taux : la première année universitaire doit donner ses taux sous 'rates'"),
    (r"a year that changes nothing must say so, with its source, under 'unchanged'",
     "une année qui ne change rien doit le dire, avec sa source, sous 'unchanged'"),
    (r"not UTF-8 \(byte (.+)\)", r"n'est pas en UTF-8 (octet \1)"),
    (r"is not a directory of rules", "n'est pas un dossier de règles"),
    # periods.py: AcademicYear.parse
    (r"(.+) is not an academic year like '2024-2025'", r"\1 n'est pas une année universitaire comme '2024-2025'"),
    # files.py: open_regular, read_limited (reading a rules file)
    (r"no such file", "fichier introuvable"),
    (r"is a directory, not an? (.+)", r"est un dossier, pas un \1"),
    (r"cannot be read \((.+)\)", r"illisible (\1)"),
    (r"is (.+), not an? (.+) \(give a regular file, or - for standard input\)",
     r"est \1, pas un \2 (donnez un fichier ordinaire)"),
    (r"is larger than (.+), the limit for (.+)", r"dépasse \1, la taille maximale pour \2"),
    # expressions.py
    (r"(.+) is for programme statistics only and never used by a rule",
     r"\1 ne sert qu'aux statistiques du programme : une règle ne le lit jamais"),
    (r"(.+) is an opaque identifier and never used by a rule",
     r"\1 est un identifiant opaque : une règle ne le lit jamais"),
    (r"(.+) names the training organisation and is never used by a rule",
     r"\1 désigne l'organisme de formation : une règle ne le lit jamais"),
    (r"unknown field (.+)", r"champ inconnu \1"),
    (r"the expression is nested more than (.+) levels deep", r"l'expression est imbriquée sur plus de \1 niveaux"),
    (r"attribute access \(x\.attr\) is not allowed in a rule",
     "l'accès à un attribut (x.attr) est refusé dans une règle"),
    (r"item access \(x\[i\]\) is not allowed in a rule", "l'accès à un élément (x[i]) est refusé dans une règle"),
    (r"slices are not allowed in a rule", "les tranches (x[a:b]) sont refusées dans une règle"),
    (r"function calls are not allowed in a rule", "les appels de fonction sont refusés dans une règle"),
    (r"regular expressions \(=~\) are not allowed in a rule",
     "les expressions régulières (=~) sont refusées dans une règle"),
    (r"comprehensions are not allowed in a rule", "les compréhensions sont refusées dans une règle"),
    (r"type mismatch: (.+) compared with (.+) is never equal",
     r"types incompatibles : \1 comparé à \2 n'est jamais égal"),
    (r"the operator (.+) is not allowed in a rule \(only \+, - and \*\)",
     r"l'opérateur \1 est refusé dans une règle (seuls +, - et *)"),
    (r"the unary operator (.+) is not allowed in a rule", r"l'opérateur unaire \1 est refusé dans une règle"),
    (r"builtin \$(.+) is not allowed in a rule \(rules never read the clock\)",
     r"la fonction intégrée $\1 est refusée dans une règle (une règle ne lit jamais l'horloge)"),
    (r"builtin \$(.+) is not allowed in a rule", r"la fonction intégrée $\1 est refusée dans une règle"),
    (r"(.+) is not allowed in a rule", r"\1 est refusé dans une règle"),
    (r"the expression is empty", "l'expression est vide"),
    (r"the expression is longer than (.+) characters", r"l'expression dépasse \1 caractères"),
    (r"invalid escape sequence in a string", "séquence d'échappement invalide dans un texte"),
    (r"syntax error at the end", "erreur de syntaxe à la fin de l'expression"),
    (r"syntax error at (.+)", r"erreur de syntaxe à \1"),
    (r"([A-Z]\w*Error): (?P<engine>.+)", r"\1 : \g<engine>"),
    (r"a predicate must give true or false, this one gives (.+)",
     r"une condition doit donner vrai ou faux (true/false), celle-ci donne \1"),
    (r"the expression reads no field of the declaration", "l'expression ne lit aucun champ de la déclaration"),
    # web/notice.py: rules/notice.yaml
    (r"cannot read the notice's rules \((.+)\)", r"les règles de la notification sont illisibles (\1)"),
    (r"decision_makers: a default \(territory \"\*\", no until\) is required",
     "decision_makers : une autorité par défaut (territory \"*\", sans until) est obligatoire"),
    (r"appeal and legal_basis need fr and en", "appeal et legal_basis demandent chacun fr et en"),
)

_INNER: dict[str, Table] = {"yaml": YAML_FR, "fmt": FORMAT_FR, "engine": ENGINE_FR, "expected": _YAML_EXPECTED}
# English words a value of a message may be (`text.shown`, a kind of file, what is used twice) → French.
_VALUES = {
    "a list": "une liste", "a mapping": "un dictionnaire", "not a list": "pas une liste", "none": "aucun",
    "gate id": "l'identifiant de condition", "reason code": "le code de motif", "rules file": "fichier de règles",
    "a rules file": "un fichier de règles",
    "a directory": "un dossier", "a FIFO (named pipe)": "un tube nommé (FIFO)", "a device": "un périphérique",
    "a socket": "une socket", "not a regular file": "pas un fichier ordinaire",
    "'<stream end>'": "la fin du texte", "'<scalar>'": "une valeur", "'<block mapping start>'": "une clé",
    "'<block sequence start>'": "une liste",
}
_VALUE_FORMS = _table((r"a number of (\d+) digits", r"un nombre de \1 chiffres"), (r"(\d+) MiB", r"\1 Mio"),
                      (r"(\d+) bytes", r"\1 octets"))


def _part(name: str, value: str) -> str:
    """A captured value in French: a third party's words through their table, an English word a value may be."""
    if name in _INNER:
        return translated(_INNER[name], value, _part) or value
    return _VALUES.get(value) or translated(_VALUE_FORMS, value, _part) or value


def rules_message(message: str) -> str:
    """The French of a rules file's English message; a message of no known form stays as it is.

    >>> rules_message("unknown key 'rate'"), rules_message("'0bis': a list is not an amount")
    ("clé inconnue 'rate'", "'0bis'\\xa0: une liste n'est pas un montant")
    """
    return translated(RULES_FR, message, _part) or message


def rules_error_text(exc: RulesetError) -> str:
    """A rules file's error in French: the file and line, the rule, what is wrong, the did-you-mean.

    >>> rules_error_text(RulesetError("missing key 'label'", file="base.yaml", line=98, rule_id="gate.x"))
    "base.yaml, ligne 98\\xa0: règle gate.x\\xa0: clé 'label' manquante"
    """
    text = exc.file or "<règles>"
    if exc.line is not None:
        text += ", " + t("error.line", "fr", line=exc.line)
    text += NBSP + ": "
    if exc.rule_id:
        text += f"règle {exc.rule_id}{NBSP}: "
    text += rules_message(exc.message)
    if exc.suggestion:
        text += f" (vouliez-vous dire «{NBSP}{exc.suggestion}{NBSP}»{NNBSP}?)"
    return text
