/** Parsing of `WWW-Authenticate` challenges (RFC 9110 §11.6.1), including quoted strings with commas. */

export interface Challenge {
  /** Lower-case scheme: `basic`, `bearer`, … */
  scheme: string;
  /** Lower-case parameter names → values (unquoted). */
  params: Record<string, string>;
}

/** All challenges in a header value, e.g. `Bearer realm="https://a/token",service="r",scope="repository:x:pull,push"`. */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  const lexer = new Lexer(header);
  while (!lexer.done()) {
    lexer.skip(/[\s,]/);
    const scheme = lexer.token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    parseParams(lexer, challenge);
  }
  return out;
}

function parseParams(lexer: Lexer, challenge: Challenge): void {
  for (;;) {
    lexer.skip(/[\s,]/);
    const mark = lexer.pos;
    const name = lexer.token();
    if (!name) return;
    lexer.skip(/\s/);
    if (lexer.peek() !== '=') {
      lexer.pos = mark; // the next challenge's scheme
      return;
    }
    lexer.pos++;
    if (lexer.peek() === '=') {
      // token68 (e.g. `Basic abc==`): keep it whole
      lexer.pos = mark;
      challenge.params.token68 = lexer.until(/[\s,]/);
      continue;
    }
    lexer.skip(/\s/);
    challenge.params[name.toLowerCase()] = lexer.peek() === '"' ? lexer.quoted() : lexer.until(/[\s,]/);
  }
}

class Lexer {
  pos = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  skip(re: RegExp): void {
    while (!this.done() && re.test(this.peek())) this.pos++;
  }
  token(): string {
    return this.until(/[\s,="]/);
  }
  until(re: RegExp): string {
    const start = this.pos;
    while (!this.done() && !re.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  quoted(): string {
    let value = '';
    this.pos++; // opening quote
    while (!this.done() && this.peek() !== '"') {
      if (this.peek() === '\\') this.pos++;
      value += this.peek();
      this.pos++;
    }
    this.pos++; // closing quote
    return value;
  }
}
