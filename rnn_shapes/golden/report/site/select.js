// The -k expressions of the command line (rnn_shapes/spec/select.py), in the browser:
// each word a case-insensitive substring of the case id, with and / or / not and
// parentheses; the same grammar, precedence and errors.
//   disjunction := conjunction ('or' conjunction)*
//   conjunction := negation ('and' negation)*
//   negation    := 'not' negation | atom
//   atom        := '(' disjunction ')' | word
"use strict";
(function (RS) {
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
    }
    fail(why) {
      return new SyntaxError("-k " + pyRepr(this.expr) + ": " + why);
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
      if (this.peek() === "not") {
        this.take();
        const inner = this.negation();
        return (s) => !inner(s);
      }
      return this.atom();
    }
    atom() {
      const token = this.take();
      if (token === "(") {
        const inner = this.disjunction();
        if (this.take() !== ")") throw this.fail("missing ')'");
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
