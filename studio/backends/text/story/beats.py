"""Beats and arcs: the description, caption and speech templates of each story beat, and which
beats a story of N panels tells (desire stories and action stories)."""

from __future__ import annotations

from studio.backends.text.story.premise import Premise

# beat -> (description templates, caption templates, speech lines (speaker role, text))
_BEATS: dict[str, tuple[list[str], list[str], list[tuple[str, str]]]] = {
    "single": (
        ["{In_place}: {hero_look} {success}."],
        ["{premise_short}"],
        [("hero", "Look at me!")],
    ),
    "intro": (
        ["{Hero_look} sits {in_place}, {dream}.", "Morning {in_place}: {hero_look} is {dream}."],
        ["{In_place}, {hero} had one wish: to {goal_inf}.", "Every day, {hero} thought about {goal_ing}."],
        [("hero", "One day, I will {goal_inf}."), ("hero", "Someday... just you wait.")],
    ),
    "desire": (
        ["Close-up of {hero_look}, eyes shining with determination, drawing a plan in chalk on the ground."],
        ["The wish would not go away.", "So {hero} made a plan."],
        [("hero", "Today is the day."), ("hero", "I just need a plan.")],
    ),
    "preparation": (
        ["{Hero_look} gathers odds and ends {in_place}: string, tape and a notebook full of sketches."],
        ["Getting ready took all week.", "Getting ready was half the fun."],
        [("hero", "Rope... tape... courage."), ("hero", "This has to work.")],
    ),
    "attempt": (
        ["{Hero_look} {attempt}.", "Wide shot {in_place}: {hero_look} {attempt}."],
        ["So {hero} tried.", "So {hero} gave it a go."],
        [("hero", "Here goes!"), ("hero", "Three... two... one!")],
    ),
    "confrontation": (
        ["{Hero_look} {attempt}, then {failure}."],
        ["It was harder than it looked.", "The first try did not go well."],
        [("hero", "Ouch... not like that.")],
    ),
    "setback": (
        ["{Hero_look} {failure}."],
        ["It did not go as planned.", "Not quite."],
        [("hero", "Ouch."), ("hero", "That... was not it.")],
    ),
    "second_attempt": (
        ["{Hero_look} tries again from somewhere higher, jaw set, {in_place}."],
        ["Again. And again.", "{Hero} did not give up."],
        [("hero", "One more time!")],
    ),
    "lowpoint": (
        ["{Hero_look} sits alone in the rain {in_place}, shoulders slumped."],
        ["Maybe some wishes are too big.", "That night, {hero} almost gave up."],
        [("hero", "Maybe I'm just not meant to {goal_inf}.")],
    ),
    "twist": (
        ["Suddenly {helper_look} appears beside {hero_look}, holding out {means}.", "{Helper_look} drops {means} right at the feet of {hero_look}."],
        ["Then something unexpected happened.", "Help came from nowhere."],
        [("helper", "Need a hand? Try this."), ("helper", "Who says there's only one way?")],
    ),
    "help": (
        ["{Helper_look} shows {hero_look} {means}, and the two of them huddle over it."],
        ["A new friend had a new idea.", "{Helper} knew another way."],
        [("helper", "Try it with this."), ("hero", "Would that really work?")],
    ),
    "training": (
        ["{Hero_look} and {helper_look} practise together {in_place} until sunset."],
        ["They practised until the stars came out."],
        [("helper", "Again! You're getting it.")],
    ),
    "climax": (
        ["{Hero_look} {success}.", "Big panel: {hero_look} {success}."],
        ["And then, at last...", "This time, it worked."],
        [("hero", "I'm doing it!"), ("hero", "Look! It works!")],
    ),
    "resolution": (
        ["{Hero_look} {success}.", "Big panel: {hero_look} {success}."],
        ["In the end, {hero_pos} wish came true, just not the way anyone expected.", "And so, {hero} found a way."],
        [("hero", "I did it!"), ("helper", "Told you so.")],
    ),
    "celebration": (
        ["Back {in_place}, friends cheer around {hero_look} and {helper_look}."],
        ["Everyone wanted to hear the story."],
        [("helper", "Tell it again!")],
    ),
    "epilogue": (
        ["Evening {in_place}: {hero_look} and {helper_look} sit side by side, watching the sunset."],
        ["Some wishes just need a friend.", "And that was only the beginning."],
        [("hero", "Same time tomorrow?")],
    ),
    # action premises: the premise's event is the turn of the story
    "ordinary": (
        ["{Hero_look} goes about an ordinary day {in_place}.", "A quiet morning {in_place}: {hero_look} starts the day."],
        ["Life {in_place} was quiet.", "It began as an ordinary day."],
        [("hero", "Just another day."), ("hero", "Nothing ever happens here.")],
    ),
    "event": (
        ["{Hero_look} {action}, wide-eyed.", "Close-up: {hero_look} {action}."],
        ["Then, one day, {hero} {action_past}.", "That was when {hero} {action_past}."],
        [("hero", "What on earth...?"), ("hero", "This changes everything.")],
    ),
    "reaction": (
        ["{Hero_look} hurries {through_place}, looking for answers."],
        ["{Hero} had to know more.", "Questions piled up."],
        [("hero", "Someone must know something.")],
    ),
    "journey": (
        ["{Hero_look} sets out {through_place} with a small bag and a lantern."],
        ["There was only one way to find out.", "So the journey began."],
        [("hero", "Here we go.")],
    ),
    "obstacle": (
        ["A sudden storm sweeps {through_place}; {hero_look} shelters under a broken awning."],
        ["Nothing about it was easy.", "Then everything went wrong."],
        [("hero", "Not now...!")],
    ),
    "doubt": (
        ["{Hero_look} sits alone by a window at night, staring at the clue."],
        ["Had it all been a mistake?"],
        [("hero", "What was I thinking?")],
    ),
    "reveal": (
        ["{Helper_look} steps out of the shadows and shows {hero_look} {means}.", "{Helper_look} turns up with {means}, smiling knowingly."],
        ["But nothing was quite what it seemed.", "Then came the surprise."],
        [("helper", "I've been waiting for you.")],
    ),
    "teamup": (
        ["{Hero_look} and {helper_look} pore over a map by lamplight."],
        ["Two heads were better than one."],
        [("helper", "Look, here!")],
    ),
    "showdown": (
        ["{Hero_look} and {helper_look} reach the end of the trail as the sun comes up."],
        ["At last, the answer.", "And there it was."],
        [("hero", "So that's what it meant.")],
    ),
    "aftermath": (
        ["{Hero_look} and {helper_look} stand together {in_place}, smiling at what comes next."],
        ["Nothing would be the same again.", "And so a new story began."],
        [("hero", "So... what now?"), ("helper", "Now the fun starts.")],
    ),
    "homecoming": (
        ["Back home, {hero_look} pins a keepsake to the wall and smiles."],
        ["Some days change everything."],
        [("hero", "What a day.")],
    ),
}

