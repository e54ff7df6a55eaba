"""The run-report vocabulary: the words and phrasings the free-text parser (dialogs/parsing.py) looks for.

Data, not logic: surfaces, efforts, pain places and kinds, trends, when pain began,
yes/no words, typo targets, and the exact-match warning-sign patterns that sit
beside the lay vocabulary of dialogs/safety/vocabulary.toml.
"""

from __future__ import annotations

from dialogs.models import Effort, PainKind, PainWhere, Sign, Surface, Trend

# --------------------------------------------------------------------------- vocabulary
# Tables map an enum value to regex fragments; fragments are joined with word
# boundaries, and where two matches overlap the longer one wins ("off-road" beats "road").

SURFACE_WORDS: dict[str, tuple[str, ...]] = {
    Surface.ROAD.value: (
        r"roads?", r"concrete", r"asphalt", r"pavements?", r"tarmac", r"sidewalks?",
        r"streets?", r"blacktop", r"city",
    ),
    Surface.TRACK.value: (r"tracks?", r"athletics track", r"running track", r"velodrome"),
    Surface.TRAIL.value: (
        r"trails?", r"dirt", r"gravel", r"paths?", r"woods?", r"woodland", r"forests?",
        r"off[- ]?road", r"towpath", r"canal path", r"bridleway", r"mud", r"muddy",
        r"mountains?", r"fells?", r"sand", r"beach", r"trail running",
    ),
    Surface.GRASS.value: (
        r"grass", r"grassy", r"fields?", r"playing fields?", r"park grass", r"lawn", r"meadows?",
    ),
    Surface.TREADMILL.value: (
        r"treadmill", r"dreadmill", r"gym", r"indoors", r"running machine",
    ),
    Surface.MIXED.value: (
        r"mixed", r"mix", r"mixture", r"bit of both", r"a bit of everything", r"various",
        r"variety", r"combination", r"combo", r"all sorts", r"cross[- ]country", r"^both[.!]?$",
    ),
}

EFFORT_WORDS: dict[str, tuple[str, ...]] = {
    Effort.EASY.value: (
        r"easy", r"easy-?ish", r"very easy", r"relaxed", r"chill", r"chilled", r"gentle",
        r"recovery", r"comfortable", r"conversational", r"effortless", r"zone 2", r"zone two",
        r"took it easy", r"cruisy",
    ),
    Effort.MODERATE.value: (
        r"moderate", r"moderately", r"steady", r"medium", r"tempo-?ish", r"comfortably hard",
        r"somewhat hard", r"in between", r"middling",
        r"not (?:too |that |very |so |particularly )?(?:hard|easy|tough)",
    ),
    Effort.HARD.value: (
        r"hard(?! to\b)", r"very hard", r"tough", r"all[- ]out", r"flat[- ]out", r"race", r"raced",
        r"racing", r"intervals?", r"tempo", r"threshold", r"sprints?", r"fartlek",
        r"hill repeats", r"brutal", r"max(?:imal)? effort", r"pushed (?:it|hard)",
    ),
}

# Too vague to trust inside a longer message ("the weather was ok"), fine as a direct answer.
EFFORT_WORDS_ANSWER_ONLY: dict[str, tuple[str, ...]] = {
    Effort.EASY.value: (r"light", r"slow", r"slowly", r"jog", r"jogged", r"chilly"),
    Effort.MODERATE.value: (r"ok", r"okay", r"normal", r"average", r"so-so", r"fine", r"mid"),
}

BACK_LOW = r"(?:lower|low)[\s-]*back|lumbar|base of (?:my |the )?spine|bottom of (?:my |the )?back|tail ?bone|coccyx|sacrum"
SIDE_WORDS = r"\b(?:left|right|one side|side|sides|sacroiliac|si joint)\b"

