"""The template writer's pools: for every beat, picture descriptions, captions and speech lines,
general ones and ones for a kind of story (making, finding, befriending, competing, saving,
going somewhere, performing), filled from the request's own words.

Slots (see templates.py): `{H}`/`{O}` the hero / other character as drawn (their look), `{h}`/`{o}`
as named in words ("the lighthouse keeper", "Chef Rosa"), `{h_s}`/`{o_s}` possessives, `{both}`;
`{goal}` (infinitive phrase), `{goal_ing}`, `{obj}` ("the tallest cake"), `{an_obj}`, `{place}`
("the volcano", "Mars"), `{in_place}`, `{time}` ("at dawn"), `{weather}` ("the storm"),
`{obstacle}`, `{prop}`. `<verb>` agrees with the nearest subject slot before it (present tense),
`<verb:d>` is its past; `<goal>` / `<goal:d>` are the goal phrase conjugated the same way.
A template is used only when every slot it names has a value. Every speech line names something
of the request, so two requests share almost no lines.
"""

from __future__ import annotations

#: goal verb -> kind of story
VERB_CLASSES: dict[str, str] = {}
for _cls, _verbs in {
    "make": "bake cook build make invent paint draw write knit sew grow plant brew craft create design carve "
            "sculpt compose assemble decorate cut weave forge",
    "fix": "fix repair mend restore rebuild",
    "find": "find discover search seek hunt look uncover dig track explore map",
    "befriend": "befriend meet love adopt help visit marry join comfort tame understand hug greet",
    "compete": "compete race win beat challenge fight battle duel defeat outdo play score",
    "save": "save rescue protect guard defend free heal stop escape hide",
    "fly": "fly float soar glide",
    "go": "swim climb reach travel cross sail go run leave see ride walk jump dive land deliver carry return",
    "perform": "sing dance perform act juggle",
}.items():
    for _v in _verbs.split():
        VERB_CLASSES.setdefault(_v, _cls)

#: beat -> list of (descriptions, captions, lines [(speaker, text)])
Pool = dict[str, tuple[list[str], list[str], list[tuple[str, str]]]]

