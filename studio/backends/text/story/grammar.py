"""English word forms the story writer needs: gerund, infinitive and simple past of a verb
phrase, an indefinite article, a capital first letter."""

from __future__ import annotations


def _gerund(verb_phrase: str) -> str:
    words = verb_phrase.split()
    if not words:
        return verb_phrase
    v = words[0].lower()
    irregular = {"be": "being", "see": "seeing", "die": "dying", "lie": "lying", "tie": "tying", "flee": "fleeing", "ski": "skiing"}
    if v in irregular:
        g = irregular[v]
    elif v.endswith("ie"):
        g = v[:-2] + "ying"
    elif v.endswith("e") and not v.endswith(("ee", "ye", "oe")) and len(v) > 2:
        g = v[:-1] + "ing"
    elif (len(v) <= 4 and len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou"):
        g = v + v[-1] + "ing"
    else:
        g = v + "ing"
    return " ".join([g] + words[1:])


def _infinitive_from_third(verb: str) -> str:
    v = verb.lower()
    irregular = {"is": "be", "are": "be", "has": "have", "does": "do", "goes": "go", "can": "can", "will": "will"}
    if v in irregular:
        return irregular[v]
    if v.endswith("ies") and len(v) > 4:
        return v[:-3] + "y"
    if v.endswith(("ches", "shes", "sses", "xes", "zes")):
        return v[:-2]
    if v.endswith("s") and not v.endswith("ss"):
        return v[:-1]
    return v


_IRREGULAR_PAST = {
    "be": "was", "have": "had", "do": "did", "go": "went", "find": "found", "meet": "met", "lose": "lost",
    "fight": "fought", "build": "built", "fall": "fell", "get": "got", "become": "became", "wake": "woke",
    "run": "ran", "steal": "stole", "make": "made", "take": "took", "see": "saw", "come": "came", "eat": "ate",
    "win": "won", "sing": "sang", "swim": "swam", "fly": "flew", "catch": "caught", "teach": "taught",
    "buy": "bought", "bring": "brought", "think": "thought", "keep": "kept", "sleep": "slept", "leave": "left",
    "give": "gave", "write": "wrote", "ride": "rode", "draw": "drew", "grow": "grew", "throw": "threw",
    "know": "knew", "hide": "hid", "break": "broke", "speak": "spoke", "choose": "chose", "forget": "forgot",
    "sell": "sold", "tell": "told", "hold": "held", "stand": "stood", "understand": "understood", "slay": "slew",
    "dig": "dug", "feel": "felt", "hear": "heard", "lead": "led", "read": "read", "send": "sent", "spend": "spent",
}


_DOUBLING = {"stop", "plan", "drop", "grab", "trap", "ship", "skip", "chop", "shop", "step", "trip", "slip", "spot", "snap", "clap", "flip", "knit", "admit", "commit", "prefer", "control", "travel"}


def _past(verb_phrase: str) -> str:
    """Simple past of a verb phrase in the infinitive: 'solve a mystery' -> 'solved a mystery'."""
    words = verb_phrase.split()
    if not words:
        return verb_phrase
    v = words[0].lower()
    if v in _IRREGULAR_PAST:
        past = _IRREGULAR_PAST[v]
    elif v.endswith("e"):
        past = v + "d"
    elif v.endswith("y") and len(v) > 2 and v[-2] not in "aeiou":
        past = v[:-1] + "ied"
    elif (len(v) == 3 or v in _DOUBLING) and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou":
        past = v + v[-1] + "ed"
    else:
        past = v + "ed"
    return " ".join([past] + words[1:])


def _infinitive_from_gerund(g: str) -> str:
    w = g.split()
    v = w[0].lower()
    if not v.endswith("ing") or len(v) < 5:
        return g
    stem = v[:-3]
    if stem.endswith("y") and len(stem) <= 3:  # flying -> fly
        pass
    elif len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsaeiou":  # swimming -> swim
        stem = stem[:-1]
    elif len(stem) >= 3 and stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou" and stem[-3] not in "aeiou" and stem[-1] in "kvcz":
        stem += "e"  # baking -> bake, diving -> dive
    return " ".join([stem] + w[1:])


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s
