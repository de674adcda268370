"""Blocks into sections, the "What You Did" sections found, and their sentences as claims."""
from __future__ import annotations

import re
from collections.abc import Callable

from promolint.extractors.blocks import (MARKDOWN_HEADING, MAX_HEADING_WORDS, MAX_LARGE_HEADING_WORDS, RawBlock,
                                         fields_line, is_outdented_heading, is_underline, numbered, pseudo_heading_kind)
from promolint.deadline import check_deadline
from promolint.extractors.sentences import split_sentences
from promolint.model import Block, Claim, Section

_NOT_WORD = re.compile(r"[\W_]+")
_LEADING_NUMBER = re.compile(r"^\s*(?:(?:\d{1,2}|[IVXLC]{1,5}|[A-Za-z])[.)]|\d{1,2}(?:\.\d{1,2})+[.)]?)\s+")
_PARENTHETICAL = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")
_HAS_WORD = re.compile(r"\w")
# A lead-in label alone: a few words and a colon ("Impact:", "Leadership & Initiative:"), not a sentence
# ending in one ("I have hit all major goals set, but one:", "We shipped two things:").
_LEAD_LABEL = re.compile(r"^\W{0,3}(?!(?:I|We|My|Our)\b)[^\W\d_][^\s:.!?,;]*(?:\s+[^\s:.!?,;]+){0,4}\s*:\W{0,3}$")
# Site-generator markup that a Markdown conversion leaves as text: "{:toc}", "{% include x %}", "{{ page.title }}"
_MARKUP_ONLY = re.compile(r"^\s*(?:\{[:%#][^{}]*\}|\{%.*?%\}|\{\{.*?\}\}|<!--.*?-->|\s)+\s*$")


def normalize_title(text: str) -> str:
    """Case, punctuation, list numbers and a trailing '(H1 2024)' do not matter."""
    text = _PARENTHETICAL.sub("", _LEADING_NUMBER.sub("", text))
    return _NOT_WORD.sub(" ", text.replace("’", "").replace("'", "")).strip().lower()


