"""Motifs: concrete pictures (dream, attempt, failure, means, success) for common goals, and
generic ones for the rest."""

from __future__ import annotations

from studio.backends.text.story.premise import Premise

_MOTIFS: dict[str, dict[str, list[str]]] = {
    "fly": {
        "dream": ["watching birds wheel across the evening sky", "staring up at a flock of swallows"],
        "attempt": ["leaps off a garden fence with legs spread wide, flapping hard", "jumps from a stack of crates with cardboard wings strapped on"],
        "failure": ["tumbles into a flowerbed in a shower of petals", "lands in a puddle with a splash, cardboard wings crumpled"],
        "means": ["a bunch of bright red balloons", "a big paper kite", "a little hot-air balloon made from a picnic basket"],
        "success": ["floats high above the rooftops holding on to {means}, grinning at the birds alongside"],
    },
    "swim": {
        "dream": ["watching fish flicker under the surface of a pond"],
        "attempt": ["dips one toe into the cold water, then jumps in"],
        "failure": ["splutters back to the bank, soaked and shivering"],
        "means": ["a bright orange rubber ring", "a tiny wooden raft"],
        "success": ["glides across the water on {means}, laughing"],
    },
    "sing": {
        "dream": ["listening to a street singer under a lamp post"],
        "attempt": ["stands on an upturned bucket and sings as loud as possible"],
        "failure": ["winces as the neighbours slam their windows shut"],
        "means": ["an old gramophone", "a battered guitar"],
        "success": ["sings on a little stage while a crowd claps along, {means} beside"],
    },
    "paint": {
        "dream": ["gazing at a poster of a famous painting", "watching a street artist dab paint on a canvas"],
        "attempt": ["dabs paint on a wobbly canvas on an easel, frowning with concentration", "sets up an easel and a fresh canvas, brush in hand"],
        "failure": ["knocks the easel over, paint splattered everywhere", "stares at a muddy brown smudge on the canvas"],
        "means": ["a box of bright new paints", "a set of fine brushes", "an old painter's easel"],
        "success": ["stands beside a finished painting on an easel while a small crowd admires it"],
    },
    "bake": {
        "dream": ["breathing in the smell from a bakery window"],
        "attempt": ["kneads a lumpy ball of dough on a flour-covered table"],
        "failure": ["pulls a smoking, rock-hard loaf out of the oven"],
        "means": ["a stained old family recipe card", "a jar of bubbling sourdough starter"],
        "success": ["lifts a golden, crusty loaf out of the oven, steam curling up"],
    },
}
_GENERIC = {
    "dream": ["lost in thought, gazing at the horizon", "scribbling ideas in a battered notebook"],
    "attempt": ["tries to {goal_inf}, face scrunched with effort", "throws everything into a first try to {goal_inf}"],
    "failure": ["ends up in a heap, the first try in ruins", "watches the plan fall apart in a cloud of dust"],
    "means": ["a battered notebook full of tips", "a box of odd old gadgets", "a hand-drawn plan"],
    "success": ["finally manages to {goal_inf}, beaming with pride"],
}


def _motif(p: Premise) -> dict[str, list[str]]:
    first = p.goal_inf.split()[0].lower() if p.goal_inf else ""
    return _MOTIFS.get(first, _GENERIC) if p.kind == "desire" else _GENERIC
