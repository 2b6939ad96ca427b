#!/usr/bin/python3
"""Checks the board's colours against WCAG 2's AA contrast: text 4.5:1, large text and UI 3:1.

    board-contrast.py CSS_FILE HTML_FILE...

Reads the style the board serves (/board.css) and pages it rendered, and
works out, for every element of the pages that holds text, the colour its
text gets from the style (the cascade by specificity and order, inherited
from its parents) and the background behind it (its own or its nearest
parent's); for every control, its border against that background; and for
every focusable element, the :focus outline against the background around
it.  A colour rule of the style that no page exercised is checked too,
against the page's background.  Prints each pair with its ratio; exits 1
naming the pairs below their threshold.

Only what the board's style uses is understood: hex colours, rgb(), white,
black, var(--name) from :root, and selectors of tags, classes, ids,
attributes and descendants.  Anything else is an error, not a pass.
"""
import re
import sys
from html.parser import HTMLParser

TEXT, LARGE, UI = 4.5, 3.0, 3.0
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BOLD_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "th"}
# Browser defaults the board's style relies on: heading sizes it does not set, in em.
DEFAULT_EM = {"h3": 1.17, "h4": 1.0, "code": 0.8125}
FOCUSABLE = {"a", "button", "input", "select", "textarea"}
CONTROLS = {"input", "select", "textarea"}
NAMED = {"white": "#ffffff", "black": "#000000"}


class Unreadable(Exception):
    pass


def parse_colour(text, variables):
    """#rrggbb of a CSS colour value, or None for transparent/inherit/currentColor."""
    text = text.strip()
    m = re.fullmatch(r"var\((--[\w-]+)\)", text)
    if m:
        if m.group(1) not in variables:
            raise Unreadable("undefined %s" % m.group(1))
        return parse_colour(variables[m.group(1)], variables)
    if text.lower() in ("transparent", "inherit", "currentcolor", "initial", "unset"):
        return None
    if text.lower() in NAMED:
        return NAMED[text.lower()]
    m = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", text)
    if m:
        h = m.group(1)
        return "#" + ("".join(c * 2 for c in h) if len(h) == 3 else h).lower()
    m = re.fullmatch(r"rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", text)
    if m:
        return "#%02x%02x%02x" % tuple(int(v) for v in m.groups())
    raise Unreadable("cannot read the colour %r" % text)


def luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ratio(a, b):
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def colour_in(value, variables):
    """The colour in a shorthand such as '1px solid #6b7685' or '3px solid var(--x)', or None."""
    for token in re.findall(r"var\(--[\w-]+\)|#[0-9a-fA-F]{3,6}\b|rgb\([^)]*\)|\b(?:white|black)\b", value):
        return parse_colour(token, variables)
    return None


# ---------- the style ----------

class Rule:
    def __init__(self, selector, declarations, order, media):
        self.selector = selector
        self.parts = [parse_compound(p) for p in selector.split()]
        self.declarations = declarations
        self.order = order
        self.media = media
        self.pseudo = any(c["pseudo"] for c in self.parts)
        self.specificity = tuple(sum(x) for x in zip(*[c["spec"] for c in self.parts]))


def parse_compound(text):
    """tag.class#id[attr=value]:pseudo as a dict."""
    m = re.match(r"^([a-zA-Z][\w-]*|\*)?", text)
    tag = m.group(1) if m and m.group(1) != "*" else None
    rest = text[m.end():] if m else text
    classes, ids, attrs, pseudo = [], [], [], []
    for kind, name, value in re.findall(r"([.#:]|\[)([\w-]+)(?:=([^\]]*))?\]?", rest):
        if kind == ".":
            classes.append(name)
        elif kind == "#":
            ids.append(name)
        elif kind == ":":
            pseudo.append(name)
        else:
            attrs.append((name, value.strip("\"'") if value else None))
    consumed = re.sub(r"([.#:]|\[)([\w-]+)(?:=([^\]]*))?\]?", "", rest)
    if consumed:
        raise Unreadable("cannot read the selector %r" % text)
    return {"tag": tag, "classes": classes, "ids": ids, "attrs": attrs, "pseudo": pseudo,
            "spec": (len(ids), len(classes) + len(attrs) + len(pseudo), 1 if tag else 0)}