PAIN_PLACES: dict[str, tuple[str, ...]] = {
    PainWhere.LOW_BACK_CENTRE.value: (BACK_LOW,),
    PainWhere.LOW_BACK_SIDE.value: (
        r"(?:left|right|one) side of (?:my |the )?(?:lower |low )?back",
        r"side of (?:my |the )?(?:lower |low )?back", r"sacroiliac", r"si joint",
        r"(?:left|right|one) side",
    ),
    PainWhere.UPPER_BACK.value: (
        r"upper[\s-]*back", r"mid[\s-]*back", r"middle of (?:my |the )?back",
        r"between (?:my |the )?shoulder ?blades?", r"shoulder ?blades?", r"thoracic",
    ),
    PainWhere.BUTTOCK.value: (
        r"buttocks?", r"bum", r"butt", r"glutes?", r"gluteal", r"backside", r"piriformis",
        r"my bottom", r"sit(?:ting)? ?bones?",
    ),
    PainWhere.LEG_ABOVE_KNEE.value: (
        r"thighs?", r"hamstrings?", r"hammys?", r"hammies", r"quads?", r"quadriceps",
        r"above (?:the |my )?knees?", r"upper legs?", r"back of (?:my |the )?(?:leg|thigh)",
        r"(?:left|right|one|my|the) leg",
    ),
    PainWhere.LEG_BELOW_KNEE.value: (
        r"calf", r"calves", r"shins?", r"foot", r"feet", r"ankles?", r"toes?", r"heels?",
        r"achilles", r"below (?:the |my )?knees?", r"lower legs?",
        r"down (?:my |the |one )?(?:left |right )?leg", r"down to (?:my |the )?(?:foot|ankle|toes)",
    ),
    PainWhere.BOTH_LEGS.value: (
        r"both (?:of )?(?:my )?legs", r"down both (?:my )?legs", r"both sides down (?:my )?legs",
    ),
}

# "my back", "back pain" with no qualifier means the lower back.
GENERIC_BACK = (
    r"\bbackache\b"
    r"|(?<!came )(?<!come )(?<!got )(?<!get )(?<!went )(?<!go )(?<!way )(?<!bounce )(?<!bounced )"
    r"\bback(?:'s|s)?\s+(?:(?:is|was|felt|feels|got|went|getting|been|has been|a bit|a little|slightly|quite|really|very|so)\s+)*"
    r"(?:pain|ache|aches|aching|achy|achey|hurts?|hurting|spasms?|sore|stiff|stiffness|tight|twinge|niggle"
    r"|problems?|issues?|seized|locked|worse|bad|playing up|killing me|killing|acting up|bothering me|flaring|flared"
    r"|grumbling|grumbly|niggling|dodgy|twingy|complaining|moaning|paining|hurting)\b"
    r"|\b(?:my|the|sore|stiff|bad) back\b(?!\s+(?:of|to|home|and forth|up|then|on|in|from|at|into))"
)

PAIN_KINDS: dict[str, tuple[str, ...]] = {
    PainKind.ACHE.value: (
        r"ache", r"aches", r"ached", r"aching", r"achy", r"backache", r"sore", r"soreness",
        r"dull", r"niggles?", r"niggly", r"niggling", r"throbbing",
    ),
    PainKind.STIFFNESS.value: (
        r"stiff", r"stiffer", r"stiffness", r"stiffening", r"tight", r"tighter", r"tightness",
        r"tense",
    ),
    PainKind.SPASM.value: (
        r"spasms?", r"spasming", r"spasmed", r"spazzing", r"jumping", r"twitch\w*", r"cramps?", r"cramping", r"cramped", r"seized(?: up)?",
        r"seizing(?: up)?", r"locked(?: up)?", r"went into spasm",
    ),
    PainKind.SHARP.value: (
        r"sharp", r"stabbing", r"stab", r"stabs", r"shooting", r"shoots", r"shot", r"twinges?", r"twinged", r"pinch",
        r"pinched", r"pinching", r"pinches", r"knife", r"jolts?",
    ),
    PainKind.TINGLING.value: (
        r"burning", r"burns", r"tingles?", r"tingling", r"tingly", r"pins-and-needles",
        r"electric(?: shocks?)?", r"zinging", r"fizzing",
    ),
    PainKind.NUMBNESS.value: (
        r"numb", r"numbness", r"no feeling", r"lost feeling", r"loss of feeling",
        r"can't feel",
    ),
}

PAIN_WORDS = (
    r"hurt", r"hurts", r"hurting", r"hurted", r"pain", r"pains", r"painful", r"agony",
    r"injury", r"injured", r"tweaked", r"discomfort", r"uncomfortable", r"sciatica",
    r"killing me",
)

NO_PAIN_PHRASES = (
    r"no pain", r"pain[- ]?free", r"painless", r"zero pain", r"all good", r"all fine",
    r"nothing to report", r"no (?:issues|problems|niggles|complaints)",
    r"(?:0|zero)\s*(?:/|out of)\s*10",
    r"pain (?:is |was |of |at |score |level )?(?:0|zero)\b",
    r"(?:felt|feel|feels|feeling) (?:really |so |pretty |totally |absolutely )?"
    r"(?:great|good|fine|amazing|strong|awesome|brilliant|fantastic|ok|okay|alright|perfect|grand)",
    r"none", r"nothing", r"nada", r"fine", r"great", r"perfect",
)