def _singular(word: str) -> str:
    """Plural folded to singular, so "Accomplishment" finds "Accomplishments" and "Goal" finds "Goals"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def title_words(text: str) -> list[str]:
    return [_singular(w) for w in normalize_title(text).split()]


def _phrases(texts: list[str]) -> list[tuple[str, ...]]:
    return [tuple(title_words(t)) for t in texts if title_words(t)]


def _occurs(phrase: tuple[str, ...], words: list[str], gap: int = 1) -> bool:
    """The phrase's words in order, at most `gap` other words between two of them: "what i learned"
    is in "What have I learned", "areas for improvement" in "Areas for continued improvement"."""
    for start in (k for k, wd in enumerate(words) if wd == phrase[0]):
        k = start
        for wd in phrase[1:]:
            nxt = next((j for j in range(k + 1, min(k + 2 + gap, len(words))) if words[j] == wd), None)
            if nxt is None:
                break
            k = nxt
        else:
            return True
    return False


def _longest(words: list[str], phrases: list[tuple[str, ...]]) -> int:
    """Word count of the longest phrase occurring in `words` (0 if none)."""
    best = 0
    present = set(words)  # a phrase with a word the text lacks cannot occur: most phrases, most headings
    for ph in phrases:
        if len(ph) > best and present.issuperset(ph) and _occurs(ph, words):
            best = len(ph)
    return best


_RANGE_WORDS = frozenset({"to", "through", "until", "till", "and"})


class HeadingMatcher:
    """Scores a heading against the "What You Did" aliases and the non-claim `skip` phrases."""

    def __init__(self, sections_config):
        self.aliases = _phrases(sections_config.what_you_did_aliases)
        self.alias_text = {tuple(title_words(a)): a for a in sections_config.what_you_did_aliases}
        self.skips = [(rule.why, _phrases(rule.phrases), rule.whole, rule.top_level) for rule in sections_config.skip]
        self.unless_reported = {rule.why for rule in sections_config.skip if rule.unless_reported}
        self.date = re.compile(sections_config.date_heading)
        self.documents = _phrases(sections_config.document_titles)
        self.prompts = frozenset(p.lower() for p in sections_config.template_prompts)
        self.next_year = sections_config.next_year

    def alias(self, title: str) -> tuple[float, str | None]:
        """(score, alias): the matched share of the heading's words, 1.0 for an exact alias."""
        words = title_words(_name_field(title))
        best = max(self.aliases, key=lambda ph: (_longest(words, [ph]), len(ph)), default=None)
        n = _longest(words, [best]) if best else 0
        return (n / len(words), self.alias_text[best]) if n else (0.0, None)

    def skip(self, title: str, nested: bool = False) -> tuple[int, str | None]:
        """(words matched, why); `nested`: the heading sits inside a section being read."""
        words = title_words(_name_field(title))
        hits = [(n, -k, why) for k, (why, phrases, whole, top) in enumerate(self.skips)
                if not (top and nested) and (n := _longest(words, phrases)) and (not whole or n == len(words))]
        n, _, why = max(hits, default=(0, 0, None))
        return n, why

    def names_document(self, title: str) -> bool:
        """A heading that names the kind of document ("Brag Doc", "Self-Review H1 2024")."""
        return bool(_longest(title_words(title), self.documents))

    def is_date(self, title: str) -> bool:
        """A date, or a range of them ("Jan 27, 2025 - Feb 2, 2025", "Week 01: 2026-01-19 - 2026-01-25")."""
        return self._dates(normalize_title(title).split())

    def _dates(self, words: list[str], depth: int = 0) -> bool:
        if self.date.match(" ".join(words)):
            return True
        for k in range(1, len(words)) if depth < 2 else ():
            if self.date.match(" ".join(words[:k])):
                rest = words[k + (words[k] in _RANGE_WORDS):]
                if rest and self._dates(rest, depth + 1):
                    return True
        return False

    def names_section(self, title: str) -> bool:
        """A date, or a heading that is mostly an alias or wholly a skip phrase ("Key Wins", "Goals")."""
        words = title_words(title)
        return (self.is_date(title) or self.alias(title)[0] >= 0.5
                or bool(words) and self.skip(title)[0] == len(words))

    def __call__(self, title: str) -> bool:
        """True for a heading that is exactly an alias (typed headings: a bare alias line is one)."""
        return self.alias(title)[0] == 1.0


def _name_field(title: str) -> str:
    """The name of a "BC2 | 2024 | In Progress" heading: its other fields are dates and status, so a
    status of "In Progress" does not make the project a plan."""
    return title.split("|", 1)[0] if fields_line(title) else title


def assign_levels(raw_blocks: list[RawBlock], is_alias: Callable[[str], bool]) -> list[Block]:
    """Pseudo-headings nest below the last real heading: larger type ranks higher, then looks in
    the order they first appear (as reStructuredText ranks its adornments)."""
    body = _body_size(raw_blocks)
    names = getattr(is_alias, "names_section", None)
    runs = _numbered_runs(raw_blocks)
    kinds = [None if raw.real_heading else pseudo_heading_kind(raw, is_alias, body, names, i in runs)
             for i, raw in enumerate(raw_blocks)]
    _long_bold_headings(raw_blocks, kinds)
    _bold_claims(raw_blocks, kinds, names)
    _form_questions(raw_blocks, kinds, getattr(is_alias, "prompts", frozenset()))
    for i in range(len(raw_blocks) - 1):  # a short line underlined with '****' or '====' in plain text
        if (not raw_blocks[i].real_heading and is_underline(raw_blocks[i + 1]) and raw_blocks[i].block.text.strip()
                and not (kinds[i] or "").startswith("hash")  # "## Projects" over "---": the rule is a break
                and len(raw_blocks[i].block.text.split()) <= MAX_HEADING_WORDS and raw_blocks[i].block.kind != "list_item"):
            kinds[i] = "underlined"
        elif kinds[i] is None and is_outdented_heading(raw_blocks[i], raw_blocks[i + 1], names):
            kinds[i] = "outdented"
    looks = [None if kind is None else _look(raw.size, kind, body)
             + ((kind == "bold" and raw.size <= body and names is not None and names(heading_title(raw.block.text))),)
             for raw, kind in zip(raw_blocks, kinds)]
    first: dict[tuple, int] = {}
    for look in looks:
        if look is not None:
            first.setdefault(look, len(first))
    order = sorted(first, key=lambda look: (-look[0], first[look]))
    rank = {look: i + 1 for i, look in enumerate(order)}
    base, blocks = 0, []
    for raw, look in zip(raw_blocks, looks):
        block = raw.block
        if raw.real_heading:
            base = block.level or 0
        elif look is not None:
            block = block.model_copy(update={"kind": "heading", "level": base + rank[look]})
        blocks.append(block)
    return blocks


