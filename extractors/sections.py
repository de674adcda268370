"""Blocks into sections, the "What You Did" sections found, and their sentences as claims."""
from __future__ import annotations

import re
from collections.abc import Callable

from promolint.extractors.blocks import (MARKDOWN_HEADING, MAX_HEADING_WORDS, RawBlock, is_outdented_heading, is_underline,
                                         numbered, pseudo_heading_kind)
from promolint.deadline import check_deadline
from promolint.extractors.sentences import split_sentences
from promolint.model import Block, Claim, Section

_NOT_WORD = re.compile(r"[\W_]+")
_LEADING_NUMBER = re.compile(r"^\s*(?:(?:\d{1,2}|[IVXLC]{1,5}|[A-Za-z])[.)]|\d{1,2}(?:\.\d{1,2})+[.)]?)\s+")
_PARENTHETICAL = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")
_HAS_WORD = re.compile(r"\w")
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


class HeadingMatcher:
    """Scores a heading against the "What You Did" aliases and the non-claim `skip` phrases."""

    def __init__(self, sections_config):
        self.aliases = _phrases(sections_config.what_you_did_aliases)
        self.alias_text = {tuple(title_words(a)): a for a in sections_config.what_you_did_aliases}
        self.skips = [(rule.why, _phrases(rule.phrases), rule.whole) for rule in sections_config.skip]
        self.date = re.compile(sections_config.date_heading)
        self.documents = _phrases(sections_config.document_titles)

    def alias(self, title: str) -> tuple[float, str | None]:
        """(score, alias): the matched share of the heading's words, 1.0 for an exact alias."""
        words = title_words(title)
        best = max(self.aliases, key=lambda ph: (_longest(words, [ph]), len(ph)), default=None)
        n = _longest(words, [best]) if best else 0
        return (n / len(words), self.alias_text[best]) if n else (0.0, None)

    def skip(self, title: str) -> tuple[int, str | None]:
        words = title_words(title)
        hits = [(n, -k, why) for k, (why, phrases, whole) in enumerate(self.skips)
                if (n := _longest(words, phrases)) and (not whole or n == len(words))]
        n, _, why = max(hits, default=(0, 0, None))
        return n, why

    def names_document(self, title: str) -> bool:
        """A heading that names the kind of document ("Brag Doc", "Self-Review H1 2024")."""
        return bool(_longest(title_words(title), self.documents))

    def is_date(self, title: str) -> bool:
        return bool(self.date.match(normalize_title(title)))

    def names_section(self, title: str) -> bool:
        """A date, or a heading that is mostly an alias or wholly a skip phrase ("Key Wins", "Goals")."""
        words = title_words(title)
        return (self.is_date(title) or self.alias(title)[0] >= 0.5
                or bool(words) and self.skip(title)[0] == len(words))

    def __call__(self, title: str) -> bool:
        """True for a heading that is exactly an alias (typed headings: a bare alias line is one)."""
        return self.alias(title)[0] == 1.0


def assign_levels(raw_blocks: list[RawBlock], is_alias: Callable[[str], bool]) -> list[Block]:
    """Pseudo-headings nest below the last real heading: larger type ranks higher, then looks in
    the order they first appear (as reStructuredText ranks its adornments)."""
    body = _body_size(raw_blocks)
    names = getattr(is_alias, "names_section", None)
    runs = _numbered_runs(raw_blocks)
    kinds = [None if raw.real_heading else pseudo_heading_kind(raw, is_alias, body, names, i in runs)
             for i, raw in enumerate(raw_blocks)]
    for i in range(len(raw_blocks) - 1):  # a short line underlined with '****' or '====' in plain text
        if (not raw_blocks[i].real_heading and is_underline(raw_blocks[i + 1]) and raw_blocks[i].block.text.strip()
                and not (kinds[i] or "").startswith("hash")  # "## Projects" over "---": the rule is a break
                and len(raw_blocks[i].block.text.split()) <= MAX_HEADING_WORDS and raw_blocks[i].block.kind != "list_item"):
            kinds[i] = "underlined"
        elif kinds[i] is None and is_outdented_heading(raw_blocks[i], raw_blocks[i + 1], names):
            kinds[i] = "outdented"
    first: dict[tuple, int] = {}
    for raw, kind in zip(raw_blocks, kinds):
        if kind is not None:
            first.setdefault((raw.size, kind), len(first))
    order = sorted(first, key=lambda look: (-look[0], first[look]))
    rank = {look: i + 1 for i, look in enumerate(order)}
    base, blocks = 0, []
    for raw, kind in zip(raw_blocks, kinds):
        block = raw.block
        if raw.real_heading:
            base = block.level or 0
        elif kind is not None:
            block = block.model_copy(update={"kind": "heading", "level": base + rank[(raw.size, kind)]})
        blocks.append(block)
    return blocks


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
    """Three or more list items, each a short name ("VS Code", "Docker (new)") with no verb in -ed
    or -ing: an inventory, where a claim says what was done ("Built a GitHub Action")."""
    items = [_PARENTHETICAL_ANY.sub(" ", b.text).split() for b in section.blocks if b.kind == "list_item"]
    return len(items) >= 3 and all(0 < len(words) <= 4 and not any(_is_verb(wd) for wd in words) for words in items)


def _is_verb(word: str) -> bool:
    word = word.strip(".,;:!").lower()
    return bool(_VERB_FORM.search(word)) or word in _IRREGULAR_PAST


_PARENTHETICAL_ANY = re.compile(r"\([^)]*\)")
_VERB_FORM = re.compile(r"^[^\W\d_]\w+(?:ed|ing)$")
# Past tenses a short claim opens with that do not end in -ed ("Led the migration", "Built CI").
_IRREGULAR_PAST = frozenset("""led built wrote ran won made drove grew cut set took gave began brought taught found held
kept met sent sold spent told thought became chose did got had hit lost put saw spoke stood went overcame oversaw
rebuilt rewrote shipped""".split())


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
    why: dict[int, str] = {}
    inherited: set[int] = set()
    best: tuple[float, int, str] | None = None
    for i, section in enumerate(sections):
        if section.heading_index is None:
            continue
        parent = parents[i]
        if parent in inherited:
            why[i] = why[parent]
            inherited.add(i)
            continue
        score, alias = match.alias(section.title)
        skip_words, skip_why = match.skip(section.title)
        if not dates[i] and _is_title(i, sections, parents, has_children, match.names_document):
            why[i] = "document title"  # names the document ("Summary", "Goals and wins"), not its sections
        elif skip_why and skip_words >= len(normalize_title(alias or "").split()):
            why[i] = skip_why
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
                   links: set[int] = frozenset()) -> list[Claim]:
    """Each sentence of the reviewed sections' blocks; a block that is only a link is a reference.
    A table's rows are entries of one story (a log by week, a goals table), not a story each."""
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
            for start, end in split_sentences(block.text):
                text = block.text[start:end]
                if _HAS_WORD.search(text) and not _MARKUP_ONLY.match(text):
                    claims.append(Claim(id=f"c{len(claims) + 1}", section=section, subsection=subsection,
                                        paragraph=block.index, offset=start, text=text, kind=block.kind))
    return claims