SOME_PAIN_ANSWERS = (r"a bit", r"a little", r"a tad", r"slightly", r"some", r"kind of", r"sort of")

TREND_WORDS: dict[str, tuple[str, ...]] = {
    Trend.BETTER.value: (
        r"better", r"getting better", r"easing", r"eased", r"easing off", r"improving",
        r"improved", r"settling", r"settling down", r"on the mend", r"less painful",
        r"not as bad", r"less sore", r"fading",
    ),
    Trend.SAME.value: (
        r"same", r"the same", r"about the same", r"no change", r"unchanged", r"similar",
        r"no different", r"not changed", r"hasn't changed", r"not changing", r"stable",
        r"no better", r"no worse", r"not (?:getting )?(?:any )?(?:better|worse)",
        r"not improving", r"isn't improving", r"not worsening", r"not easing", r"isn't easing",
        r"not settling", r"isn't settling", r"not getting better", r"no better no worse", r"not better not worse",
    ),
    Trend.WORSE.value: (
        r"(?:getting )?worse(?:,? not better)?", r"worsening", r"worse-and-worse", r"more painful",
        r"deteriorating", r"flaring(?: up)?", r"flares?(?: up)?", r"flared(?: up)?", r"spreading",
        r"progressively worse", r"grows", r"growing", r"goes up", r"go up", r"going up", r"went up", r"worse n worse", r"worse & worse", r"worse not better",
    ),
}

YES_WORDS = (
    r"yes", r"yeah", r"yea", r"yep", r"yup", r"ya", r"y", r"aye", r"sure", r"true",
    r"definitely", r"of course", r"correct", r"absolutely", r"indeed", r"affirmative",
    r"it does(?!\s*(?:not|n't))", r"it did(?!\s*(?:not|n't))", r"i do(?!\s*(?:not|n't))",
    r"i have(?!\s*(?:not|n't))", r"it is(?!\s*(?:not|n't))",
)
NO_WORDS = (
    r"no", r"nope", r"nah", r"n", r"nay", r"false", r"never", r"not really", r"not at all",
    r"negative", r"it doesn't", r"it does not", r"it didn't", r"it did not", r"i don't",
    r"i do not", r"i haven't", r"it isn't", r"it's not", r"not",
)
UNSURE_WORDS = (
    r"not sure", r"unsure", r"maybe", r"don't know", r"dunno", r"no idea", r"perhaps",
    r"sometimes", r"possibly", r"can't tell", r"hard to say",
)

SINCE_PHRASES: dict[int, tuple[str, ...]] = {
    2: (r"the day before yesterday", r"(?:a )?couple (?:of )?days", r"two days"),
    3: (r"(?:a )?few days", r"several days"),
    7: (r"a week", r"one week", r"last week", r"past week", r"over a week", r"all week", r"a week ago"),
    14: (r"a fortnight", r"(?:a )?couple (?:of )?weeks", r"two weeks"),
    21: (r"(?:a )?few weeks", r"several weeks"),
    30: (r"a month", r"one month", r"last month", r"past month"),
    60: (r"months", r"(?:a )?couple (?:of )?months"),
    90: (r"(?:a )?few months", r"several months"),
    365: (r"ages", r"years", r"a year", r"forever", r"(?:a )?long time", r"as long as i can remember"),
    1: (r"yesterday", r"last night", r"a day", r"one day"),
    0: (
        r"today", r"this run", r"during (?:the|my|this|today's) run", r"just now",
        r"this morning", r"this afternoon", r"this evening", r"tonight", r"mid[- ]?run",
        r"halfway", r"since the run", r"a few hours ago", r"an hour ago",
    ),
}
# As the answer to "when did it start?" these mean today; in a whole message they
# usually say when it hurts ("always hurts after running").
SINCE_ANSWER_ONLY: dict[int, tuple[str, ...]] = {
    0: (
        r"started running", r"on the run", r"while running", r"whilst running", r"during",
        r"after (?:the|my|this) run", r"after running", r"a few hours",
    ),
}
SINCE_UNITS: dict[str, int] = {"day": 1, "week": 7, "month": 30, "year": 365, "hour": 0}
SINCE_ABBREVIATIONS: dict[str, str] = {"d": "day", "w": "week", "m": "month", "y": "year"}

