// The -k expressions of the command line (rnn_shapes/cases/select.py), in the browser:
// each word a case-insensitive substring of the case id, with and / or / not and
// parentheses; the same grammar, precedence and errors.
//   disjunction := conjunction ('or' conjunction)*
//   conjunction := negation ('and' negation)*
//   negation    := 'not'* atom   (a run of 'not' read in a loop, as its parity)
// Parentheses nest at most max_depth deep, and an error line shows at most `shown`
// characters of the expression: both limits are select.py's, handed over in data.js.
//   atom        := '(' disjunction ')' | word
"use strict";
(function (RS) {
  const LIMITS = window.RNN_SHAPES.k_limits;

  function tokens(expr) {
    const re = /\s*(\(|\)|[^\s()]+)/y;
    const out = [];
    let pos = 0;
    while (pos < expr.length) {
      re.lastIndex = pos;
      const m = re.exec(expr);
      if (m === null) break; // only trailing blanks are left
      out.push(m[1]);
      pos = re.lastIndex;
    }
    return out;
  }

  function pyRepr(s) {
    return s.includes("'") && !s.includes('"') ? '"' + s + '"' : "'" + s.replace(/'/g, "\\'") + "'";
  }

  class Parser {
    constructor(expr) {
      this.expr = expr;
      this.tokens = tokens(expr);
      this.pos = 0;
      this.depth = 0; // parentheses open around the current token
    }
    fail(why) {
      const e = this.expr;
      const shown = e.length <= LIMITS.shown ? e : e.slice(0, LIMITS.shown) + "...";
      return new SyntaxError("-k " + pyRepr(shown) + ": " + why);
    }
    peek() {
      return this.pos < this.tokens.length ? this.tokens[this.pos] : null;
    }
    take() {
      if (this.pos >= this.tokens.length) throw this.fail("unexpected end of the expression");
      return this.tokens[this.pos++];
    }
    disjunction() {
      const terms = [this.conjunction()];
      while (this.peek() === "or") {
        this.take();
        terms.push(this.conjunction());
      }
      return terms.length === 1 ? terms[0] : (s) => terms.some((t) => t(s));
    }
    conjunction() {
      const terms = [this.negation()];
      while (this.peek() === "and") {
        this.take();
        terms.push(this.negation());
      }
      return terms.length === 1 ? terms[0] : (s) => terms.every((t) => t(s));
    }
    negation() {
      let nots = 0;
      while (this.peek() === "not") {
        this.take();
        nots += 1;
      }
      const inner = this.atom();
      return nots % 2 ? (s) => !inner(s) : inner;
    }
    atom() {
      const token = this.take();
      if (token === "(") {
        this.depth += 1;
        if (this.depth > LIMITS.max_depth) {
          throw this.fail("parentheses nested deeper than " + LIMITS.max_depth);
        }
        const inner = this.disjunction();
        if (this.take() !== ")") throw this.fail("missing ')'");
        this.depth -= 1;
        return inner;
      }
      if ([")", "and", "or", "not"].includes(token)) throw this.fail("unexpected " + pyRepr(token));
      const word = token.toLowerCase();
      return (s) => s.toLowerCase().includes(word);
    }
  }

  // A predicate on case ids; throws a SyntaxError naming the expression when malformed.
  RS.parseK = function (expr) {
    const parser = new Parser(expr);
    if (parser.tokens.length === 0) throw parser.fail("empty expression");
    const predicate = parser.disjunction();
    if (parser.pos !== parser.tokens.length) {
      throw parser.fail("unexpected " + pyRepr(parser.tokens[parser.pos]));
    }
    return predicate;
  };
})((window.RS = window.RS || {}));
