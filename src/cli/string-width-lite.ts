/**
 * Stands in for `string-width` in the bundled CLI (see scripts/bundle.ts). yargs' help layout (cliui, wrap-ansi)
 * imports string-width, whose module body builds an Intl.Segmenter and Unicode-property regexps: ~50 ms of CPU on
 * every start, for help text that is plain ASCII. This counts terminal columns well enough for that text.
 */
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

export default function stringWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ANSI, '')) {
    const cp = char.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x300 && cp < 0x370) || (cp >= 0x200b && cp <= 0x200f)) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
