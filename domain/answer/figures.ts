/** The numbers a text states, "2,999" read as "2999", so a figure can be looked up in another text. */
export function figuresOf(text: string): Set<string> {
  return new Set(text.replace(/(\d),(?=\d{3}\b)/g, '$1').match(/\d+(?:\.\d+)?/g) ?? []);
}