def parse_css(text):
    """The rules (one per selector of a list) and the :root variables."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    rules, variables, order = [], {}, 0

    def block(body, media):
        nonlocal order
        pos = 0
        while True:
            m = re.compile(r"\s*([^{}]+?)\s*\{").match(body, pos)
            if not m:
                break
            head = m.group(1)
            if head.startswith("@media"):
                depth, i = 1, m.end()
                while depth:
                    depth += {"{": 1, "}": -1}.get(body[i], 0)
                    i += 1
                block(body[m.end():i - 1], head)
                pos = i
                continue
            end = body.index("}", m.end())
            declarations = {}
            for decl in body[m.end():end].split(";"):
                if ":" in decl:
                    name, value = decl.split(":", 1)
                    declarations[name.strip().lower()] = value.strip()
            for selector in head.split(","):
                selector = selector.strip()
                if selector == ":root":
                    variables.update({k: v for k, v in declarations.items() if k.startswith("--")})
                    continue
                rules.append(Rule(selector, declarations, order, media))
                order += 1
            pos = end + 1

    block(text, None)
    return rules, variables


# ---------- the pages ----------

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.parent, self.children, self.text = tag, parent, [], ""
        self.attrs = dict(attrs)
        self.classes = (self.attrs.get("class") or "").split()


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.current = self.root
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text += data


def matches_compound(node, c):
    if c["tag"] and node.tag != c["tag"]:
        return False
    if any(cls not in node.classes for cls in c["classes"]):
        return False
    if any(node.attrs.get("id") != i for i in c["ids"]):
        return False
    for name, value in c["attrs"]:
        if name not in node.attrs or (value is not None and node.attrs[name] != value):
            return False
    return True


def matches(node, rule, focus=False):
    """Whether rule's selector matches node (a :focus rule only when focus is asked for)."""
    parts = rule.parts
    last = parts[-1]
    if last["pseudo"] and not (focus and last["pseudo"] == ["focus"]):
        return False
    if any(p["pseudo"] for p in parts[:-1]) or not matches_compound(node, last):
        return False
    ancestor = node.parent
    for part in reversed(parts[:-1]):
        while ancestor is not None and not matches_compound(ancestor, part):
            ancestor = ancestor.parent
        if ancestor is None:
            return False
        ancestor = ancestor.parent
    return True


class Style:
    def __init__(self, rules, variables):
        self.rules, self.variables = rules, variables
        self.used = set()

    def declared(self, node, names, focus=False, media=False):
        """The winning value of the first of names that a rule matching node declares, and its rule."""
        best = None
        for rule in self.rules:
            if (rule.media and not media) or rule.pseudo != focus or not matches(node, rule, focus):
                continue
            for name in names:
                if name in rule.declarations:
                    key = (rule.specificity, rule.order)
                    if best is None or key > best[0]:
                        best = (key, rule.declarations[name], rule)
        return (best[1], best[2]) if best else (None, None)

    def colour(self, node):
        """The text colour of node: its own rule's, else inherited; black by default."""
        while node is not None and node.tag != "#root":
            value, rule = self.declared(node, ["color"])
            if value is not None:
                self.used.add(rule.selector)
                c = parse_colour(value, self.variables)
                if c:
                    return c
            node = node.parent
        return "#000000"

    def background(self, node):
        """The background behind node: its own, else its nearest parent's; white by default."""
        while node is not None and node.tag != "#root":
            value, rule = self.declared(node, ["background", "background-color"], media=True)
            if value is not None:
                c = colour_in(value, self.variables)
                if c:
                    self.used.add(rule.selector)
                    return c
            node = node.parent
        return "#ffffff"

    def font_px(self, node):
        chain = []
        while node is not None and node.tag != "#root":
            chain.append(node)
            node = node.parent
        px = 16.0
        for n in reversed(chain):
            value, _ = self.declared(n, ["font-size", "font"])
            m = re.match(r"([\d.]+)(px|em)", value or "")
            if m:
                px = float(m.group(1)) if m.group(2) == "px" else px * float(m.group(1))
            elif n.tag in DEFAULT_EM:
                px *= DEFAULT_EM[n.tag]
        return px

    def bold(self, node):
        while node is not None and node.tag != "#root":
            value, _ = self.declared(node, ["font-weight"])
            if value is not None:
                return value in ("bold", "bolder") or (value.isdigit() and int(value) >= 700)
            if node.tag in BOLD_TAGS:
                return True
            node = node.parent
        return False


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def describe(node):
    ident = ("#" + node.attrs["id"]) if node.attrs.get("id") else "".join("." + c for c in node.classes)
    return node.tag + ident


