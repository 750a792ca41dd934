import stringWidth from "string-width";

/** Pads to a width in terminal columns: a wide character (CJK, emoji) takes two, a combining mark none. */
export const padColumns = (text: string, columns: number): string =>
  text + " ".repeat(Math.max(0, columns - stringWidth(text)));

export { stringWidth };