def _long_bold_headings(raw_blocks: list[RawBlock], kinds: list[str | None]) -> None:
    """A bold paragraph a little over the heading length, in a document that types two or more of its
    headings as bold paragraphs of that size, is one more of them ("What I learnt about data science and
    data scientists" among "Projects from the last year", "Things I still want to learn")."""
    sizes = [raw.size for raw, kind in zip(raw_blocks, kinds) if kind == "bold"]
    for i, raw in enumerate(raw_blocks):
        text = raw.block.text.strip()
        if (kinds[i] is None and raw.all_bold and not raw.real_heading and raw.block.kind == "paragraph"
                and MAX_HEADING_WORDS < len(text.split()) <= MAX_LARGE_HEADING_WORDS and text[-1] not in ".;,"
                and sizes.count(raw.size) >= 2):
            kinds[i] = "bold"


def _bold_claims(raw_blocks: list[RawBlock], kinds: list[str | None], names) -> None:
    """Bold lines of one size that mostly open with a past verb ("Fixed critical production bug", "Led
    knowledge sharing") are the document's claims set in bold, not its headings; their siblings in the same
    bold ("Positive peer review feedback") are claims too. A line naming a section or a date stays a heading."""
    groups: dict[int, list[int]] = {}
    for i, (raw, kind) in enumerate(zip(raw_blocks, kinds)):
        if kind == "bold" and not (names is not None and names(heading_title(raw.block.text))):
            groups.setdefault(raw.size, []).append(i)
    for members in groups.values():
        done = sum(_past_verb(raw_blocks[i].block.text.split()[0]) for i in members)
        if len(members) >= MIN_BOLD_CLAIMS and done * 2 > len(members):
            for i in members:
                kinds[i] = None


MIN_BOLD_CLAIMS = 2  # one bold past-tense line is too little to tell the document's habit
MIN_FORM_QUESTIONS = 3
MAX_QUESTION_WORDS = 16
MAX_STACKED_QUESTIONS = 4


def _form_questions(raw_blocks: list[RawBlock], kinds: list[str | None], prompts: frozenset[str]) -> None:
    """A review form copied as plain text: its questions are paragraphs of their own, each only a question
    or a few stacked on one line ("What projects are you most proud of?"), or a one-sentence prompt
    ("Choose and describe 1-3 skills in which you excel."). Three or more questions make a form, and
    its questions and prompts head the answers below them."""
    found: dict[int, bool] = {}
    for i, raw in enumerate(raw_blocks):
        text = raw.block.text.strip()
        if kinds[i] is not None or raw.real_heading or raw.block.kind != "paragraph" or not text:
            continue
        sentences = [text[a:e].strip() for a, e in split_sentences(text) if _HAS_WORD.search(text[a:e])]
        if not sentences or len(sentences) > MAX_STACKED_QUESTIONS or any(
                len(s.split()) > MAX_QUESTION_WORDS for s in sentences):
            continue
        if all(s.endswith("?") for s in sentences):
            found[i] = True
        elif len(sentences) == 1 and text[-1] in ".:" and text.split()[0].lower() in prompts:
            found[i] = False
    if sum(found.values()) >= MIN_FORM_QUESTIONS:
        for i in found:
            kinds[i] = "question"