def check(css_path, html_paths):
    rules, variables = parse_css(open(css_path, encoding="utf-8").read())
    style = Style(rules, variables)
    seen, failures = {}, []

    def pair(kind, fg, bg, need, where):
        key = (kind, fg, bg, need, where.split(" in ")[0])
        if key in seen:
            return
        seen[key] = where
        r = ratio(fg, bg)
        line = "%-5s %5.2f (needs %.1f) %s on %s: %s" % (kind, r, need, fg, bg, where)
        print(("ok    " if r >= need else "FAIL  ") + line)
        if r < need:
            failures.append(line)

    for path in html_paths:
        page = Page(open(path, encoding="utf-8").read())
        for node in walk(page.root):
            if node.tag in ("#root", "head", "title", "script", "style", "html"):
                continue
            bg = style.background(node)
            if node.text.strip() or (node.tag == "button"):
                large = style.font_px(node) >= 24 or (style.bold(node) and style.font_px(node) >= 18.66)
                pair("large" if large else "text", style.colour(node), bg, LARGE if large else TEXT,
                     "%s in %s" % (describe(node), path))
            if node.tag in CONTROLS and node.attrs.get("type") not in ("hidden", "radio", "checkbox"):
                value, rule = style.declared(node, ["border", "border-color"])
                border = colour_in(value, variables) if value else None
                if border:
                    style.used.add(rule.selector)
                    pair("ui", border, bg, UI, "the border of %s in %s" % (describe(node), path))
            if node.tag in FOCUSABLE and node.attrs.get("type") != "hidden":
                value, rule = style.declared(node, ["outline", "outline-color"], focus=True)
                outline = colour_in(value, variables) if value else None
                if outline is None:
                    failures.append("no :focus outline colour for %s in %s" % (describe(node), path))
                    continue
                style.used.add(rule.selector)
                # With outline-offset the ring sits on the background around the element.
                pair("focus", outline, style.background(node.parent), UI,
                     "the focus outline of %s in %s" % (describe(node), path))

    # Colour rules no page exercised: checked against the page's own background.
    body_bg = style.background(Page("<body></body>").root.children[0])
    for rule in rules:
        if rule.selector in style.used or rule.pseudo:
            continue
        for name in ("color",):
            if name in rule.declarations:
                fg = parse_colour(rule.declarations[name], variables)
                if fg:
                    bg = colour_in(rule.declarations.get("background", ""), variables) or body_bg
                    pair("text", fg, bg, TEXT, "%s (no page used it; checked on the page's background)" % rule.selector)
    return failures


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: board-contrast.py CSS_FILE HTML_FILE...")
    try:
        failures = check(sys.argv[1], sys.argv[2:])
    except Unreadable as e:
        print("board-contrast: %s" % e)
        return 2
    if failures:
        print("board-contrast: %d pair(s) below WCAG AA:" % len(failures))
        for f in failures:
            print("  " + f)
        return 1
    print("board-contrast: every pair passes WCAG AA")
    return 0


if __name__ == "__main__":
    sys.exit(main())
