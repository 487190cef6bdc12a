import { expandContractions, foldText } from '../nlu/text';

function undouble(stem: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(stem) && !stem.endsWith('ll') && !stem.endsWith('ss') ? stem.slice(0, -1) : stem;
}

/**
 * A light English stemmer, enough to match "returns"/"returned"/"returning" with "return" and
 * "shipped" with "ship". A trailing "e" is dropped last so that "use", "used" and "uses" agree.
 */
export function stem(word: string): string {
  let s = word;
  if (s.length > 4 && s.endsWith('ies')) s = `${s.slice(0, -3)}y`;
  else if (s.length > 4 && /(ss|x|z|ch|sh)es$/.test(s)) s = s.slice(0, -2);
  else if (s.length > 3 && s.endsWith('s') && !/(ss|us|is)$/.test(s)) s = s.slice(0, -1);
  if (s.length > 5 && s.endsWith('ing')) s = undouble(s.slice(0, -3));
  else if (s.length > 4 && s.endsWith('ed')) s = undouble(s.slice(0, -2));
  if (s.length > 3 && s.endsWith('e')) s = s.slice(0, -1);
  return s;
}

/** Lower-cased, full-width folded English word stems of a text, contractions spelt out and stopwords kept: what phrase lookups read. */
export function englishStems(text: string): string[] {
  return (expandContractions(foldText(text)).match(/[a-z]+|\d+/g) ?? []).map(stem);
}