def _look(size: int, kind: str, body: int) -> tuple:
    """What ranks a typed heading. Above body size the size is the level, whatever else marks it:
    people number some 14 pt headings ("1. Scope") and not others ("Executive Summary") at one level;
    an outline sub-number ("2.1") still ranks below. At body size the cue itself ranks (caps over bold),
    and a bold line naming a section ("Accomplishments", "Areas for improvement") ranks above the bold
    topic lines under it ("Ledger migration"): people bold both the same way."""
    if size > body:
        return size, "sub" if kind == "numbered_sub" else "large"
    return size, kind


def _numbered_runs(raw_blocks: list[RawBlock]) -> set[int]:
    """Positions of the items of typed numbered lists: adjacent lines numbered at the same depth
    ("1. Shipped X" / "2. Led Y"). Numbered headings have text between them, or, when one section is
    empty, carry on the numbering of an earlier heading ("6. In progress" ... "7." "8.")."""
    lines = [(i, numbered(raw.block.text)) for i, raw in enumerate(raw_blocks) if raw.block.text.strip()]
    runs: set[int] = set()
    seen: set[tuple[int, ...]] = set()
    k = 0
    while k < len(lines):
        j = k
        while j + 1 < len(lines) and lines[k][1] and lines[j + 1][1] and len(lines[j + 1][1]) == len(lines[k][1]):
            j += 1
        first = lines[k][1]
        if j > k and first and first[:-1] + (first[-1] - 1,) not in seen:
            runs.update(i for i, _ in lines[k:j + 1])
        seen.update(n for _, n in lines[k:j + 1] if n)
        k = j + 1
    return runs


def _body_size(raw_blocks: list[RawBlock]) -> int:
    """The size most of the text is set in (by characters), 0 for the style default."""
    sizes: dict[int, int] = {}
    for raw in raw_blocks:
        if not raw.real_heading:
            sizes[raw.size] = sizes.get(raw.size, 0) + len(raw.block.text)
    return max(sizes, key=sizes.get, default=0)


def build_sections(blocks: list[Block], labels: set[int] = frozenset()) -> list[Section]:
    """Sections in document order; `labels` (table header cells) belong to no section."""
    sections = [Section(title="", level=0)]
    for block in blocks:
        if block.index in labels:
            continue
        if block.kind == "heading":
            sections.append(Section(title=heading_title(block.text), level=block.level or 0,
                                    heading_index=block.index))
        elif _HAS_WORD.search(block.text):  # a rule ("---") or a lone emoji is no text
            sections[-1].blocks.append(block)
    return sections if sections[0].blocks else sections[1:]


def heading_title(text: str) -> str:
    return MARKDOWN_HEADING.sub("", text.strip()).rstrip(":").strip()


def _names_only(section: Section) -> bool:
    """A list of names with at most a line introducing it ("My main tools:"); a paragraph that says what
    was done beside the list ("Created a vm-radio component." over its PR links) is a claim."""
    other = [b.text.strip() for b in section.blocks if b.kind != "list_item" and _HAS_WORD.search(b.text)]
    return (all(text.endswith(":") for text in other) and len(other) <= 1
            and names_only([b.text for b in section.blocks if b.kind == "list_item"]))


