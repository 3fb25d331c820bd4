/**
 * Splitting an over-long message into numbered parts that each fit a platform's byte limit.
 * UTF-8 safe (never cuts a character), never cuts a markdown construct (code fence, link, table
 * row): it breaks between paragraphs, then lines, then words, and only as a last resort inside a
 * line that alone is too long (re-opening a code fence in the next part).
 *
 * splitText(text, maxBytes) returns parts whose UTF-8 byte length each is <= maxBytes, with a
 * part label "(i/n)" appended to each when there is more than one part; `label` shapes it.
 */
export interface SplitOptions {
  /** Room each part needs for its label, added to each part: default `\n\n(${i}/${n})`. */
  label?: (index: number, total: number) => string;
}

export declare function splitText(text: string, maxBytes: number, opts?: SplitOptions): string[];