GENERIC: Pool = {
    "gag": (
        ["{H} <goal> {in_place}, grinning from ear to ear.", "Big panel {in_place}: {H} <goal>, against every odd."],
        ["{Premise}."],
        [("hero", "Who says I can't {goal}?"), ("hero", "Watch me {goal}, {place_voc}!")],
    ),
    "intro": (
        ["{H} <stand> {in_place} {time}, looking into the distance.", "Wide shot of {place} {time}: {H} <go> about the day.",
         "{In_place} {time}, {H} <sit> thinking about {obj}.", "{H} and {O} <be> both {in_place} {time}, not yet together.",
         "Morning {in_place}: {H} <stretch>, ready for whatever {place} brings."],
        ["{In_place}, {h} <have:d> a simple life.", "Nobody {in_place} expected much of {h}.",
         "This is the story of {h} and {obj}.", "{Time_cap}, {in_place}, it all began."],
        [("hero", "Another day {in_own_place}."), ("hero", "Nothing ever happens {in_own_place}... or does it?"),
         ("hero", "If only I could {goal}."), ("other", "Is that {h} again?"), ("hero", "Hello, {place_voc}!")],
    ),
    "want": (
        ["Close-up of {H}, eyes shining, thinking about how to {goal}.", "{H} <sketch> a plan to {goal} on a scrap of paper."],
        ["{H_ref_cap} <want:d> one thing: to {goal}.", "The idea to {goal} would not go away."],
        [("hero", "I'm going to {goal}. I have to."), ("hero", "How hard can it be to {goal}?"),
         ("other", "You really want to {goal}, {h_short}?")],
    ),
    "prepare": (
        ["{H} <gather> everything needed to {goal}, spread out {in_place}.", "{H} <lay> out tools and notes {in_place}, ready to {goal}."],
        ["Getting ready to {goal} took all week.", "{H_ref_cap} <plan:d> every detail."],
        [("hero", "Everything I need to {goal}... check."), ("hero", "{Place_voc_cap}, get ready for me.")],
    ),
    "try": (
        ["{H} <try> to {goal} {in_place}, face scrunched with effort.", "Wide shot {in_place}: {H} <throw> everything into trying to {goal}."],
        ["So {h} <try:d> to {goal}.", "{H_ref_cap} <give:d> it a first go."],
        [("hero", "Here goes: {goal_ing}, take one!"), ("hero", "Stand back, everyone {in_own_place}!"), ("other", "Careful, {h_short}!")],
    ),
    "trouble": (
        ["{H} <stumble> back {in_place}, the first try in ruins.", "{H} <stare> at the mess {in_place}; trying to {goal} was harder than it looked."],
        ["Trying to {goal} was harder than it looked.", "It did not go as planned."],
        [("hero", "Maybe {goal_ing} isn't for me."), ("hero", "Why won't anything {in_own_place} cooperate?"),
         ("other", "That's not how you {goal}, {h_short}!")],
    ),
    "low": (
        ["{H} <sit> alone {in_place} as night falls, shoulders slumped.", "Rain on the window: {H} <stare> out at {place}, downcast."],
        ["That night, {h} almost <give:d> up on {goal_ing}.", "Maybe some wishes are too big for {place}."],
        [("hero", "Who was I kidding about {goal_ing}?"), ("hero", "Goodnight, {place_voc}. I tried.")],
    ),
    "second": (
        ["{H} <try> to {goal} again, jaw set, {in_place}.", "{H} <roll> up {h_poss} sleeves and <start> over {in_place}."],
        ["Again. And again.", "{H_ref_cap} <do:d> not give up on {goal_ing}."],
        [("hero", "Once more, {place_voc}. Once more."), ("hero", "I'll {goal} if it takes all night.")],
    ),
    "turn": (
        ["Suddenly {O} <appear> beside {H} {in_place}.", "{O} <turn> up {in_place} just when {H} <need> help most.",
         "{H} <stop> short {in_place}, struck by a sudden idea.", "{H} <notice> something nobody else <have:d> seen {in_place}."],
        ["Then something unexpected happened {in_place}.", "Then {h} <have:d> an idea.", "{H_ref_cap} <see:d> {place} with new eyes."],
        [("other", "Need a hand, {h_short}?"), ("hero", "{O_short_cap}? What are you doing here?"),
         ("hero", "Wait... that's it! That's how {h_a} can {goal_plain}!")],
    ),
    "together": (
        ["{H} and {O} <work> side by side {in_place}.", "{H} and {O} <lean> over a plan to {goal}, heads together."],
        ["Two were better than one.", "Together, {both} <find:d> a way."],
        [("other", "You hold it, I'll steer, {h_short}."), ("hero", "With you here, {o_short}, I can {goal}.")],
    ),
    "climax": (
        ["Big panel {in_place}: {H} <goal>.", "{H} <goal> at last, {in_place}, everyone watching."],
        ["And then, at last...", "This time, it worked."],
        [("hero", "I'm doing it! I can {goal}!"), ("hero", "Look, {place_voc}, look!")],
    ),
    "end": (
        ["{H} <goal>, beaming {in_place}.", "Big panel {in_place}: {H} <goal>, against all odds."],
        ["In the end, {h} <goal:d>.", "And so, {in_place}, {h} <goal:d>."],
        [("hero", "I did it! I really did {goal}!"), ("other", "Well done, {h_short}!"), ("hero", "{Own_place_cap} will never be the same.")],
    ),
    "celebrate": (
        ["Everyone {in_place} <cheer> around {H}.", "Lanterns and cheering {in_place}; {H} <take> a shy bow."],
        ["All of {place} wanted to hear about it.", "That night, {place} celebrated."],
        [("other", "Tell us again how you did {goal}, {h_short}!"), ("hero", "Thank you, {place_voc}!")],
    ),
    "epilogue": (
        ["Evening {in_place}: {H} <watch> the sun go down, smiling.", "{H} <pin> a keepsake of the day to the wall {in_place}."],
        ["And that was only the beginning for {h}.", "Some days change everything, even {in_place}."],
        [("hero", "Same time tomorrow, {place_voc}?"), ("hero", "Who knew I could {goal}?")],
    ),
}