WARMUP_EASES = (
    r"goes away", r"go away", r"went away", r"eases", r"eased", r"ease", r"easing", r"loosens",
    r"loosened", r"loosen", r"loosening", r"wears off", r"wore off", r"disappears",
    r"disappeared", r"settles", r"settled", r"improves", r"improved", r"fades", r"faded",
    r"gets better", r"got better", r"feels better", r"fine", r"better", r"eases off", r"goes", r"gone", r"wears off",
)
WARMUP_CONTEXT = (
    r"warm(?:ed|ing|s)? up", r"warm-?up", r"warmed", r"get(?:ting)? going", r"got going",
    r"(?:once|when|after) (?:i'm |i am |i get |i got |it's |it is |it gets |i'm nice and )?warm",
    r"(?:get|gets|got|getting) warm",
    r"(?:a|the first|one|1) (?:mile|km|k|kilometre|kilometer)", r"a (?:few|couple of) (?:minutes|miles|km|k)",
    r"first (?:few|couple of )?(?:minutes|miles|km|k|mile)", r"once i(?:'m| am)? moving",
    r"into (?:the|my) run", r"after a bit", r"once i get into it", r"as i run", r"as i go",
    r"minutes in", r"mile in", r"km in",
)
WARMUP_NOT_EASING = (
    r"(?:doesn't|does not|didn't|did not|never|won't|will not|don't) "
    r"(?:really |ever |actually )?(?:ease|loosen|go away|wear off|settle|get better|improve)",
)
EVERY_RUN = (
    r"every (?:single )?run", r"every time i (?:run|go running|go for a run|go out)",
    r"each time i (?:run|go running|go for a run)", r"after (?:each|every) run",
    r"whenever i (?:run|go running|go for a run)", r"every time", r"each run",
    r"always (?:hurts|aches|gets|get|is|sore|stiff|tight|happens|comes on)",
    r"(?:hurts|aches|sore|stiff|tight) every time", r"every single time",
)
NOT_EVERY_RUN = (
    r"not every (?:run|time)", r"not always", r"only sometimes", r"sometimes", r"occasionally",
    r"now and then", r"first time", r"never before", r"only (?:after|on|when)",
)

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
TENS_WORDS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}

# Longer words that typos are corrected to; short words are never fuzzed.
FUZZY_VOCAB: dict[str, str] = {
    word: word for word in (
        "concrete", "asphalt", "pavement", "tarmac", "sidewalk", "street", "track", "trail",
        "gravel", "forest", "woods", "grass", "field", "treadmill", "mixed", "various",
        "aching", "stiff", "stiffness", "tightness", "spasm", "cramp", "cramping", "seized",
        "sharp", "stabbing", "shooting", "twinge", "pinching", "burning", "tingling",
        "numbness", "electric", "lower", "lumbar", "upper", "shoulder", "buttock", "buttocks",
        "glute", "glutes", "thigh", "hamstring", "hamstrings", "calves", "shins", "better",
        "easing", "improving", "worse", "worsening", "unchanged", "similar", "relaxed",
        "gentle", "recovery", "moderate", "steady", "medium", "tempo", "intervals", "tough",
        "minutes", "hours", "kilometres", "kilometers", "kilometre", "kilometer", "miles",
        "metres", "meters", "marathon", "parkrun", "yesterday", "couple", "weeks", "months",
        "month", "minute", "metre", "meter", "hour",
        "fortnight", "sciatica",
    )
} | {"lowerback": "lower back", "upperback": "upper back", "midback": "mid back"}
# Real words that sit within the cutoff of a vocabulary word.
NOT_TYPOS = frozenset({
    "arching", "shouting", "punching", "burying", "things", "words", "trial", "trials",
    "staff", "stuff", "started", "starting", "stated", "worst", "share", "shape", "later",
    "lover", "upped", "shine", "grasp", "tracker", "trailer", "steadily", "seize", "though",
    "trough", "shines", "camping", "tinkling", "similarly", "acing", "tinge", "twine", "grave",
    "gravely", "stead", "caves", "moths", "coupe", "glues", "grasps", "meteor",
})

# ---------------------------------------------------------------- warning-sign patterns
# Matched exactly (never fuzzed). A named group `k` marks the symptom word, which is
# checked for negation as well as the start of the match ("my groin isn't numb").

