/**
 * File names (and anything else that comes from outside) shown on a terminal, in a log line or in a
 * chat: control characters would let a name rewrite the terminal (ANSI/OSC escapes), forge log lines
 * (a newline) or reverse the text around it (bidi overrides). They are shown as visible escapes
 * instead, so two names that differ only there still look different.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