#: kind of story -> beats with their own pictures and lines (added to the general ones)
CLASSES: dict[str, Pool] = {
    "make": {
        "try": (["{H} <set> to work on {obj} {in_place}, sleeves rolled up.", "{H} <measure> twice and <cut> once, working on {obj}."],
                ["Work on {obj} began at once.", "{H_ref_cap} <start:d> on {obj} with high hopes."],
                [("hero", "First, the base of {obj}..."), ("hero", "{Obj_cap}, you're going to be perfect."), ("other", "Is {obj} supposed to wobble like that?")]),
        "trouble": (["{Obj_cap} <collapse> in a heap in front of {H}.", "A puff of smoke: {H} <cough> over the ruined {obj_bare}."],
                    ["{Obj_cap} did not hold together.", "The first {obj_bare} fell apart."],
                    [("hero", "No, no, no, not {obj}!"), ("other", "Maybe {obj} needs a little more... something?")]),
        "end": (["{H} <stand> proudly beside the finished {obj_bare} {in_place}.", "{H} <hold> up the finished {obj_bare}, which gleams."],
                ["At last, {obj} was finished.", "In the end, {h} <goal:d>, and it was glorious."],
                [("hero", "Behold: {obj}!"), ("other", "You actually made {obj}!")]),
    },
    "fix": {
        "try": (["{H} <take> {obj} apart piece by piece {in_place}.", "{H} <peer> into {obj} with a torch {in_place}, spanner in hand."],
                ["Work on {obj} began at once.", "{H_ref_cap} <start:d> on {obj} with high hopes."],
                [("hero", "Let's see what's wrong with {obj}..."), ("other", "Do you know how {obj} works, {h_short}?")]),
        "trouble": (["A spring <fly> out of {obj}; {H} <duck>.", "{H} <stare> at a heap of parts from {obj} {in_place}."],
                    ["{Obj_cap} would not cooperate.", "Every fix broke something else."],
                    [("hero", "Where does this bit of {obj_bare} go?"), ("other", "Was {obj} meant to have this many pieces left over?")]),
        "end": (["{H} <stand> back from {obj_fixed}, which is good as new, {in_place}.", "{Obj_fixed_cap} <whir> back to life while {H} <cheer> {in_place}."],
                ["At last, {obj_fixed} worked again.", "In the end, {h} <goal:d>, good as new."],
                [("hero", "Listen to {obj_fixed} purr!"), ("other", "You fixed {obj_fixed}, {h_short}!")]),
    },
    "find": {
        "try": (["{H} <search> {place} high and low for {obj}.", "{H} <follow> a trail of clues across {place}, looking for {obj}."],
                ["The search for {obj} began.", "{H_ref_cap} <look:d> everywhere for {obj}."],
                [("hero", "{Obj_cap} has to be here somewhere."), ("hero", "I'll search every corner of {place} if I have to!")]),
        "turn": (["{H} <spot> a glint {in_place}: {obj}, half hidden.", "{O} <point> {h} towards {obj}."],
                 ["And there, at last, was {obj}.", "The search ended where it had begun."],
                 [("hero", "Is that... {obj}?"), ("other", "Over here! I found {obj}!")]),
        "end": (["{H} <hold> {obj} up to the light {in_place}.", "{H} <kneel> beside {obj} {in_place}, amazed."],
                ["{H_ref_cap} had found {obj}.", "What {h} <find:d> {in_place} changed everything."],
                [("hero", "{Obj_cap}... it's real!"), ("other", "All this time, {obj} was right here.")]),
    },
    "befriend": {
        "intro": (["{H} <notice> {O} for the first time {in_place}.", "{H} <catch> sight of {O} {in_place}."],
                  ["{H_ref_cap} had never met anyone like {o}.", "That was the day {h} first saw {o}."],
                  [("hero", "Hello there, {o_short}..."), ("other", "Who are you, and why are you {in_place}?")]),
        "try": (["{H} <hold> out a hand to {O}, slowly.", "{H} <offer> {O} something to share, {in_place}."],
                ["{H_ref_cap} <try:d> to make friends with {o}.", "Making friends with {o} took patience."],
                [("hero", "I won't hurt you, {o_short}."), ("other", "Why would {h} be kind to me?")]),
        "trouble": (["{O} <back> away from {H}, wary.", "{O} <hide> from {H} {in_place}."],
                    ["{O_ref_cap} did not trust {h} at first.", "Friendship with {o} would not come easily."],
                    [("hero", "Please don't go, {o_short}!"), ("other", "Leave me alone, {h_short}.")]),
        "end": (["{H} and {O} <sit> side by side {in_place}, friends at last.", "{H} and {O} <share> a quiet moment {in_place}."],
                ["In the end, {h} and {o} became friends.", "{Both_cap} were never lonely again."],
                [("other", "Thank you, {h_short}."), ("hero", "Friends, {o_short}? Friends.")]),
    },
    "compete": {
        "intro": (["{H} and {O} <glare> at each other {in_place}, each sure of winning.", "{H} and {O} <stand> back to back {in_place}, arms folded."],
                  ["{Both_cap} had always been rivals.", "{In_place}, only one of them could win."],
                  [("hero", "You don't stand a chance, {o_short}."), ("other", "We'll see, {h_short}. We'll see.")]),
        "try": (["{H} and {O} <race> to {goal}, elbows out.", "At the starting signal {in_place}, {H} and {O} <rush> to {goal}."],
                ["The contest to {goal} began.", "Ready, steady... {goal}!"],
                [("hero", "Mine will be better than yours, {o_short}!"), ("other", "Not if I {goal} first, {h_short}!")]),
        "trouble": (["{O} <pull> ahead while {H} <fumble> {in_place}.", "{H_gen_cap} attempt <wobble>; {O} <smirk>."],
                    ["{O_ref_cap} took the lead.", "For a moment, it looked like {o} would win."],
                    [("other", "Ha! Beat that, {h_short}!"), ("hero", "This isn't over, {o_short}!")]),
        "turn": (["{H} and {O} <trip> over each other {in_place}, and everything crashes down.", "Both attempts to {goal} topple at once; {H} and {O} <stare> at the wreck."],
                 ["Then everything went wrong for both of them.", "The rivals were in the same mess."],
                 [("hero", "Look what we did, {o_short}."), ("other", "Maybe... we could {goal} together, {h_short}?")]),
        "end": (["{H} and {O} <goal> together, sharing the prize {in_place}.", "{H} and {O} <raise> a trophy together {in_place}."],
                ["In the end, {both} <goal:d> together.", "The rivals learned to share the prize."],
                [("hero", "A tie, {o_short}?"), ("other", "Next year I'll win, {h_short}.")]),
    },
    "save": {
        "trouble": (["Danger {in_place}: {H} <rush> to {goal}, but the way is blocked.", "{H} <race> against time {in_place} to {goal}."],
                    ["There was no time to lose.", "Could {h} {goal} in time?"],
                    [("hero", "Hold on, I'm coming to {goal}!"), ("other", "Hurry, {h_short}!")]),
        "end": (["{H} <goal> just in time {in_place}.", "{H} <stand> tall {in_place}, having managed to {goal}."],
                ["{H_ref_cap} <goal:d>, just in time.", "Thanks to {h}, all was well {in_place}."],
                [("hero", "Everyone {in_own_place} is safe now."), ("other", "You came to {goal}, {h_short}!")]),
    },
    "go": {
        "try": (["{H} <take> a run-up {in_place} and <try> to {goal}.", "{H} <leap> into the attempt to {goal} {in_place}."],
                ["{H_ref_cap} <take:d> a deep breath and tried to {goal}.", "Off {h} went."],
                [("hero", "Three, two, one... {goal}!"), ("hero", "{Place_voc_cap}, here I come!")]),
        "trouble": (["{H} <tumble> down with a bump {in_place}.", "{H} <land> in a heap {in_place}, dizzy."],
                    ["{Goal_ing_cap} was not as easy as it looked.", "Bump."],
                    [("hero", "Ow. {Goal_ing_cap} is hard for {h_a}."), ("other", "Are you hurt, {h_short}?")]),
        "end": (["{H} <goal> at last, eyes wide with wonder.", "Big panel: {H} <goal>, grinning from ear to ear."],
                ["And at last, {h} <goal:d>.", "{Place_cap} had never seen anything like it."],
                [("hero", "I did it! I can {goal}!"), ("other", "{H_short_cap} did it!")]),
    },
    "fly": {
        "try": (["{H} <take> a run-up {in_place} and <leap>, flapping hard.", "{H} <jump> from a stack of crates {in_place} with cardboard wings strapped on."],
                ["{H_ref_cap} <take:d> a deep breath and tried to {goal}.", "Off {h} went, into the air... almost."],
                [("hero", "Three, two, one... {goal}!"), ("hero", "{Place_voc_cap}, here I come!")]),
        "trouble": (["{H} <tumble> into a flowerbed {in_place} in a shower of petals.", "{H} <land> in a puddle {in_place}, wings crumpled."],
                    ["{Goal_ing_cap} was not as easy as it looked.", "Gravity won the first round."],
                    [("hero", "Ow. {Goal_ing_cap} is hard for {h_a}."), ("other", "Are you hurt, {h_short}?")]),
        "end": (["{H} <goal> high over {place}, laughing.", "Big panel: {H} <goal>, {place} spread out below."],
                ["And at last, {h} <goal:d>.", "{Place_cap} had never seen anything like it."],
                [("hero", "I can {goal}! Look at me, {place_voc}!"), ("other", "{H_short_cap} can {goal}!")]),
    },
    "perform": {
        "try": (["{H} <step> onto a small stage {in_place} to {goal}.", "{H} <practise> {in_place} in front of a mirror."],
                ["{H_ref_cap} <practise:d> every single day.", "The first rehearsal began."],
                [("hero", "One, two, three... {goal}!"), ("other", "From the top, {h_short}!")]),
        "end": (["{H} <goal> in front of a cheering crowd {in_place}.", "Spotlight {in_place}: {H} <goal> and the crowd <roar>."],
                ["That night, {h} <goal:d> like never before.", "The whole of {place} applauded."],
                [("hero", "Thank you, {place_voc}!"), ("other", "Encore, {h_short}, encore!")]),
    },
}