def names_only(items: list[str], lead_only: bool = False) -> bool:
    """Three or more list items, each a short name ("VS Code", "Docker (new)") with no verb in -ed
    or -ing: an inventory, where a claim says what was done ("Built a GitHub Action"). `lead_only`:
    only an opening verb counts, so "Awards received" is still a name (the kinds of entry to write)."""
    words = [_PARENTHETICAL_ANY.sub(" ", text).split() for text in items]
    return len(words) >= 3 and all(0 < len(ws) <= 4 and not any(_is_verb(wd) for wd in ws[:1 if lead_only else None])
                                   for ws in words)


def _is_verb(word: str) -> bool:
    word = word.strip(".,;:!").lower()
    return bool(_VERB_FORM.search(word)) or word in _IRREGULAR_PAST


_PARENTHETICAL_ANY = re.compile(r"\([^)]*\)")
_VERB_FORM = re.compile(r"^[^\W\d_]\w+(?:ed|ing)$")
# Past tenses a short claim opens with that do not end in -ed ("Led the migration", "Built CI").
_IRREGULAR_PAST = frozenset("""led built wrote ran won made drove grew cut set took gave began brought taught found held
kept met sent sold spent told thought became chose did got had hit lost put saw spoke stood went overcame oversaw
rebuilt rewrote shipped""".split())


_FUTURE = re.compile(r"(?i)\b(?:will|won'?t|shall|going to|plans? to|wants? to|hopes? to|aims? to|intends? to|"
                     r"would like|next (?:year|quarter|half|month|cycle|period|steps?)|coming (?:year|quarter|months)|"
                     r"upcoming)\b")
_PAST = re.compile(r"(?i)\b(?:i|we)\s+(?:also\s+|then\s+|finally\s+|just\s+)?(?:was|were|had|did|could(?:n'?t| not)?|"
                   r"[a-z]{2,}ed|took|made|got|built|led|wrote|ran|won|grew|gave|became|began|brought|kept|met|sent|"
                   r"found|held|shipped)\b"
                   # present perfect: "I have written 48 articles", "I've also joined", "we have been able to"
                   r"|(?i:\b(?:i|we)(?:\s+have|['’]ve)\s+(?:also\s+|already\s+|even\s+|now\s+|finally\s+)?"
                   r"(?:[a-z]{2,}ed|been able to|written|spoken|seen|met|done|given|grown|won|built|led|made|run|taken|"
                   r"become|begun|brought|kept|sent|found|held|shown|driven|taught|broken)\b)")
# Sentences about learning ("I learnt about Docker", "I read a book") report growth, not work.
_LEARNING = re.compile(r"(?i)\b(?:learn\w*|read|reading|studied|study\w*|course\w*|books?|understand\w*|tutorials?)\b")


def reports_done(section: Section) -> bool:
    """Most of the section's sentences report work done (first-person past or present perfect, or a claim
    opening with a past verb), not learning, and fewer look ahead: the heading narrates ("The end: what's
    next?"), or reviews last year's goals one by one, each answered with what was done."""
    sentences = [b.text[start:end] for b in section.blocks for start, end in split_sentences(b.text)]
    sentences = [t for t in sentences if _HAS_WORD.search(t)]
    if not sentences or any(t.lstrip().startswith(("[ ]", "☐")) for t in sentences):
        return False
    ahead = sum(bool(_FUTURE.search(t)) for t in sentences)
    done = sum((bool(_PAST.search(t)) or _past_verb(t.split()[0])) and not _LEARNING.search(t) for t in sentences)
    return done * 2 > len(sentences) and ahead < done


def _past_verb(word: str) -> bool:
    """An opening past verb ("Shipped", "Led"); an -ing opening ("Kicking off the new year") may look ahead."""
    word = word.strip(".,;:!").lower()
    return word.endswith("ed") and _is_verb(word) or word in _IRREGULAR_PAST


def _parents(sections: list[Section]) -> list[int | None]:
    parents, stack = [], []
    for i, section in enumerate(sections):
        while stack and sections[stack[-1]].level >= section.level:
            stack.pop()
        parents.append(stack[-1] if stack else None)
        if section.heading_index is not None:
            stack.append(i)
    return parents