_INTRODUCES_HELPER = {"twist", "help", "reveal"}
_SHOWS_HELPER = _INTRODUCES_HELPER | {"training", "celebration", "epilogue", "teamup", "showdown", "aftermath"}

# desire stories: panel count -> [(beat, label)]
_DESIRE_ARCS: dict[int, list[tuple[str, str]]] = {
    1: [("single", "gag")],
    2: [("intro", "setup"), ("resolution", "payoff")],
    3: [("intro", "setup"), ("confrontation", "confrontation"), ("resolution", "resolution")],
    4: [("intro", "ki"), ("attempt", "sho"), ("twist", "ten"), ("resolution", "ketsu")],
    5: [("intro", "setup"), ("attempt", "attempt"), ("setback", "setback"), ("twist", "twist"), ("resolution", "resolution")],
    6: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("help", "new idea"), ("resolution", "resolution")],
    7: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("resolution", "resolution")],
    8: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("climax", "climax"), ("epilogue", "epilogue")],
    9: [("intro", "setup"), ("desire", "inciting incident"), ("preparation", "preparation"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("climax", "climax"), ("epilogue", "epilogue")],
}
_DESIRE_ARCS[10] = _DESIRE_ARCS[9][:5] + [("second_attempt", "second attempt")] + _DESIRE_ARCS[9][5:]
_DESIRE_ARCS[11] = _DESIRE_ARCS[10][:8] + [("training", "training")] + _DESIRE_ARCS[10][8:]
_DESIRE_ARCS[12] = _DESIRE_ARCS[11][:10] + [("celebration", "celebration")] + _DESIRE_ARCS[11][10:]

# action stories: beats in story order with their priority (lower survives shorter stories)
_ACTION_ORDER = [
    ("ordinary", 1, "setup"), ("event", 0, "inciting incident"), ("reaction", 4, "rising action"),
    ("journey", 6, "journey"), ("obstacle", 5, "obstacle"), ("doubt", 7, "doubt"), ("reveal", 3, "twist"),
    ("teamup", 8, "team-up"), ("showdown", 9, "climax"), ("aftermath", 2, "resolution"),
    ("celebration", 11, "celebration"), ("homecoming", 10, "epilogue"),
]
_SHORT_LABELS = {3: ["setup", "confrontation", "resolution"], 4: ["ki", "sho", "ten", "ketsu"]}


def _arc(p: Premise, n: int) -> list[tuple[str, str]]:
    if p.kind != "action":
        return _DESIRE_ARCS[n]
    keep = {name for name, prio, _ in _ACTION_ORDER if prio < n}
    arc = [(name, label) for name, _, label in _ACTION_ORDER if name in keep]
    if n == 1:
        return [("event", "gag")]
    if n in _SHORT_LABELS:
        arc = [(b, lab) for (b, _), lab in zip(arc, _SHORT_LABELS[n])]
    return arc