#: a goal that asks someone else to do something ("teaches her goat to sing", "helps her brother
#: build a raft", "convinces the king to dance"): `{comp}` is that deed, `<comp>` conjugated for
#: whoever does it (`{O}`, the one taught or helped), `{comp_cue}` what shows it in a picture
#: (", mouth wide open, music notes all around" for singing; "" when nothing is known)
COACH: Pool = {
    "intro": (["{H} <watch> {O} {in_place} {time}, wondering if {o_pron} could ever {comp}.",
               "{H} and {O} <be> {in_place} {time}; never once has {o_pron} tried to {comp}."],
              ["{In_place}, {h} <have:d> a plan for {o}.", "Nobody had ever seen {o} {comp}."],
              [("hero", "One day, {o_short}, you will {comp}."), ("other", "{Comp_ing_cap}? Me? Never, {h_short}.")]),
    "want": (["{H} <picture> {O} able to {comp}, eyes shining.", "{H} <sketch> a plan to {goal} on a scrap of paper."],
             ["{H_ref_cap} <want:d> one thing: to {goal}.", "The idea would not go away: {o} could {comp}."],
             [("hero", "You can {comp}, {o_short}. I know it."), ("other", "Why do you want me to {comp}, {h_short}?")]),
    "try": (["{H} <show> {O} how to {comp} {in_place}.", "{H} <coax> {O} to {comp} {in_place}, step by step."],
            ["So {h} <try:d> to {goal}.", "The first lesson began {in_place}."],
            [("hero", "Come on, {o_short}, you can {comp}!"), ("other", "Me, {h_short}? {Comp_ing_cap}?"), ("hero", "Like this, {o_short}: watch me first.")]),
    "trouble": (["{O} <try> to {comp} and it all goes wrong {in_place}; {H} <wince>.", "{O} <turn> away {in_place}, refusing to {comp}."],
                ["{O_ref_cap} could not {comp}, not yet.", "The first try did not go well."],
                [("other", "I can't {comp}, {h_short}!"), ("hero", "Maybe {comp_ing} isn't for you, {o_short}...")]),
    "turn": (["{H} <stop> short {in_place}, struck by a sudden idea.", "{H} <kneel> beside {O} {in_place} and <whisper> a new idea."],
             ["Then {h} <have:d> an idea.", "{H_ref_cap} <try:d> a different way."],
             [("hero", "Wait... that's it! That's how {h_a} can {goal_plain}!"), ("other", "Show me again, {h_short}?")]),
    "second": (["{H} <show> {O} again, slower this time, {in_place}.", "{O} <try> to {comp} once more while {H} <nod> along."],
               ["Again. And again.", "{H_ref_cap} <do:d> not give up on {o}."],
               [("hero", "Once more, {o_short}!"), ("other", "All right, {h_short}, one more time.")]),
    "climax": (["Big panel {in_place}: {O} <comp>{comp_cue}, for the first time.", "{O} <comp>{comp_cue}; {H} <gasp> {in_place}."],
               ["And then, at last...", "This time, it worked."],
               [("hero", "Look! {O_short_cap} can {comp}!"), ("other", "I'm doing it, {h_short}!")]),
    "end": (["{O} <comp>{comp_cue}, {in_place}, while {H} <beam> with pride.",
             "Big panel {in_place}: {O} <comp>{comp_cue}, and {H} <cheer>."],
            ["In the end, {o} <comp:d>.", "And so {h} <goal:d>."],
            [("hero", "You did it, {o_short}! You can {comp}!"), ("other", "Listen, {h_short}: I can {comp}!")]),
    "celebrate": (["Everyone {in_place} <gather> to watch {O} {comp}{comp_cue}.", "{O} <comp>{comp_cue} for a crowd {in_place}; {H} <take> a bow."],
                  ["All of {place} came to see {o} {comp}.", "That night, {place} celebrated."],
                  [("other", "Thank you for teaching me, {h_short}!"), ("hero", "Again, {o_short}, again!")]),
}

CLASSES["coach"] = COACH

#: what shows a deed in a picture, by verb (the procedural painter reads these words too)
CUES = {"sing": ", mouth wide open, music notes all around", "dance": ", twirling on tiptoe",
        "fly": ", high above the ground", "swim": ", splashing through the water", "cook": ", stirring with a wooden spoon",
        "paint": ", brush in hand, paint splashing", "read": ", nose in an open book"}

#: an obstacle the request names gets its own beat pictures
OBSTACLE: Pool = {
    "trouble": (["{H} <freeze> {in_place}: {obstacle_clause}.", "{H} <hesitate>; {obstacle_clause}."],
                ["But {obstacle_past}.", "There was one problem: {obstacle_past}."],
                [("hero", "But {obstacle_line}..."), ("other", "You can do this, even if {obstacle_line}.")]),
}
WEATHER: Pool = {
    "trouble": (["{Weather_cap} <batter> {place}; {H} <hold> on tight.", "{Weather_cap} <rage> {in_place}; {H} <shield> {h_poss} eyes."],
                ["Then {weather} hit {place}.", "{Weather_cap} made everything harder."],
                [("hero", "Not {weather}, not now!"), ("other", "Hold on through {weather}, {h_short}!")]),
}