def _is_title(i: int, sections: list[Section], parents: list[int | None], has_children: set[int],
              names_document=lambda title: False) -> bool:
    """A Title-style heading, a lone top heading over the rest, or a first heading over a byline or
    naming the document ("Brag Document 2024" over flat "Goals" / "Projects" headings)."""
    section = sections[i]
    if section.level == 0:
        return True
    headings = [s for s in sections if s.heading_index is not None]
    top = min(s.level for s in headings)
    if section is not headings[0] or section.level != top:
        return False
    if i in has_children and sum(s.level == top for s in headings) == 1:
        return True
    return i == 0 and len(headings) > 1 and (_byline_only(section) or names_document(section.title))


def _byline_only(section: Section) -> bool:
    """Only a line or two like a name or a date under it ("Applicant -- > Jo Smith.", "March 2024")."""
    lines = [b for b in section.blocks if _HAS_WORD.search(b.text)]
    return 0 < len(lines) <= 2 and all(b.kind == "paragraph" and _name_like(b.text) for b in lines)


def _name_like(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’.-]*", text)
    capitals = sum(w[0].isupper() for w in words)
    return len(text.split()) <= 6 and capitals >= 2 and capitals * 2 >= len(words)


def mark_reviewed(sections: list[Section], match: HeadingMatcher,
                  links: set[int] = frozenset()) -> tuple[dict[int, tuple[str, str | None]], dict | None, bool]:
    """(owners, chosen "What You Did" match, timeline) and each section's reviewed/skip_reason.

    Every section holding claims is reviewed; one whose heading names a non-claim kind (config
    `sections.skip`) is skipped with its sub-sections. The best-scoring alias is reported, and text
    before the first heading is read only when there is none. Owners map a section position to
    (claim section, claim subsection); in a document organised by dates the date headings are the
    timeline, so claims group under the nearest non-date heading or the broadest date.
    """
    parents = _parents(sections)
    has_children = {p for p in parents if p is not None}
    dates = [s.heading_index is not None and match.is_date(s.title) for s in sections]
    timeline = sum(dates) >= 3
    ahead = _next_year(sections, parents, dates) if match.next_year else set()
    why: dict[int, str] = {}
    inherited: set[int] = set()
    best: tuple[float, int, str] | None = None
    for i, section in enumerate(sections):
        if section.heading_index is None:
            continue
        parent = parents[i]
        if parent in inherited and not (why[parent] in match.unless_reported and reports_done(section)):
            why[i] = why[parent]  # a sub-section under "Goals" that reports work done is read on its own
            inherited.add(i)
            continue
        score, alias = match.alias(section.title)
        skip_words, skip_why = match.skip(section.title, parent is not None and why.get(parent) != "document title")
        if not dates[i] and _is_title(i, sections, parents, has_children, match.names_document):
            why[i] = "document title"  # names the document ("Summary", "Goals and wins"), not its sections
        elif (skip_why and skip_words >= len(normalize_title(alias or "").split())
              and not (skip_why in match.unless_reported and reports_done(section))):
            why[i] = skip_why
            inherited.add(i)
        elif i in ahead and not reports_done(section):
            why[i] = match.next_year
            inherited.add(i)
        elif not section.blocks and i not in has_children:
            why[i] = "no text"
        elif i not in has_children and all(b.index in links or b.text.strip().endswith("?") for b in section.blocks):
            why[i] = "links only, no claims"  # a reading list, the titles of one's posts
        elif i not in has_children and _names_only(section):
            why[i] = "a list of names, no claims"  # the tools one uses, a stack
        elif alias and (best is None or score > best[0]):
            best = (score, i, alias)
    if not any(section.blocks and i not in why for i, section in enumerate(sections)):
        for i in [i for i, reason in why.items() if reason == "document title" and sections[i].blocks]:
            del why[i]  # a title over all the text (no other heading to read): the text is the document
    for i, section in enumerate(sections):
        if section.heading_index is None and (best is not None and not timeline):
            why[i] = "text before the first heading"
        elif section.heading_index is None and why.get(i + 1) == "document title":
            why[i] = "text before the document title"  # page furniture: a "<< Home" link, badges
    owners: dict[int, tuple[str, str | None]] = {}
    for i, section in enumerate(sections):
        section.reviewed = i not in why
        shown = section.blocks or i in has_children or why.get(i) == "document title"
        section.skip_reason = why.get(i) if shown else None
        if section.reviewed:
            owners[i] = _owner(i, sections, parents, why, dates)
    found = {"heading": sections[best[1]].title, "alias": best[2], "score": round(best[0], 2)} if best else None
    return owners, found, timeline


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _next_year(sections: list[Section], parents: list[int | None], dates: list[bool]) -> set[int]:
    """Positions of closing headings that name a year after every year written before them: the last
    heading of its level, the only one of its siblings naming a year, not a date (a series of years,
    "Work in 2022" / "Work in 2023", or a timeline's dates run on)."""
    groups: dict[tuple, list[int]] = {}
    for j, section in enumerate(sections):
        if section.heading_index is not None:
            groups.setdefault((parents[j], section.level), []).append(j)
    ahead: set[int] = set()
    seen = 0
    for i, section in enumerate(sections):
        years = [int(y) for y in _YEAR.findall(section.title)]
        if (years and seen and min(years) > seen and section.heading_index is not None and not dates[i]
                and all(j <= i and (j == i or not _YEAR.search(sections[j].title))
                        for j in groups[(parents[i], section.level)])):
            ahead.add(i)
        seen = max([seen, *years, *(int(y) for b in section.blocks for y in _YEAR.findall(b.text))])
    return ahead