NUMB_WORD = (
    r"(?P<k>numb(?:ness|ed)?|no feeling|(?:lost|loss of|no|reduced|less|lack of) (?:feeling|sensation)"
    r"|can't feel|cannot feel|tingl(?:e|es|ed|ing|y)|pins-and-needles|needles)"
)
SADDLE_PLACE = (
    r"(?:groin|crotch|genitals?|genital area|privates|private (?:parts|area)"
    r"|between (?:my|the|your) legs|saddle(?: area| region)?|inner thighs?|insides? of (?:my |the )?thighs?"
    r"|perineum|taint"
    r"|bum|butt|buttocks?|backside|bottom(?! of)|anus|back passage|vagina|penis|testicles|scrotum"
    r"|sit(?:ting)? ?bones?)"
)
_GAP = r"(?:\s+\S+){0,5}?\s+"
LEG_GIVE = r"giving way|gave way|give way|gives way|giving out|gave out|buckl\w*|collaps\w*"
FAMILY = r"\b(?:mum|mom|dad|mother|father|sister|brother|family|friend|wife|husband|partner|gran\w*|aunt\w*|uncle|son|daughter)\b"

SIGN_PATTERNS: dict[str, tuple[str, ...]] = {
    Sign.SADDLE_NUMBNESS.value: (
        rf"\b{NUMB_WORD}(?:\s+\S+){{0,5}}?\s+(?:in |around |on |of )?(?:my |the )?{SADDLE_PLACE}\b",
        rf"\b{SADDLE_PLACE}{_GAP}{NUMB_WORD}",
        r"\bsaddle (?:numbness|anaesthesia|anesthesia)\b",
    ),
    Sign.BLADDER_BOWEL.value: (
        r"\b(?:can't|couldn't|cannot|can not|could not|unable to|struggl\w* to|hard to|difficult to"
        r"|not able to|wasn't able to|haven't been able to) (?:pee|wee|urinate|piss|go for a wee"
        r"|empty my bladder|pass urine|start peeing|control my bladder|control my bowels?)\b",
        r"\b(?:trouble|difficulty|difficulties|problems?|issues?|struggling|struggle|straining)"
        r" (?:with )?(?:peeing|weeing|urinating|passing urine|going for a wee|my bladder|my bowels?"
        r"|bladder|bowels?)\b",
        r"\b(?:wet|wetting|peed|pee'd|weed|wee'd|pissed|soiled|soiling|pooed|poo'd|pooped|shat|shit)"
        r" myself\b",
        r"\b(?:lost|losing|lose|loss of|no) control (?:of|over) (?:my )?(?:bladder|bowels?|peeing|pooing)\b",
        r"\b(?:bladder|bowel) (?:control|problems?|issues?|trouble|leak\w*|accidents?)\b",
        r"\bincontinen\w*",
        r"\b(?:can't|cannot|couldn't) (?:feel|tell) when i need (?:to )?(?:go|pee|wee|the toilet|the loo|a poo|a wee)\b",
        r"\b(?:leaking|leaked|leaks) (?:urine|pee|wee)\b",
    ),
    Sign.BOTH_LEGS.value: (
        rf"\bboth (?:of )?(?:my )?(?:legs|feet)\b(?:\s+\S+){{0,3}}?\s+(?P<k>weak\w*|numb\w*|{LEG_GIVE}|no feeling)",
        r"\b(?P<k>weak\w*|numb\w*|no feeling|lost feeling|can't feel)(?:\s+\S+){0,3}?\s+both (?:of )?(?:my )?(?:legs|feet)\b",
        rf"\blegs (?:\S+\s+){{0,2}}?(?P<k>{LEG_GIVE})",
        r"\b(?:legs|feet) (?:are|were|feel|felt|went|go|going|have gone|keep going)"
        r" (?:a bit |quite |really |very |completely |totally )?(?P<k>numb\w*)",
        r"\b(?P<k>numb\w*) (?:in |down )?(?:my |both )?(?:legs|feet)\b",
    ),
    Sign.LEG_WEAKNESS_WORSENING.value: (
        r"\b(?:legs?|foot|feet|knees?) (?:is |are |keeps |keep |has been |have been |seems |feels )?"
        r"(?:getting|growing|becoming|going) weaker\b",
        r"\bweaker-and-weaker\b", r"\bweaker (?:by the|every|each) (?:day|hour)\b",
        r"\b(?:foot|leg|toes) (?:is |keeps |keep |has been )?(?:dragging|drops|dropping|slapping)"
        r" (?:more|worse|more-and-more)\b",
        r"\bdragging more-and-more\b",
        r"\b(?:leg |foot )?weakness (?:is |has been |keeps |seems )?(?:getting|gets|got|growing) worse\b",
        r"\b(?:leg |foot )?weakness (?:is )?(?:worsening|increasing|spreading)\b",
        r"\b(?:worsening|increasing|progressive|spreading) (?:leg |foot )?weakness\b",
    ),
    Sign.LEG_WEAKNESS.value: (
        r"\b(?:foot ?drop|drop ?foot|dropped foot)\b",
        r"\b(?:leg|knee) (?:gave|gives|giving|give|went|keeps giving|kept giving) (?:way|out)\b",
        r"\b(?:can't|cannot|couldn't|can not) (?:lift|raise|pick up|flex) my (?:left |right )?(?:foot|toes|leg)\b",
        r"\b(?:leg|foot)(?: is| feels| felt| went| has gone| has been| was| seems| feeling)?"
        r"(?: a bit| quite| really| very| kind of| sort of| so)? (?P<k>weak)\b",
        r"\bweak (?:left |right )?(?:leg|foot|ankle)\b",
        r"\bweakness in (?:my |the )?(?:left |right )?(?:leg|foot|ankle)\b",
        r"\b(?:leg|foot) weakness\b",
        r"\bfoot (?:is |keeps |keep |was |started )?(?:dragging|slapping|catching)\b",
    ),
    Sign.FALL_INJURY.value: (
        r"\bfell\b(?!\s+(?:asleep|behind|apart|short|off the pace|into|in love|back|run|race|running|runner))",
        r"\bfallen\b(?!\s+(?:asleep|behind|apart))",
        r"\b(?:a|after|had|bad|nasty|the|heavy|hard) fall\b",
        r"\bslipped (?:and|on|over)\b", r"\blanded (?:on|hard|badly|awkwardly)\b",
        r"\b(?:car|bike|cycling|road traffic|traffic) (?:accident|crash|collision)\b",
        r"\b(?:hit|knocked (?:over|down)) by\b", r"\bknocked (?:over|down)\b",
        r"\bcrashed (?:my|the|on|off|into)\b", r"\bcollided with\b", r"\btook a tumble\b",
        r"\bwent flying\b", r"\bwent down hard\b",
    ),
    Sign.FEVER_UNWELL.value: (
        r"\bfever\w*", r"\b(?:a|high|got a|have a|had a|running a|with a|raised) temperature\b",
        r"\btemperature of 3[7-9]", r"\bchills\b", r"\bshivery\b", r"\bshivering\b",
        r"\bnight sweats\b", r"\bunwell\b",
        r"\b(?:feel|feeling|felt|been|am|i'm|was) (?:a bit |quite |really |very |pretty |generally )?(?:ill|poorly)\b",
    ),
    Sign.NIGHT_PAIN.value: (
        r"\b(?:wake|wakes|waking|woke|woken) me(?: up)?\b", r"\bkeeps? me (?:up|awake)\b",
        r"\bkept me (?:up|awake)\b",
        r"\bworse (?:when |while |whilst )?(?:i )?(?:lying|lie|lay|laying) down\b",
        r"\b(?:lying|laying) down makes it worse\b", r"\bworse (?:at night|in bed)\b",
        r"\b(?:hurts|pain|aches|sore) (?:more )?(?:at night|in bed|lying down)\b",
        r"\bnight pain\b",
        r"\b(?:can't|cannot|couldn't) (?:sleep|get to sleep|get comfortable in bed)"
        r"(?: (?:for|because of|with|due to) (?:the )?(?:pain|it))?\b",
    ),
    Sign.WEIGHT_LOSS.value: (
        r"\b(?:lost|losing|lose|dropped|dropping) (?:a lot of |a bunch of |some )?weight"
        r" (?:without trying|for no reason|without meaning to|and i don't know why)\b",
        r"\bweight loss (?:without trying|for no reason)\b",
        r"\b(?:unexplained|unintentional|unintended|unexplainable) weight loss\b",
    ),
    Sign.CANCER_HISTORY.value: (
        r"\bhistory of (?:\w+ )?cancer\b", r"\b(?:had|have|has|got|diagnosed with|treated for)"
        r" (?:\w+ )?cancer\b", r"\bcancer survivor\b", r"\bchemo(?:therapy)?\b",
        r"\bradiotherapy\b", r"\btumou?rs?\b",
    ),
}

NEGATORS = frozenset({
    "no", "not", "never", "without", "didn't", "don't", "haven't", "none", "nothing",
    "doesn't", "isn't", "wasn't", "hasn't", "hadn't", "aren't", "weren't", "won't", "nor",
    "neither", "nearly", "almost", "zero",
})
