// ESC-introduced sequences: CSI (colours, cursor moves) and OSC (titles, hyperlinks).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC control character is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Removes ANSI escape sequences (colour output of tools run without `-no-color`). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