def _owner(i: int, sections: list[Section], parents: list[int | None], why: dict[int, str],
           dates: list[bool]) -> tuple[str, str | None]:
    chain = [i]
    while parents[chain[-1]] is not None and parents[chain[-1]] not in why:
        chain.append(parents[chain[-1]])
    top = sections[chain[-1]].title
    named = [j for j in chain if not dates[j]]
    if any(dates[j] for j in chain):
        sub = sections[named[0]].title if named and named[0] != chain[-1] else None
        if sub is None:  # one story per date: the broadest below a non-date top, else the next one down
            broad = [j for j in chain if dates[j]]
            if broad[-1] == chain[-1] and len(broad) > 1:
                broad.pop()
            sub = sections[broad[-1]].title
        return top, sub
    return top, None if i == chain[-1] else sections[i].title


def extract_claims(sections: list[Section], owners: dict[int, tuple[str, str | None]],
                   links: set[int] = frozenset(), bold_leads: set[int] = frozenset()) -> list[Claim]:
    """Each sentence of the reviewed sections' blocks; a block that is only a link is a reference.
    A table's rows are entries of one story (a log by week, a goals table), not a story each.
    A bold lead-in label on a line of its own ("**Context & Problem:**") in `bold_leads` blocks introduces
    the text after or under it: part of its item, not a claim."""
    claims: list[Claim] = []
    seen = 0
    for i in sorted(owners):
        section, sub = owners[i]
        for block in sections[i].blocks:
            if block.index in links:
                continue
            subsection = sub or (sections[i].title if block.kind == "table_cell" else None)
            seen += 1
            if not seen & 255:
                check_deadline()
            spans = split_sentences(block.text)
            if spans and block.index in bold_leads and _LEAD_LABEL.match(block.text[spans[0][0]:spans[0][1]]):
                spans = spans[1:]
            for start, end in spans:
                text = block.text[start:end]
                if _HAS_WORD.search(text) and not _MARKUP_ONLY.match(text):
                    claims.append(Claim(id=f"c{len(claims) + 1}", section=section, subsection=subsection,
                                        paragraph=block.index, offset=start, text=text, kind=block.kind))
    return claims
